"""Enrichment over the API: start a profile or email job for a source group, and read where its leads stand."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from outboard.api.auth import Caller, caller, db_session, get_runtime
from outboard.api.errors import responses
from outboard.api.params import MAX_ID
from outboard.api.schemas_write import JobStartedOut
from outboard.db.models import SourceGroup
from outboard.db.scope import Scope
from outboard.enrich.status import enrichment_status
from outboard.enrich.tasks import start_email_enrichment, start_profile_enrichment
from outboard.runtime import Runtime

router = APIRouter(tags=["enrichment"])


class EnrichIn(BaseModel):
    group_id: int = Field(ge=1, le=MAX_ID, description="The source group whose leads to enrich")
    kind: Literal["profiles", "emails"] = Field(description="profiles: the provider waterfall; emails: the "
                                                            "finder and the SMTP verifier")
    force: bool = Field(False, description="Ask again even for leads whose result is current (costs credits)")
    play_id: str | None = Field(None, max_length=100, description="Profiles: fill the fields this play needs")


class EnrichmentStatusOut(BaseModel):
    group: str | None
    leads: int
    stages: dict[str, int]
    verdicts: dict[str, int] = Field(description="Email verdicts; `none` when no address was checked")
    profile_outcomes: dict[str, int]
    email_outcomes: dict[str, int]
    linkedin_only: int = Field(description="Leads reachable on LinkedIn only")
    stopped: int


@router.post("/enrichment", response_model=JobStartedOut, status_code=202, responses=responses(400, 404, 422))
def enrich(body: EnrichIn, who: Caller = Depends(caller), rt: Runtime = Depends(get_runtime)) -> JobStartedOut:
    """Enrich a source group's leads in a background job; follow it at `poll`."""
    with rt.db.sessions() as session:
        Scope(session, who.workspace_id).get(SourceGroup, body.group_id, "source group")
    options: dict[str, Any] = {"group": body.group_id, "force": body.force}
    if body.kind == "profiles":
        job_id = start_profile_enrichment(rt, who.workspace_id, play_id=body.play_id, **options)
    else:
        job_id = start_email_enrichment(rt, who.workspace_id, **options)
    return JobStartedOut(job_id=job_id, poll=f"/api/jobs/{job_id}")


@router.get("/enrichment", response_model=EnrichmentStatusOut, responses=responses(404, 422))
def status(group_id: int = Query(ge=1, le=MAX_ID), who: Caller = Depends(caller),
           session: Session = Depends(db_session)) -> EnrichmentStatusOut:
    """Where a source group's leads stand: stages, email verdicts, the last outcome of each enrichment."""
    Scope(session, who.workspace_id).get(SourceGroup, group_id, "source group")
    return EnrichmentStatusOut(**enrichment_status(session, who.workspace_id, group=group_id))
