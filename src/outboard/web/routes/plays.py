"""The Play Library (the home page), a play's detail, and creating a run from a play."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from outboard.api.services.plays import filter_choices, play_for, plays_for, workspace_plays
from outboard.core.errors import OutboardError, ValidationError
from outboard.core.lifecycle import Lifecycle
from outboard.core.plays import READINESS_CHECKS, STEP_INTENTS
from outboard.db.models import Run
from outboard.db.scope import Scope
from outboard.runtime import Runtime
from outboard.send.campaigns import create_run, replace_play
from outboard.web.deps import Viewer, csrf_protect, db_session, runtime_of, viewer, web_session
from outboard.web.forms import FormState
from outboard.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)])


@router.get("/")
def library(request: Request, category: str = "", goal: str = "", relationship: str = "",
            who: Viewer = Depends(viewer), session: Session = Depends(db_session)) -> Response:
    everything = plays_for(session, who.workspace_id)
    chosen = {"category": category, "goal": goal, "relationship": relationship}
    try:
        plays = plays_for(session, who.workspace_id, category=category, goal=goal, relationship=relationship)
        problem = None
    except ValidationError as exc:  # a hand-edited URL with an unknown relationship
        plays, problem = [], str(exc)
    return render(request, "plays/library.html",
                  {"plays": plays, "choices": filter_choices(everything), "chosen": chosen, "problem": problem,
                   "total": len(everything)}, block="grid")


def _detail(request: Request, session: Session, who: Viewer, play_id: str, form: FormState | None = None,
            status: int = 200) -> Response:
    play = play_for(session, who.workspace_id, play_id)
    steps = list(zip(play.steps, play.cumulative_days, strict=True))
    run_id = web_session(request).state.run_id
    current = session.scalars(Scope(session, who.workspace_id).select(Run).where(Run.id == run_id)).first() \
        if run_id else None
    draft = current if current is not None and current.state == Lifecycle.DRAFT.value else None
    return render(request, "plays/detail.html", {
        "play": play, "steps": steps, "intents": STEP_INTENTS, "checks": READINESS_CHECKS, "draft": draft,
        "form": form or FormState({"name": play.name}),
    }, status=status)


@router.get("/plays/{play_id}")
def play_detail(request: Request, play_id: str, who: Viewer = Depends(viewer),
                session: Session = Depends(db_session)) -> Response:
    return _detail(request, session, who, play_id)


@router.post("/plays/{play_id}/runs")
def create_run_with_play(request: Request, play_id: str, name: str = Form(""), who: Viewer = Depends(viewer),
                         rt: Runtime = Depends(runtime_of)) -> Response:
    """Create run with play: a Draft run named by the user, chosen in the top bar."""
    form = FormState({"name": name.strip()})
    try:
        if len(form.values["name"]) > 200:
            raise ValidationError("name", "must be at most 200 characters")
        with rt.db.transaction() as session:
            extra = tuple(workspace_plays(session, who.workspace_id))
            run = create_run(session, who.workspace_id, name, play_id, extra)
            run_id, run_name = run.id, run.name
    except ValidationError as exc:
        with rt.db.sessions() as session:
            return _detail(request, session, who, play_id, form.from_error(exc, fallback="name"), status=422)
    web_session(request).update(run_id=run_id, flash=f"Run “{run_name}” created as a draft and chosen in the top "
                                                     "bar. Next: give it leads and a sequence.")
    return RedirectResponse(f"/plays/{play_id}", status_code=303)


@router.post("/plays/{play_id}/replace")
def replace_run_play(request: Request, play_id: str, run_id: str = Form(""), who: Viewer = Depends(viewer),
                     rt: Runtime = Depends(runtime_of)) -> Response:
    """Use this play for the chosen draft run instead: resets what the run took from its old play."""
    with rt.db.transaction() as session:
        extra = tuple(workspace_plays(session, who.workspace_id))
        play_for(session, who.workspace_id, play_id)  # an unknown play is 404 before anything else
        run = Scope(session, who.workspace_id).get(Run, int(run_id) if run_id.isdigit() else 0, "run")
        try:
            replace_play(session, run, play_id, extra)
            message = f"Run “{run.name}” now uses this play; its sequences' steps were reset from it."
        except OutboardError as exc:
            message = f"Play not replaced: {exc}."
    web_session(request).update(flash=message)
    return RedirectResponse(f"/plays/{play_id}", status_code=303)
