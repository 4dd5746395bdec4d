"""Reading leads, for the web table, the REST API and `outboard leads list/show`: fast at a million leads.

Every predicate the table uses has an index: `(workspace_id, stage, id)` for the stage filter and the
stage counts, the source group members' primary key for a group, the unique identity keys for an email
or a LinkedIn id. Pages are keyset pages on `id` (newest first), never OFFSET, and there is no COUNT(*)
over the table: the per-stage counts come from one grouped query that reads only the stage index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
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
from outboard.sources.normalize.linkedin import parse_linkedin

MAX_PAGE = 200
_LINKEDIN_HINT = re.compile(r"linkedin\.|^/?in/", re.IGNORECASE)


@dataclass(frozen=True)
class LeadFilter:
    stage: LeadStage | None = None
    source_group_id: int | None = None
    search: str = ""


@dataclass(frozen=True)
class LeadRow:
    id: int
    full_name: str
    title: str | None
    company: str | None
    email: str | None
    linkedin_id: str | None
    email_verdict: str | None
    stage: str
    stop_reason: str | None
    created_at: datetime


@dataclass(frozen=True)
class LeadPage:
    rows: list[LeadRow]
    next_cursor: int | None  # pass as `after` for the next (older) page
    prev_cursor: int | None  # pass as `before` for the previous (newer) page


def parse_stage(text: str | None) -> LeadStage | None:
    """A stage by value ("email_enriched") or label ("Email enriched"), case-insensitive."""
    if not text:
        return None
    wanted = text.strip().lower().replace(" ", "_").replace("-", "_")
    for stage in LeadStage:
        if wanted in (stage.value, stage.label.lower().replace(" ", "_")):
            return stage
    raise ValidationError("stage", f"unknown stage; stages are: {', '.join(s.value for s in LeadStage)}", value=text)


def search_kind(text: str) -> str:
    """How the search box reads its text: email, linkedin, id or name."""
    text = text.strip()
    if "@" in text:
        return "email"
    if _LINKEDIN_HINT.search(text):
        return "linkedin"
    digits = text.removeprefix("#")
    if digits.isascii() and digits.isdigit() and len(digits) <= 18:
        return "id"
    return "name"


def _search(query: Select[Any], text: str) -> Select[Any]:
    text = text.strip()
    kind = search_kind(text)
    if kind == "email":
        return query.where(Lead.email_key == text.lower())
    if kind == "linkedin":
        public_id, _ = parse_linkedin(text)
        return query.where(Lead.linkedin_key == (public_id or text))
    if kind == "id":
        return query.where(Lead.id == int(text.removeprefix("#")))
    # Name prefix, case-insensitive: a range on lower(full_name) that an index on (workspace_id,
    # lower(full_name)) serves, plus the LIKE that keeps it exact. Leads has no such index yet (docs/web.md),
    # so until then this is the one search that scans, stopping as soon as a page is full.
    prefix = text.lower()
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    name = func.lower(Lead.full_name)
    query = query.where(name.like(pattern, escape="\\"))
    # The range is only added when it is safe under any collation: the last character and its successor
    # are plain letters or digits (a space or "z" → "{" may sort elsewhere in a linguistic collation).
    if prefix[-1] in "abcdefghijklmnopqrstuvwxy012345678":
        query = query.where(name >= prefix, name < prefix[:-1] + chr(ord(prefix[-1]) + 1))
    return query


def list_leads(session: Session, workspace_id: int, filters: LeadFilter, *, after: int | None = None,
               before: int | None = None, limit: int = 50) -> LeadPage:
    limit = max(1, min(limit, MAX_PAGE))
    query = (select(Lead.id, Lead.full_name, Lead.title, Company.name, Lead.email, Lead.linkedin_id,
                    Lead.email_verdict, Lead.stage, Lead.stop_reason, Lead.created_at)
             .where(Lead.workspace_id == workspace_id)
             .outerjoin(Company, Company.id == Lead.company_id))
    if filters.stage is not None:
        query = query.where(Lead.stage == filters.stage.value)
    if filters.source_group_id is not None:
        query = query.join(SourceGroupMember, SourceGroupMember.lead_id == Lead.id).where(
            SourceGroupMember.source_group_id == filters.source_group_id)
    if filters.search.strip():
        query = _search(query, filters.search)
    backwards = before is not None and after is None
    if backwards:
        query = query.where(Lead.id > before).order_by(Lead.id.asc())
    else:
        if after is not None:
            query = query.where(Lead.id < after)
        query = query.order_by(Lead.id.desc())
    # A source group of another workspace matches no lead of ours: the workspace filter is on leads.
    rows = [LeadRow(*row) for row in session.execute(query.limit(limit + 1))]
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
        return LeadPage(rows, rows[-1].id if rows else None, rows[0].id if rows and more else None)
    return LeadPage(rows, rows[-1].id if rows and more else None, rows[0].id if rows and after is not None else None)


def stage_counts(session: Session, workspace_id: int) -> dict[LeadStage, int]:
    """Leads per stage: one grouped query over the (workspace_id, stage, id) index."""
    rows = session.execute(select(Lead.stage, func.count()).where(Lead.workspace_id == workspace_id)
                           .group_by(Lead.stage))
    counts = dict.fromkeys(LeadStage, 0)
    for stage, count in rows:
        counts[LeadStage(stage)] = count
    return counts


def source_groups(session: Session, workspace_id: int) -> list[SourceGroup]:
    return list(session.scalars(Scope(session, workspace_id).select(SourceGroup).order_by(SourceGroup.name)))


@dataclass
class LeadDetail:
    lead: Lead
    company: Company | None
    provenance: list[FieldProvenance] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    groups: list[SourceGroup] = field(default_factory=list)
    enrollments: list[tuple[Enrollment, str]] = field(default_factory=list)  # with the sequence name
    messages: list[tuple[Message, int]] = field(default_factory=list)  # with the step position


def lead_detail(session: Session, workspace_id: int, lead_id: int, *, events: int = 100) -> LeadDetail:
    """Everything the detail panel shows; NotFound for a lead of another workspace."""
    scope = Scope(session, workspace_id)
    lead = scope.get(Lead, lead_id, "lead")
    company = scope.get(Company, lead.company_id) if lead.company_id else None
    detail = LeadDetail(lead, company)
    # Children without a workspace column are reached through the lead, which is ours.
    detail.provenance = list(session.scalars(
        select(FieldProvenance).where(FieldProvenance.lead_id == lead.id)
        .order_by(FieldProvenance.field, FieldProvenance.observed_at.desc())))
    detail.events = list(session.scalars(
        scope.select(Event).where(Event.lead_id == lead.id).order_by(Event.occurred_at.desc(), Event.id.desc())
        .limit(events)))
    detail.groups = list(session.scalars(
        scope.select(SourceGroup).join(SourceGroupMember, SourceGroupMember.source_group_id == SourceGroup.id)
        .where(SourceGroupMember.lead_id == lead.id).order_by(SourceGroup.name)))
    detail.enrollments = [(e, name) for e, name in session.execute(
        scope.select(Enrollment, Sequence.name).join(Sequence, Sequence.id == Enrollment.sequence_id)
        .where(Enrollment.lead_id == lead.id).order_by(Enrollment.id.desc()))]
    enrollment_ids = [e.id for e, _ in detail.enrollments]
    if enrollment_ids:
        detail.messages = [(m, position) for m, position in session.execute(
            scope.select(Message, Step.position).join(Step, Step.id == Message.step_id)
            .where(Message.enrollment_id.in_(enrollment_ids)).order_by(Message.enrollment_id.desc(), Step.position))]
    return detail


def detail_record(detail: LeadDetail) -> dict[str, Any]:
    """The lead detail as plain data (what `outboard leads show --json` prints)."""
    lead, company = detail.lead, detail.company
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
        "source_groups": [{"id": g.id, "name": g.name, "kind": g.kind} for g in detail.groups],
        "provenance": [{"field": p.field, "value": p.value, "source": p.source, "observed_at": p.observed_at,
                        "is_current": p.is_current, "conflict": p.conflict} for p in detail.provenance],
        "events": [{"id": e.id, "kind": e.kind, "subject": e.subject, "data": e.data or {},
                    "occurred_at": e.occurred_at} for e in detail.events],
        "enrollments": [{"id": e.id, "sequence_id": e.sequence_id, "sequence": name, "state": e.state,
                         "next_position": e.next_position, "next_due_at": e.next_due_at,
                         "stop_reason": e.stop_reason, "replied_at": e.replied_at} for e, name in detail.enrollments],
        "messages": [{"id": m.id, "enrollment_id": m.enrollment_id, "step": position, "channel": m.channel,
                      "subject": m.subject, "body": m.body, "review_state": m.review_state,
                      "send_state": m.send_state, "sent_at": m.sent_at} for m, position in detail.messages],
    }
