from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from outboard.api.auth import Caller, caller, db_session
from outboard.api.errors import responses
from outboard.api.params import ObjectId
from outboard.api.schemas import JobOut
from outboard.api.services.jobs import job_progress

router = APIRouter(tags=["jobs"])


@router.get("/jobs/{job_id}", response_model=JobOut, responses=responses(404))
def job(job_id: ObjectId, who: Caller = Depends(caller), session: Session = Depends(db_session)) -> JobOut:
    """A background job's progress: poll until `final` is true."""
    p = job_progress(session, who.workspace_id, job_id)
    return JobOut(**p.__dict__, percent=p.percent, final=p.final)
