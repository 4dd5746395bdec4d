"""Reading leads: the list (filters, keyset pages) and everything about one lead.

Pages are keyset pages on id, newest first (`after` = the last id of the previous page), never OFFSET:
the (workspace_id, stage, id) index serves the stage filter, the members' primary key a source group,
the unique identity keys an email or LinkedIn search.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from outboard.core.errors import ValidationError
from outboard.core.stages import LeadStage
from outboard.db.models import (
    Company,
    Enrollment,
    Event,
    FieldProvenance,
    Lead,
    Message,
    Sequence,
    SourceGroup,
    SourceGroupMember,
    Step,
)
from outboard.db.scope import Scope
from outboard.sources.groups import find_group
from outboard.sources.normalize.linkedin import parse_linkedin

MAX_PAGE = 500
_LINKEDIN_HINT = re.compile(r"linkedin\.|^/?in/", re.IGNORECASE)


@dataclass(frozen=True)
class LeadPage:
    rows: list[dict[str, Any]]
    next_after: int | None  # pass as `after` for the next page; None on the last page


def parse_stage(text: str | None) -> LeadStage | None:
    """A stage by value ("email_enriched") or label ("Email enriched"), case-insensitive."""
    if not text:
        return None
    wanted = text.strip().lower().replace(" ", "_").replace("-", "_")
    for stage in LeadStage:
        if wanted in (stage.value, stage.label.lower().replace(" ", "_")):
            return stage
    raise ValidationError("stage", f"unknown stage; stages are: {', '.join(s.value for s in LeadStage)}", value=text)


def _search(query: Select[Any], text: str) -> Select[Any]:
    """An email, a LinkedIn URL or id, a lead id ("#12"), or the start of a name."""
    text = text.strip()
    if "@" in text:
        return query.where(Lead.email_key == text.lower())
    if _LINKEDIN_HINT.search(text):
        public_id, _ = parse_linkedin(text)
        return query.where(Lead.linkedin_key == (public_id or text))
    digits = text.removeprefix("#")
    if digits.isascii() and digits.isdigit() and len(digits) <= 18:
        return query.where(Lead.id == int(digits))
    pattern = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return query.where(func.lower(Lead.full_name).like(pattern, escape="\\"))


def list_leads(session: Session, workspace_id: int, *, stage: str | LeadStage | None = None,
               group: str | None = None, search: str = "", limit: int = 50, after: int | None = None) -> LeadPage:
    limit = max(1, min(limit, MAX_PAGE))
    query = (select(Lead.id, Lead.full_name, Lead.title, Company.name.label("company"), Lead.email,
                    Lead.linkedin_id, Lead.email_verdict, Lead.stage, Lead.stop_reason, Lead.created_at)
             .outerjoin(Company, Company.id == Lead.company_id).where(Lead.workspace_id == workspace_id))
    wanted = stage if isinstance(stage, LeadStage) else parse_stage(stage)
    if wanted is not None:
        query = query.where(Lead.stage == wanted.value)
    if group:
        group_id = find_group(session, workspace_id, group).id
        query = query.join(SourceGroupMember, SourceGroupMember.lead_id == Lead.id).where(
            SourceGroupMember.source_group_id == group_id)
    if search.strip():
        query = _search(query, search)
    if after is not None:
        query = query.where(Lead.id < after)
    rows = [dict(row) for row in session.execute(query.order_by(Lead.id.desc()).limit(limit + 1)).mappings()]
    more = len(rows) > limit
    rows = rows[:limit]
    return LeadPage(rows, rows[-1]["id"] if more and rows else None)


def _provenance(row: FieldProvenance) -> dict[str, Any]:
    return {"field": row.field, "value": row.value, "source": row.source, "observed_at": row.observed_at,
            "is_current": row.is_current, "conflict": row.conflict}


def lead_detail(session: Session, workspace_id: int, lead_id: int, *, events: int = 200) -> dict[str, Any]:
    """Everything `leads show` prints: the lead, its company, where each fact came from, its groups,
    timeline, enrollments and messages. NotFound for a lead of another workspace."""
    scope = Scope(session, workspace_id)
    lead = scope.get(Lead, lead_id, "lead")
    company = scope.get(Company, lead.company_id, "company") if lead.company_id else None
    provenance = session.scalars(select(FieldProvenance).where(FieldProvenance.lead_id == lead.id)
                                 .order_by(FieldProvenance.field, FieldProvenance.observed_at, FieldProvenance.id))
    groups = session.execute(
        scope.select(SourceGroup).join(SourceGroupMember, SourceGroupMember.source_group_id == SourceGroup.id)
        .where(SourceGroupMember.lead_id == lead.id).add_columns(SourceGroupMember.added_at)
        .order_by(SourceGroup.name))
    timeline = session.scalars(scope.select(Event).where(Event.lead_id == lead.id)
                               .order_by(Event.occurred_at.desc(), Event.id.desc()).limit(events))
    enrollments = session.execute(scope.select(Enrollment).join(Sequence, Sequence.id == Enrollment.sequence_id)
                                  .add_columns(Sequence.name).where(Enrollment.lead_id == lead.id)
                                  .order_by(Enrollment.id))
    enrollment_rows = [{"id": e.id, "sequence_id": e.sequence_id, "sequence": name, "state": e.state,
                        "next_position": e.next_position, "next_due_at": e.next_due_at, "stop_reason": e.stop_reason,
                        "replied_at": e.replied_at} for e, name in enrollments]
    messages = []
    if enrollment_rows:
        for message, position in session.execute(
                scope.select(Message).join(Step, Step.id == Message.step_id).add_columns(Step.position)
                .where(Message.enrollment_id.in_([e["id"] for e in enrollment_rows]))
                .order_by(Message.enrollment_id, Step.position)):
            messages.append({"id": message.id, "enrollment_id": message.enrollment_id, "step": position,
                             "channel": message.channel, "subject": message.subject, "body": message.body,
                             "review_state": message.review_state, "send_state": message.send_state,
                             "sent_at": message.sent_at})
    return {
        "id": lead.id, "full_name": lead.full_name, "first_name": lead.first_name, "last_name": lead.last_name,
        "title": lead.title, "headline": lead.headline, "email": lead.email, "email_verdict": lead.email_verdict,
        "linkedin_id": lead.linkedin_id, "phone": lead.phone, "city": lead.city, "region": lead.region,
        "country": lead.country, "timezone": lead.timezone, "stage": lead.stage, "stop_reason": lead.stop_reason,
        "linkedin_connected_at": lead.linkedin_connected_at, "created_at": lead.created_at,
        "updated_at": lead.updated_at, "profile": lead.profile or {},
        "company": None if company is None else {"id": company.id, "name": company.name, "domain": company.domain,
                                                 "industry": company.industry, "size": company.size,
                                                 "facts": company.facts or {}},
        "source_groups": [{"id": g.id, "name": g.name, "kind": g.kind, "added_at": added} for g, added in groups],
        "provenance": [_provenance(p) for p in provenance],
        "events": [{"id": e.id, "kind": e.kind, "subject": e.subject, "data": e.data or {},
                    "occurred_at": e.occurred_at} for e in timeline],
        "enrollments": enrollment_rows,
        "messages": messages,
    }
