"""Settings → Usage & budget: the ledger by kind, and the credit budget (admins set it)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from outboard.core.errors import ValidationError
from outboard.runtime import Runtime
from outboard.team.usage import balance, parse_budget, set_budget, usage_by_kind
from outboard.web.deps import Viewer, admin_viewer, csrf_protect, db_session, runtime_of, viewer, web_session
from outboard.web.forms import FormState
from outboard.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)])
PRICES = [("Discovery preview", 2, "per preview"), ("Saved search or clue result", 4, "per result"),
          ("Email found", 6, "per lead, on success"), ("Other enriched field", 3, "per field, on success"),
          ("Generated message", 2, "per message or regeneration"), ("Send", 2, "per successful send"),
          ("Launch", 0, "free")]


def _page(request: Request, session: Session, who: Viewer, form: FormState | None = None,
          status: int = 200) -> Response:
    credits = balance(session, who.workspace_id)
    since = request.app.state.rt.clock.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    form = form or FormState({"budget": "" if credits.budget is None else str(credits.budget)})
    return render(request, "settings/usage.html",
                  {"credits": credits, "lines": usage_by_kind(session, who.workspace_id),
                   "month": usage_by_kind(session, who.workspace_id, since), "since": since, "form": form,
                   "prices": PRICES, "section": "usage"}, status=status)


@router.get("/settings/usage")
def usage(request: Request, who: Viewer = Depends(viewer), session: Session = Depends(db_session)) -> Response:
    return _page(request, session, who)


@router.post("/settings/usage/budget")
def budget(request: Request, budget: str = Form(""), who: Viewer = Depends(admin_viewer),
           rt: Runtime = Depends(runtime_of)) -> Response:
    form = FormState({"budget": budget.strip()})
    try:
        value = parse_budget(budget)
        with rt.db.transaction() as session:
            set_budget(session, who.workspace_id, value)
    except ValidationError as exc:
        with rt.db.sessions() as session:
            return _page(request, session, who, form.from_error(exc, fallback="budget"), status=422)
    web_session(request).update(flash="No credit budget: usage is recorded but never paused." if value is None
                                else f"Credit budget set to {value:,}.")
    return RedirectResponse("/settings/usage", status_code=303)
