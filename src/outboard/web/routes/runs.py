"""Runs: the list, a run's page (its sequences, pause / resume, replacing its play while Draft), and the run
selector in the top bar (the chosen run is remembered in the session)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from outboard.api.params import ObjectId
from outboard.api.services.plays import play_for, plays_for, workspace_plays
from outboard.core.errors import OutboardError
from outboard.db import tallies
from outboard.db.models import Run, SourceGroup, run_source_groups
from outboard.db.scope import Scope
from outboard.runtime import Runtime
from outboard.send.campaigns import pause_run, replace_play, resume_run, run_play
from outboard.send.queries import run_sequences, runs_with_counts
from outboard.web.deps import Viewer, csrf_protect, db_session, runtime_of, viewer, web_session
from outboard.web.forms import safe_next
from outboard.web.templating import is_htmx, render

router = APIRouter(dependencies=[Depends(csrf_protect)])


@router.post("/runs/select")
def select_run(request: Request, run_id: str = Form(""), next: str = Form("/"), who: Viewer = Depends(viewer),
               session: Session = Depends(db_session)) -> Response:
    chosen = int(run_id) if run_id.isascii() and run_id.isdigit() and len(run_id) <= 9 else None
    if chosen is not None:
        chosen = Scope(session, who.workspace_id).get(Run, chosen, "run").id  # another workspace's run: 404
    web_session(request).update(run_id=chosen)
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Refresh": "true"})
    return RedirectResponse(safe_next(next), status_code=303)


@router.get("/runs")
def runs(request: Request, who: Viewer = Depends(viewer), session: Session = Depends(db_session)) -> Response:
    return render(request, "runs/list.html", {"rows": runs_with_counts(session, who.workspace_id)})


@router.get("/runs/{run_id}")
def run_page(request: Request, run_id: ObjectId, who: Viewer = Depends(viewer),
             session: Session = Depends(db_session)) -> Response:
    run = Scope(session, who.workspace_id).get(Run, run_id, "run")
    sequences = run_sequences(session, who.workspace_id, run.id)
    groups = list(session.scalars(Scope(session, who.workspace_id).select(SourceGroup).join(
        run_source_groups, run_source_groups.c.source_group_id == SourceGroup.id)
        .where(run_source_groups.c.run_id == run.id).order_by(SourceGroup.name)))
    return render(request, "runs/detail.html", {
        "run": run, "play": run_play(run), "sequences": sequences, "groups": groups,
        "enrolled": tallies.enrollment_totals(session, [s.id for s in sequences]),
        "plays": plays_for(session, who.workspace_id) if run.state == "draft" else [],
    })


def _act(request: Request, rt: Runtime, who: Viewer, run_id: int, action: str) -> Response:
    with rt.db.transaction() as session:
        run = Scope(session, who.workspace_id).get(Run, run_id, "run")
        try:
            (pause_run if action == "pause" else resume_run)(session, run)
            message = (f"Run “{run.name}” paused: none of its sequences sends until you resume it." if action == "pause"
                       else f"Run “{run.name}” resumed: its active sequences send again.")
        except OutboardError as exc:
            message = f"Not {action}d: {exc}."
    web_session(request).update(flash=message)
    return RedirectResponse(f"/runs/{run_id}", status_code=303)


@router.post("/runs/{run_id}/pause")
def pause(request: Request, run_id: ObjectId, who: Viewer = Depends(viewer),
          rt: Runtime = Depends(runtime_of)) -> Response:
    return _act(request, rt, who, run_id, "pause")


@router.post("/runs/{run_id}/resume")
def resume(request: Request, run_id: ObjectId, who: Viewer = Depends(viewer),
           rt: Runtime = Depends(runtime_of)) -> Response:
    return _act(request, rt, who, run_id, "resume")


@router.post("/runs/{run_id}/play")
def change_play(request: Request, run_id: ObjectId, play_id: str = Form(""), who: Viewer = Depends(viewer),
                rt: Runtime = Depends(runtime_of)) -> Response:
    """Replace a Draft run's play: what the run took from its old play (its sequences' steps) is reset."""
    with rt.db.transaction() as session:
        run = Scope(session, who.workspace_id).get(Run, run_id, "run")
        try:
            play = play_for(session, who.workspace_id, play_id.strip()[:100])
            replace_play(session, run, play.id, tuple(workspace_plays(session, who.workspace_id)))
            message = f"Run “{run.name}” now uses the play “{play.name}”; its sequences' steps were reset from it."
        except OutboardError as exc:
            message = f"Play not replaced: {exc}."
    web_session(request).update(flash=message)
    return RedirectResponse(f"/runs/{run_id}", status_code=303)
