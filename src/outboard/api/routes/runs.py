from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from outboard.api import owned
from outboard.api.auth import Caller, caller, db_session, get_runtime
from outboard.api.errors import responses
from outboard.api.schemas import RunIn, RunOut
from outboard.api.schemas_send import ReplacePlayIn, RunDetailOut, SequenceSummaryOut
from outboard.api.services.plays import play_for, workspace_plays
from outboard.db import tallies
from outboard.db.models import Run
from outboard.db.scope import Scope
from outboard.runtime import Runtime
from outboard.send.campaigns import create_run, pause_run, replace_play, resume_run
from outboard.send.queries import run_sequences

router = APIRouter(tags=["runs"])


def run_out(run: Run) -> RunOut:
    return RunOut(id=run.id, name=run.name, play_id=run.play_key, state=run.state,  # type: ignore[arg-type]
                  created_at=run.created_at, activated_at=run.activated_at, completed_at=run.completed_at)


@router.get("/runs", response_model=list[RunOut], responses=responses())
def runs(who: Caller = Depends(caller), session: Session = Depends(db_session)) -> list[RunOut]:
    """The workspace's runs, newest first."""
    rows = session.scalars(Scope(session, who.workspace_id).select(Run).order_by(Run.id.desc()))
    return [run_out(r) for r in rows]


@router.post("/runs", response_model=RunOut, status_code=201, responses=responses(404, 422))
def new_run(body: RunIn, who: Caller = Depends(caller), rt: Runtime = Depends(get_runtime)) -> RunOut:
    """Create run with play: a Draft run from a play of the library or the workspace."""
    with rt.db.transaction() as session:
        extra = tuple(workspace_plays(session, who.workspace_id))
        return run_out(create_run(session, who.workspace_id, body.name, body.play_id, extra))


@router.get("/runs/{run_id}", response_model=RunDetailOut, responses=responses(404))
def run(run_id: int = Depends(owned.run_id), who: Caller = Depends(caller),
        session: Session = Depends(db_session)) -> RunDetailOut:
    """A run with its sequences and how many leads each has enrolled."""
    found = Scope(session, who.workspace_id).get(Run, run_id, "run")
    sequences = run_sequences(session, who.workspace_id, run_id)
    totals = tallies.enrollment_totals(session, [s.id for s in sequences])
    return RunDetailOut(**run_out(found).model_dump(), sequences=[
        SequenceSummaryOut(id=s.id, run_id=s.run_id, name=s.name, state=s.state,  # type: ignore[arg-type]
                           enrolled=totals.get(s.id, 0)) for s in sequences])


def _move(rt: Runtime, workspace_id: int, run_id: int, action: str) -> RunOut:
    with rt.db.transaction() as session:
        found = Scope(session, workspace_id).get(Run, run_id, "run")
        (pause_run if action == "pause" else resume_run)(session, found)
        return run_out(found)


@router.post("/runs/{run_id}/pause", response_model=RunOut, responses=responses(404, 409))
def pause(run_id: int = Depends(owned.run_id), who: Caller = Depends(caller),
          rt: Runtime = Depends(get_runtime)) -> RunOut:
    """Pause an Active run: none of its sequences sends until it is resumed."""
    return _move(rt, who.workspace_id, run_id, "pause")


@router.post("/runs/{run_id}/resume", response_model=RunOut, responses=responses(404, 409))
def resume(run_id: int = Depends(owned.run_id), who: Caller = Depends(caller),
           rt: Runtime = Depends(get_runtime)) -> RunOut:
    """Resume a Paused run and its sequences."""
    return _move(rt, who.workspace_id, run_id, "resume")


@router.put("/runs/{run_id}/play", response_model=RunOut, responses=responses(400, 404, 422))
def put_play(body: ReplacePlayIn, run_id: int = Depends(owned.run_id), who: Caller = Depends(caller),
             rt: Runtime = Depends(get_runtime)) -> RunOut:
    """Replace a Draft run's play: its sequences' steps are reset from the new play (400 once launched)."""
    with rt.db.transaction() as session:
        extra = tuple(workspace_plays(session, who.workspace_id))
        play_for(session, who.workspace_id, body.play_id)
        found = Scope(session, who.workspace_id).get(Run, run_id, "run")
        replace_play(session, found, body.play_id, extra)
        return run_out(found)
