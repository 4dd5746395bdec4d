"""Strategy profiles: everyone may read them (a sequence needs one); admins create and edit them."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from outboard.api import owned
from outboard.api.auth import Caller, admin, caller, db_session, get_runtime
from outboard.api.errors import responses
from outboard.api.schemas_write import StrategyIn, StrategyOut
from outboard.api.services.strategies import create_strategy, update_strategy
from outboard.db.models import StrategyProfileRow
from outboard.db.scope import Scope
from outboard.runtime import Runtime
from outboard.send.queries import strategy_profiles, strategy_usage
from outboard.write.strategy_store import load_strategy, strategy_to_dict

router = APIRouter(tags=["strategy profiles"])


def strategy_out(row: StrategyProfileRow, used: int) -> StrategyOut:
    profile = strategy_to_dict(load_strategy(row))  # every field, defaults filled in
    return StrategyOut(**{**profile, "name": row.name}, id=row.id, created_at=row.created_at, sequences=used)


@router.get("/strategies", response_model=list[StrategyOut], responses=responses())
def strategies(who: Caller = Depends(caller), session: Session = Depends(db_session)) -> list[StrategyOut]:
    """Strategy profiles: sender identity, offer, proof, tone and call to action, by name."""
    used = strategy_usage(session, who.workspace_id)
    return [strategy_out(r, used.get(r.id, 0)) for r in strategy_profiles(session, who.workspace_id)]


@router.get("/strategies/{strategy_id}", response_model=StrategyOut, responses=responses(404))
def strategy(strategy_id: int = Depends(owned.strategy_id), who: Caller = Depends(caller),
             session: Session = Depends(db_session)) -> StrategyOut:
    row = Scope(session, who.workspace_id).get(StrategyProfileRow, strategy_id, "strategy profile")
    return strategy_out(row, strategy_usage(session, who.workspace_id).get(row.id, 0))


@router.post("/strategies", response_model=StrategyOut, status_code=201, responses=responses(403, 422))
def create(body: StrategyIn, who: Caller = Depends(admin), rt: Runtime = Depends(get_runtime)) -> StrategyOut:
    """Create a strategy profile (admins); its name is unique in the workspace."""
    with rt.db.transaction() as session:
        return strategy_out(create_strategy(session, who.workspace_id, body.model_dump()), 0)


@router.put("/strategies/{strategy_id}", response_model=StrategyOut, responses=responses(403, 404, 422))
def update(body: StrategyIn, strategy_id: int = Depends(owned.admin_strategy_id), who: Caller = Depends(admin),
           rt: Runtime = Depends(get_runtime)) -> StrategyOut:
    """Replace every field of a strategy profile (admins). Messages already written keep their text."""
    with rt.db.transaction() as session:
        row = update_strategy(session, who.workspace_id, strategy_id, body.model_dump())
        return strategy_out(row, strategy_usage(session, who.workspace_id).get(row.id, 0))
