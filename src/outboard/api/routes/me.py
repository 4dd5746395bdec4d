from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from outboard.api.auth import Caller, caller, db_session
from outboard.api.errors import responses
from outboard.api.schemas import MeOut, UserOut, WorkspaceOut
from outboard.db.models import Workspace

router = APIRouter(tags=["account"])


@router.get("/me", response_model=MeOut, responses=responses())
def me(who: Caller = Depends(caller), session: Session = Depends(db_session)) -> MeOut:
    """The user the token belongs to, and their workspace."""
    workspace = session.get(Workspace, who.workspace_id)
    assert workspace is not None  # the token's user belongs to it (foreign key)
    return MeOut(user=UserOut(id=who.user_id, email=who.email, name=who.name, role=who.role),  # type: ignore[arg-type]
                 workspace=WorkspaceOut(id=workspace.id, name=workspace.name, slug=workspace.slug))
