from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from outboard.api.auth import Caller, caller, db_session
from outboard.api.errors import responses
from outboard.api.params import MAX_ID, ObjectId
from outboard.api.schemas import (
    CompanyOut,
    EnrollmentOut,
    EventOut,
    LeadDetailOut,
    LeadOut,
    LeadPageOut,
    ProvenanceOut,
)
from outboard.core.stages import LeadStage
from outboard.sources.lead_queries import MAX_PAGE, LeadFilter, lead_detail, list_leads

router = APIRouter(tags=["leads"])


@router.get("/leads", response_model=LeadPageOut, responses=responses(422))
def leads(stage: LeadStage | None = Query(None), source_group: int | None = Query(None, ge=1, le=MAX_ID),
          q: str = Query("", max_length=300, description="An email, a LinkedIn URL or id, a lead id, or a name prefix"),
          after: int | None = Query(None, ge=1, le=MAX_ID, description="`next_cursor` of the previous page"),
          before: int | None = Query(None, ge=1, le=MAX_ID, description="`prev_cursor` of the next page"),
          limit: int = Query(50, ge=1, le=MAX_PAGE),
          who: Caller = Depends(caller), session: Session = Depends(db_session)) -> LeadPageOut:
    """Leads, newest first, in keyset pages."""
    page = list_leads(session, who.workspace_id, LeadFilter(stage, source_group, q), after=after, before=before,
                      limit=limit)
    return LeadPageOut(items=[LeadOut(**row.__dict__) for row in page.rows], next_cursor=page.next_cursor,
                       prev_cursor=page.prev_cursor)


@router.get("/leads/{lead_id}", response_model=LeadDetailOut, responses=responses(404))
def lead(lead_id: ObjectId, who: Caller = Depends(caller), session: Session = Depends(db_session)) -> LeadDetailOut:
    """A lead with its company, where each fact came from, its enrollments and its timeline."""
    d = lead_detail(session, who.workspace_id, lead_id)
    lead, company = d.lead, d.company
    return LeadDetailOut(
        id=lead.id, full_name=lead.full_name, title=lead.title, company=company.name if company else None,
        email=lead.email, email_verdict=lead.email_verdict, stage=lead.stage, stop_reason=lead.stop_reason,
        created_at=lead.created_at, first_name=lead.first_name, last_name=lead.last_name, headline=lead.headline,
        seniority=lead.seniority, function=lead.function, linkedin_id=lead.linkedin_id, phone=lead.phone,
        city=lead.city, region=lead.region, country=lead.country, timezone=lead.timezone, profile=lead.profile or {},
        company_detail=CompanyOut(id=company.id, name=company.name, domain=company.domain, size=company.size,
                                  industry=company.industry) if company else None,
        source_groups=[g.name for g in d.groups],
        provenance=[ProvenanceOut(field=p.field, value=p.value, source=p.source, observed_at=p.observed_at,
                                  is_current=p.is_current, conflict=p.conflict) for p in d.provenance],
        enrollments=[EnrollmentOut(id=e.id, sequence_id=e.sequence_id, sequence=name, state=e.state,
                                   next_position=e.next_position, next_due_at=e.next_due_at, stop_reason=e.stop_reason)
                     for e, name in d.enrollments],
        events=[EventOut(id=e.id, kind=e.kind, subject=e.subject, data=e.data or {}, occurred_at=e.occurred_at)
                for e in d.events],
    )
