"""Settings → Sender accounts: email mailboxes (SMTP + IMAP) and LinkedIn accounts, their caps and timezone;
the SMTP connection test and the domain's DNS check; pause and resume. Everyone reads, admins change.
Passwords and keys are sealed when saved and never shown again (the form never refills them)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from outboard.api.params import ObjectId
from outboard.api.services.accounts import connection_test, dns_report
from outboard.core.errors import ValidationError
from outboard.db.models import SenderAccount
from outboard.db.scope import Scope
from outboard.runtime import Runtime
from outboard.send.accounts import (
    EMAIL_LIMIT_DEFAULTS,
    LINKEDIN_LIMIT_DEFAULTS,
    add_email_account,
    add_linkedin_account,
    pause_account,
    resume_account,
)
from outboard.send.queries import sender_accounts
from outboard.web.deps import Viewer, admin_viewer, csrf_protect, db_session, runtime_of, viewer, web_session
from outboard.web.forms import FormState
from outboard.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)])
EMAIL_TEXT = ("name", "address", "from_name", "smtp_host", "smtp_port", "smtp_security", "smtp_username", "imap_host",
              "imap_port", "imap_security", "imap_username", "timezone")
EMAIL_CAPS = ("daily_cap", "ramp_start", "ramp_per_day", "min_gap_seconds")
LINKEDIN_TEXT = ("name", "profile_id", "provider", "api_base_url", "account_ref", "timezone", "note_limit")
LINKEDIN_CAPS = ("daily_invites", "weekly_invites", "daily_messages", "min_gap_seconds")
TEXT_MAX = 300


def _email_form() -> FormState:
    values: dict[str, Any] = {"smtp_port": "587", "smtp_security": "starttls", "imap_port": "993",
                              "imap_security": "tls", "timezone": "UTC", "ramp_up": "on"}
    values |= {k: str(EMAIL_LIMIT_DEFAULTS[k]) for k in EMAIL_CAPS}
    return FormState({k: values.get(k, "") for k in (*EMAIL_TEXT, *EMAIL_CAPS, "ramp_up")})


def _linkedin_form() -> FormState:
    values: dict[str, Any] = {"provider": "manual", "timezone": "UTC", "note_limit": "300"}
    values |= {k: str(LINKEDIN_LIMIT_DEFAULTS[k]) for k in LINKEDIN_CAPS}
    return FormState({f"li_{k}": values.get(k, "") for k in (*LINKEDIN_TEXT, *LINKEDIN_CAPS)})


def _page(request: Request, session: Session, who: Viewer, *, email: FormState | None = None,
          linkedin: FormState | None = None, status: int = 200) -> Response:
    return render(request, "settings/senders.html", {
        "accounts": sender_accounts(session, who.workspace_id), "email": email or _email_form(),
        "linkedin": linkedin or _linkedin_form(), "section": "senders"}, status=status)


@router.get("/settings/senders")
def senders(request: Request, who: Viewer = Depends(viewer), session: Session = Depends(db_session)) -> Response:
    return _page(request, session, who)


def _texts(form: FormState, names: tuple[str, ...], prefix: str = "") -> None:
    for name in names:
        if len(form.values.get(prefix + name, "")) > TEXT_MAX:
            form.fail(prefix + name, f"At most {TEXT_MAX} characters.")


@router.post("/settings/senders/email")
def add_email(request: Request, name: str = Form(""), address: str = Form(""), from_name: str = Form(""),
              smtp_host: str = Form(""), smtp_port: str = Form(""), smtp_security: str = Form(""),
              smtp_username: str = Form(""), smtp_password: str = Form(""), imap_host: str = Form(""),
              imap_port: str = Form(""), imap_security: str = Form(""), imap_username: str = Form(""),
              imap_password: str = Form(""), timezone: str = Form(""), daily_cap: str = Form(""),
              ramp_up: str = Form(""), ramp_start: str = Form(""), ramp_per_day: str = Form(""),
              min_gap_seconds: str = Form(""), who: Viewer = Depends(admin_viewer),
              rt: Runtime = Depends(runtime_of)) -> Response:
    typed = locals()  # the form's fields by name, to keep them as typed
    form = FormState({k: str(typed[k]).strip() for k in (*EMAIL_TEXT, *EMAIL_CAPS, "ramp_up")})
    _texts(form, EMAIL_TEXT)
    for required, label in (("address", "the address to send from"), ("from_name", "the name people see"),
                            ("smtp_host", "the SMTP server")):
        if not form.values[required]:
            form.fail(required, f"Enter {label}.")
    ports = {k: form.whole_number(k, minimum=1, maximum=65535) for k in ("smtp_port", "imap_port")}
    caps = {k: form.whole_number(k, maximum=100_000 if k != "min_gap_seconds" else 86_400) for k in EMAIL_CAPS}
    if form.ok:
        v = form.values
        try:
            with rt.db.transaction() as session:
                add_email_account(
                    session, who.workspace_id, rt.secrets, name=v["name"] or v["from_name"], address=v["address"],
                    from_name=v["from_name"], smtp_host=v["smtp_host"], smtp_port=ports["smtp_port"] or 587,
                    smtp_security=v["smtp_security"], smtp_username=v["smtp_username"] or None,
                    smtp_password=smtp_password or None, imap_host=v["imap_host"] or None,
                    imap_port=ports["imap_port"] or 993, imap_security=v["imap_security"],
                    imap_username=v["imap_username"] or None, imap_password=imap_password or smtp_password or None,
                    timezone=v["timezone"] or "UTC", limits={**caps, "ramp_up": bool(ramp_up)})
        except ValidationError as exc:
            form.from_error(exc, fallback="address", aliases={f"limits.{k}": k for k in EMAIL_CAPS})
    if not form.ok:
        with rt.db.sessions() as session:
            return _page(request, session, who, email=form, status=422)
    web_session(request).update(flash=f"Mailbox {form.values['address']} connected. Its passwords are stored "
                                      "encrypted and are never shown again. Test the connection below.")
    return RedirectResponse("/settings/senders", status_code=303)


@router.post("/settings/senders/linkedin")
def add_linkedin(request: Request, li_name: str = Form(""), li_profile_id: str = Form(""),
                 li_provider: str = Form(""), li_api_base_url: str = Form(""), li_api_key: str = Form(""),
                 li_account_ref: str = Form(""), li_timezone: str = Form(""), li_note_limit: str = Form(""),
                 li_daily_invites: str = Form(""), li_weekly_invites: str = Form(""),
                 li_daily_messages: str = Form(""), li_min_gap_seconds: str = Form(""),
                 who: Viewer = Depends(admin_viewer), rt: Runtime = Depends(runtime_of)) -> Response:
    typed = locals()  # the form's fields by name, to keep them as typed
    form = FormState({f"li_{k}": str(typed[f"li_{k}"]).strip() for k in (*LINKEDIN_TEXT, *LINKEDIN_CAPS)})
    _texts(form, LINKEDIN_TEXT, "li_")
    if not form.values["li_profile_id"]:
        form.fail("li_profile_id", "Enter the public id of the LinkedIn profile (linkedin.com/in/<id>).")
    caps = {k: form.whole_number(f"li_{k}", maximum=100_000 if k != "min_gap_seconds" else 86_400)
            for k in LINKEDIN_CAPS}
    note_limit = 200 if form.values["li_note_limit"] == "200" else 300
    if form.ok:
        v = {k.removeprefix("li_"): value for k, value in form.values.items()}
        try:
            with rt.db.transaction() as session:
                add_linkedin_account(
                    session, who.workspace_id, rt.secrets, name=v["name"] or v["profile_id"],
                    profile_id=v["profile_id"], provider=v["provider"], api_base_url=v["api_base_url"] or None,
                    api_key=li_api_key or None, account_ref=v["account_ref"] or None, timezone=v["timezone"] or "UTC",
                    limits={**caps, "note_limit": note_limit})
        except ValidationError as exc:
            aliases = {"profile_id": "li_profile_id", "provider": "li_provider", "timezone": "li_timezone",
                       **{f"limits.{k}": f"li_{k}" for k in LINKEDIN_CAPS}}
            form.from_error(exc, fallback="li_profile_id", aliases=aliases)
    if not form.ok:
        with rt.db.sessions() as session:
            return _page(request, session, who, linkedin=form, status=422)
    web_session(request).update(flash=f"LinkedIn account {form.values['li_profile_id']} connected.")
    return RedirectResponse("/settings/senders", status_code=303)


@router.post("/settings/senders/{account_id}/pause")
def pause(request: Request, account_id: ObjectId, reason: str = Form(""), who: Viewer = Depends(admin_viewer),
          rt: Runtime = Depends(runtime_of)) -> Response:
    with rt.db.transaction() as session:
        account = Scope(session, who.workspace_id).get(SenderAccount, account_id, "sender account")
        pause_account(session, account, reason.strip()[:300] or "paused by an admin")
        name = account.name
    web_session(request).update(flash=f"{name} paused: its steps wait until you resume it.")
    return RedirectResponse("/settings/senders", status_code=303)


@router.post("/settings/senders/{account_id}/resume")
def resume(request: Request, account_id: ObjectId, who: Viewer = Depends(admin_viewer),
           rt: Runtime = Depends(runtime_of)) -> Response:
    with rt.db.transaction() as session:
        account = Scope(session, who.workspace_id).get(SenderAccount, account_id, "sender account")
        resume_account(session, account)
        name = account.name
    web_session(request).update(flash=f"{name} resumed.")
    return RedirectResponse("/settings/senders", status_code=303)


@router.post("/settings/senders/{account_id}/test")
def test(request: Request, account_id: ObjectId, who: Viewer = Depends(admin_viewer),
         rt: Runtime = Depends(runtime_of)) -> Response:
    """Connect to the SMTP server and log in, sending nothing."""
    with rt.db.sessions() as session:
        account = Scope(session, who.workspace_id).get(SenderAccount, account_id, "sender account")
        try:
            report = connection_test(rt, account)
            message = f"{account.name}: {'it works' if report.ok else 'the connection failed'}: {report.detail}."
        except ValidationError as exc:
            message = f"{account.name}: {exc.reason}."
    web_session(request).update(flash=message)
    return RedirectResponse("/settings/senders", status_code=303)


@router.post("/settings/senders/{account_id}/dns")
def dns(request: Request, account_id: ObjectId, who: Viewer = Depends(admin_viewer),
        rt: Runtime = Depends(runtime_of)) -> Response:
    """SPF, DKIM and DMARC of the account's domain."""
    with rt.db.sessions() as session:
        account = Scope(session, who.workspace_id).get(SenderAccount, account_id, "sender account")
        try:
            r = dns_report(rt, account)
            message = (f"{r.domain}: SPF, DKIM and DMARC are published." if not r.missing else
                       f"{r.domain}: no {', '.join(r.missing)} record found. Publish them at your DNS host: Gmail "
                       "and Yahoo reject bulk mail without them.")
        except ValidationError as exc:
            message = f"{account.name}: {exc.reason}."
    web_session(request).update(flash=message)
    return RedirectResponse("/settings/senders", status_code=303)
