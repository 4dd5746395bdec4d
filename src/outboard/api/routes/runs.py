from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from outboard.api.auth import Caller, caller, db_session, get_runtime
from outboard.api.errors import responses
from outboard.api.schemas import RunIn, RunOut
from outboard.api.services.plays import workspace_plays
from outboard.db.models import Run
from outboard.db.scope import Scope
from outboard.runtime import Runtime
from outboard.send.campaigns import create_run

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
