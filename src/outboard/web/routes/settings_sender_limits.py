"""Settings → Sender accounts → *Change limits*: every cap, ramp-up, gap and the timezone of one account,
checked by the same code as when the account was added (admins)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from outboard.api.params import ObjectId
from outboard.core.errors import ValidationError
from outboard.db.models import SenderAccount
from outboard.db.scope import Scope
from outboard.runtime import Runtime
from outboard.send.accounts import EMAIL_LIMIT_DEFAULTS, LINKEDIN_LIMIT_DEFAULTS, set_limits
from outboard.web.deps import Viewer, admin_viewer, csrf_protect, runtime_of, web_session
from outboard.web.forms import FormState
from outboard.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)])
DAY = 86_400
# (limit, label, largest value) per kind; `ramp_up` and `note_limit` are a checkbox and a choice.
NUMBERS = {
    "email": (("daily_cap", "Emails a day at most", 100_000), ("ramp_start", "Emails on the first day", 100_000),
              ("ramp_per_day", "More each day", 100_000),
              ("min_gap_seconds", "Seconds between two emails at least", DAY),
              ("gap_jitter_seconds", "Random seconds added to each gap, up to", DAY)),
    "linkedin": (("daily_invites", "Invites a day at most", 100_000),
                 ("weekly_invites", "Invites in any 7 days at most", 100_000),
                 ("daily_messages", "Messages a day at most", 100_000),
                 ("pending_invites", "Invites waiting for acceptance at most", 100_000),
                 ("invite_withdraw_days", "Days a message step waits for acceptance", 365),
                 ("min_gap_seconds", "Seconds between two actions at least", DAY),
                 ("gap_jitter_seconds", "Random seconds added to each gap, up to", DAY)),
}


def _form(account: SenderAccount) -> FormState:
    limits = {**(EMAIL_LIMIT_DEFAULTS if account.kind == "email" else LINKEDIN_LIMIT_DEFAULTS), **account.limits}
    values = {key: str(limits[key]) for key, _, _ in NUMBERS[account.kind]} | {"timezone": account.timezone}
    if account.kind == "email":
        values["ramp_up"] = "on" if limits["ramp_up"] else ""
    else:
        values["note_limit"] = str(limits["note_limit"])
    return FormState(values)


def _page(request: Request, account: SenderAccount, form: FormState, status: int = 200) -> Response:
    return render(request, "settings/sender_limits.html", {"account": account, "form": form,
                                                           "numbers": NUMBERS[account.kind], "section": "senders"},
                  status=status)


@router.get("/settings/senders/{account_id}/limits")
def limits_page(request: Request, account_id: ObjectId, who: Viewer = Depends(admin_viewer),
                rt: Runtime = Depends(runtime_of)) -> Response:
    with rt.db.sessions() as session:
        account = Scope(session, who.workspace_id).get(SenderAccount, account_id, "sender account")
        return _page(request, account, _form(account))


@router.post("/settings/senders/{account_id}/limits")
async def change_limits(request: Request, account_id: ObjectId, who: Viewer = Depends(admin_viewer),
                        rt: Runtime = Depends(runtime_of)) -> Response:
    posted = await request.form()
    with rt.db.sessions() as session:
        kind = Scope(session, who.workspace_id).get(SenderAccount, account_id, "sender account").kind
    names = [key for key, _, _ in NUMBERS[kind]]
    form = FormState({k: str(posted.get(k, "")).strip()[:64] for k in (*names, "timezone", "ramp_up", "note_limit")})
    changes: dict[str, object] = {k: form.whole_number(k, maximum=m) for k, _, m in NUMBERS[kind]}
    if kind == "email":
        changes["ramp_up"] = bool(form.values["ramp_up"])
    else:
        changes["note_limit"] = 200 if form.values["note_limit"] == "200" else 300
    if form.ok:
        try:
            with rt.db.transaction() as session:
                account = Scope(session, who.workspace_id).get(SenderAccount, account_id, "sender account")
                changed = set_limits(session, account, changes, timezone=form.values["timezone"] or "UTC",
                                     by=f"user:{who.user_id}")
                name = account.name
        except ValidationError as exc:
            form.from_error(exc, fallback="form", aliases={f"limits.{k}": k for k in (*names, "note_limit")})
    if not form.ok:
        with rt.db.sessions() as session:
            account = Scope(session, who.workspace_id).get(SenderAccount, account_id, "sender account")
            return _page(request, account, form, status=422)
    web_session(request).update(flash=f"{name}: {len(changed)} limits changed." if changed else
                                f"{name}: nothing changed.")
    return RedirectResponse("/settings/senders", status_code=303)
