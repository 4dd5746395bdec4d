"""Settings → Strategy profiles: sender identity, offer, proof, tone, call to action, language and limits,
reused by sequences. Everyone reads, admins create and edit."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from outboard.api.params import ObjectId
from outboard.api.services.strategies import create_strategy, update_strategy
from outboard.core.errors import ValidationError
from outboard.core.writing import StrategyProfile
from outboard.db.models import StrategyProfileRow
from outboard.db.scope import Scope
from outboard.runtime import Runtime
from outboard.send.queries import strategy_profiles, strategy_usage
from outboard.web.deps import Viewer, admin_viewer, csrf_protect, db_session, runtime_of, viewer, web_session
from outboard.web.forms import FormState
from outboard.web.templating import render
from outboard.write.strategy_store import TONES, load_strategy, strategy_to_dict

router = APIRouter(dependencies=[Depends(csrf_protect)])
LISTS = ("proof", "banned_phrases")  # one item per line
NUMBERS = {"max_email_words": 2000, "max_subject_chars": 300, "linkedin_note_limit": 300}
TEXT_LIMITS = {"name": 200, "sender_name": 200, "sender_title": 200, "sender_company": 200, "signature": 2000,
               "postal_address": 500, "offer": 2000, "call_to_action": 500, "language": 10, "opt_out_sentence": 500,
               "proof": 6000, "banned_phrases": 6000}


def _values(profile: StrategyProfile | None = None) -> dict[str, str]:
    data = strategy_to_dict(profile or StrategyProfile(name="", sender_name=""))
    return {k: "\n".join(v) if k in LISTS else str(v) for k, v in data.items()}


async def typed(request: Request) -> dict[str, str]:
    """Every field of the form as typed (a dependency: the form was read and cached by the CSRF check)."""
    form = await request.form()
    return {k: str(form.get(k, "")).strip() for k in _values()}


def _data(form: FormState) -> dict[str, Any]:
    """The profile's fields from the form; limits and numbers checked beside their field."""
    for name, limit in TEXT_LIMITS.items():
        if len(form.values.get(name, "")) > limit:
            form.fail(name, f"At most {limit:,} characters.")
    data: dict[str, Any] = {k: v for k, v in form.values.items() if k not in LISTS and k not in NUMBERS}
    for name in LISTS:
        data[name] = [line.strip() for line in form.values.get(name, "").splitlines() if line.strip()]
    for name, maximum in NUMBERS.items():
        data[name] = form.whole_number(name, minimum=1, maximum=maximum)
    return data


def _list(request: Request, session: Session, who: Viewer, form: FormState | None = None,
          status: int = 200) -> Response:
    return render(request, "settings/profiles.html", {
        "profiles": strategy_profiles(session, who.workspace_id), "used": strategy_usage(session, who.workspace_id),
        "form": form or FormState(_values()), "tones": TONES, "section": "profiles", "editing": None}, status=status)


@router.get("/settings/profiles")
def profiles(request: Request, who: Viewer = Depends(viewer), session: Session = Depends(db_session)) -> Response:
    return _list(request, session, who)


@router.post("/settings/profiles")
def create(request: Request, who: Viewer = Depends(admin_viewer), values: dict[str, str] = Depends(typed),
           rt: Runtime = Depends(runtime_of)) -> Response:
    return _save(request, rt, who, FormState(values), None)


def _edit_page(request: Request, session: Session, who: Viewer, row: StrategyProfileRow,
               form: FormState | None = None, status: int = 200) -> Response:
    return render(request, "settings/profiles.html", {
        "profiles": [], "used": strategy_usage(session, who.workspace_id),
        "form": form or FormState(_values(load_strategy(row))), "tones": TONES, "section": "profiles",
        "editing": row}, status=status)


@router.get("/settings/profiles/{strategy_id}")
def profile(request: Request, strategy_id: ObjectId, who: Viewer = Depends(viewer),
            session: Session = Depends(db_session)) -> Response:
    row = Scope(session, who.workspace_id).get(StrategyProfileRow, strategy_id, "strategy profile")
    return _edit_page(request, session, who, row)


@router.post("/settings/profiles/{strategy_id}")
def update(request: Request, strategy_id: ObjectId, who: Viewer = Depends(admin_viewer),
           values: dict[str, str] = Depends(typed), rt: Runtime = Depends(runtime_of)) -> Response:
    with rt.db.sessions() as session:
        Scope(session, who.workspace_id).get(StrategyProfileRow, strategy_id, "strategy profile")
    return _save(request, rt, who, FormState(values), strategy_id)


def _save(request: Request, rt: Runtime, who: Viewer, form: FormState, strategy_id: int | None) -> Response:
    data = _data(form)
    if form.ok:
        try:
            with rt.db.transaction() as session:
                if strategy_id is None:
                    create_strategy(session, who.workspace_id, data)
                else:
                    update_strategy(session, who.workspace_id, strategy_id, data)
        except ValidationError as exc:
            form.from_error(exc, fallback="name")
    if not form.ok:
        with rt.db.sessions() as session:
            if strategy_id is None:
                return _list(request, session, who, form, status=422)
            row = Scope(session, who.workspace_id).get(StrategyProfileRow, strategy_id, "strategy profile")
            return _edit_page(request, session, who, row, form, status=422)
    web_session(request).update(flash=f"Strategy profile “{form.values['name']}” saved.")
    return RedirectResponse("/settings/profiles", status_code=303)
