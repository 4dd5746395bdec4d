"""Folding one stored lead into another when a new record shows they are the same person.

Only done for a lead that is still just data (Discovered, no stop reason, no enrollment, no inbound mail:
store._unsafe_to_fold checks), so no outreach history is ever rewritten. What the dropped lead had moves
to the kept one: provenance (its facts that disagree with the kept lead stop being current), source group
memberships and timeline events; then it is deleted, which frees its identity keys for the kept lead.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from outboard.db.models import Event, FieldProvenance, Lead, SourceGroupMember
from outboard.db.timeline import record


def absorb(session: Session, *, keep: int, drop: int, conflicting: Sequence[str], now: datetime) -> None:
    if conflicting:
        session.execute(update(FieldProvenance).where(
            FieldProvenance.lead_id == drop, FieldProvenance.field.in_(list(conflicting)),
            FieldProvenance.is_current).values(is_current=False, conflict=True))
    session.execute(update(FieldProvenance).where(FieldProvenance.lead_id == drop).values(lead_id=keep))
    groups = set(session.scalars(select(SourceGroupMember.source_group_id).where(SourceGroupMember.lead_id == drop)))
    groups -= set(session.scalars(select(SourceGroupMember.source_group_id).where(SourceGroupMember.lead_id == keep)))
    for group_id in sorted(groups):
        session.add(SourceGroupMember(source_group_id=group_id, lead_id=keep, reason={}, added_at=now))
    session.execute(update(Event).where(Event.lead_id == drop).values(lead_id=keep))
    workspace_id = session.scalar(select(Lead.workspace_id).where(Lead.id == keep))
    session.execute(delete(SourceGroupMember).where(SourceGroupMember.lead_id == drop))
    session.execute(delete(Lead).where(Lead.id == drop))
    session.flush()
    record(session, workspace_id, "leads_merged", lead_id=keep, merged_lead=drop)  # type: ignore[arg-type]
    session.flush()
