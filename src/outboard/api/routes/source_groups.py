from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from outboard.api.auth import Caller, caller, db_session
from outboard.api.errors import responses
from outboard.api.schemas_send import SourceGroupOut
from outboard.send.queries import source_group_stats

router = APIRouter(tags=["source groups"])


@router.get("/source-groups", response_model=list[SourceGroupOut], responses=responses())
def source_groups(who: Caller = Depends(caller), session: Session = Depends(db_session)) -> list[SourceGroupOut]:
    """The workspace's source groups with their lead counts; `eligible` ones can feed a sequence."""
    return [SourceGroupOut(**g.__dict__, eligible=g.eligible) for g in source_group_stats(session, who.workspace_id)]
