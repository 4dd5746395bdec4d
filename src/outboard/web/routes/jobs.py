"""A job's progress bar: an htmx partial that polls every second until the job ends."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from outboard.api.services.jobs import job_progress
from outboard.web.deps import Viewer, csrf_protect, db_session, viewer
from outboard.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)])


@router.get("/jobs/{job_id}")
def job(request: Request, job_id: int, who: Viewer = Depends(viewer),
        session: Session = Depends(db_session)) -> Response:
    progress = job_progress(session, who.workspace_id, job_id)
    return render(request, "jobs/page.html", {"job": progress}, block="job")
