"""The Messaging Lab's reads: how many messages are in each review state, and the sequence's leads with
their messages in keyset pages (a lead per row, its steps side by side). Scoped to one workspace."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outboard.core.sequence import ReviewState
from outboard.db.models import Enrollment, Lead, Message, Sequence, Step
from outboard.db.scope import Scope
from outboard.write.message_rows import blocking

MAX_PAGE = 100


@dataclass(frozen=True)
class ReviewCounts:
    by_state: dict[str, int]
    expected: int  # enrolled leads × steps: what a fully generated sequence holds

    @property
    def written(self) -> int:
        return sum(self.by_state.values())

    @property
    def missing(self) -> int:
        return max(0, self.expected - self.written)


def review_counts(session: Session, workspace_id: int, sequence_id: int) -> ReviewCounts:
    sequence = Scope(session, workspace_id).get(Sequence, sequence_id, "sequence")
    steps = list(session.scalars(select(Step.id).where(Step.sequence_id == sequence.id)))
    by_state = dict.fromkeys((s.value for s in ReviewState), 0)
    if steps:
        for state, count in session.execute(select(Message.review_state, func.count())
                                            .where(Message.step_id.in_(steps)).group_by(Message.review_state)):
            by_state[state] = count
    enrolled = session.scalar(select(func.count()).where(Enrollment.sequence_id == sequence.id)) or 0
    return ReviewCounts(by_state, enrolled * len(steps))


@dataclass(frozen=True)
class LabMessage:
    id: int
    position: int
    channel: str
    subject: str | None
    body: str
    review_state: str
    send_state: str
    findings: list[dict[str, Any]]

    @property
    def blocking(self) -> bool:
        return bool(blocking(self.findings))


@dataclass
class LabLead:
    enrollment_id: int
    lead_id: int
    full_name: str
    title: str | None
    messages: list[LabMessage] = field(default_factory=list)


@dataclass(frozen=True)
class LabPage:
    leads: list[LabLead]
    next_cursor: int | None  # pass as `after` for the next page


def lab_page(session: Session, workspace_id: int, sequence_id: int, *, review_state: str | None = None,
             after: int | None = None, limit: int = 20) -> LabPage:
    """Enrolled leads in enrollment order with every message of theirs; with `review_state`, only the leads
    that have a message in that state."""
    sequence = Scope(session, workspace_id).get(Sequence, sequence_id, "sequence")
    limit = max(1, min(limit, MAX_PAGE))
    query = (select(Enrollment.id, Lead.id, Lead.full_name, Lead.title).join(Lead, Lead.id == Enrollment.lead_id)
             .where(Enrollment.sequence_id == sequence.id, Enrollment.workspace_id == workspace_id))
    if review_state is not None:
        query = query.where(select(Message.id).where(Message.enrollment_id == Enrollment.id,
                                                     Message.review_state == review_state).exists())
    if after is not None:
        query = query.where(Enrollment.id > after)
    leads = [LabLead(*row) for row in session.execute(query.order_by(Enrollment.id).limit(limit + 1))]
    more = len(leads) > limit
    leads = leads[:limit]
    by_enrollment = {lead.enrollment_id: lead for lead in leads}
    if leads:
        rows = session.execute(
            select(Message.enrollment_id, Message.id, Step.position, Message.channel, Message.subject, Message.body,
                   Message.review_state, Message.send_state, Message.findings)
            .join(Step, Step.id == Message.step_id)
            .where(Message.workspace_id == workspace_id, Message.enrollment_id.in_(list(by_enrollment)))
            .order_by(Message.enrollment_id, Step.position))
        for enrollment_id, *values in rows:
            by_enrollment[enrollment_id].messages.append(LabMessage(*values[:-1], list(values[-1] or [])))
    return LabPage(leads, leads[-1].enrollment_id if more and leads else None)


def messages_of_sequence(session: Session, workspace_id: int, sequence_id: int, message_ids: list[int]) -> set[int]:
    """Which of these ids are messages of this sequence (in this workspace)."""
    if not message_ids:
        return set()
    return set(session.scalars(select(Message.id).join(Enrollment, Enrollment.id == Message.enrollment_id).where(
        Message.workspace_id == workspace_id, Enrollment.sequence_id == sequence_id, Message.id.in_(message_ids))))
