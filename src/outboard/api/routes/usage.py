from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from outboard.api.auth import Caller, admin, caller, db_session, get_runtime
from outboard.api.errors import responses
from outboard.api.schemas import BudgetIn, UsageLineOut, UsageOut
from outboard.runtime import Runtime
from outboard.team.usage import balance, set_budget, usage_by_kind

router = APIRouter(tags=["usage"])


def usage_out(session: Session, workspace_id: int) -> UsageOut:
    b = balance(session, workspace_id)
    lines = [UsageLineOut(**line.__dict__) for line in usage_by_kind(session, workspace_id)]
    return UsageOut(used=b.used, budget=b.budget, remaining=b.remaining, spent=b.spent, by_kind=lines)


@router.get("/usage", response_model=UsageOut, responses=responses())
def usage(who: Caller = Depends(caller), session: Session = Depends(db_session)) -> UsageOut:
    """Credits used by kind, the budget and what is left."""
    return usage_out(session, who.workspace_id)


@router.put("/usage/budget", response_model=UsageOut, responses=responses(403, 422))
def put_budget(body: BudgetIn, who: Caller = Depends(admin), rt: Runtime = Depends(get_runtime)) -> UsageOut:
    """Set the credit budget (admins only); null removes it."""
    with rt.db.transaction() as session:
        set_budget(session, who.workspace_id, body.budget)
        session.flush()
        return usage_out(session, who.workspace_id)
