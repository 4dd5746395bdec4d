"""Outreach numbers per workspace, run, sequence, step or sender account: sent, bounced, replied,
positive replies, opt-outs, invites sent and accepted, as totals and as daily series for charts.

Every figure is counted from the rows that prove it (messages, enrollments, inbound mail, events), so
the report matches what the database holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from outboard.db.models import Enrollment, Event, InboundMessage, Message, Sequence, Step

POSITIVE_LABELS = ("interested", "meeting_request")


@dataclass(frozen=True)
class Scope:
    """What to count: the whole workspace, or one run, sequence, step or sender account."""

    workspace_id: int
    run_id: int | None = None
    sequence_id: int | None = None
    step_position: int | None = None
    account_id: int | None = None


@dataclass
class OutreachStats:
    emails_sent: int = 0
    invites_sent: int = 0
    linkedin_messages_sent: int = 0
    bounced: int = 0
    replied: int = 0
    positive_replies: int = 0
    opted_out: int = 0
    invites_accepted: int = 0
    failed: int = 0
    enrollments: dict[str, int] = field(default_factory=dict)
    daily: dict[str, dict[str, int]] = field(default_factory=dict)  # ISO day → {sent, replied, bounced}

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


def _scoped_messages(scope: Scope, *columns: Any) -> Select[Any]:
    query = select(*columns).select_from(Message).join(Enrollment, Enrollment.id == Message.enrollment_id).where(
        Message.workspace_id == scope.workspace_id)
    if scope.sequence_id is not None:
        query = query.where(Enrollment.sequence_id == scope.sequence_id)
    if scope.run_id is not None:
        query = query.join(Sequence, Sequence.id == Enrollment.sequence_id).where(Sequence.run_id == scope.run_id)
    if scope.step_position is not None:
        query = query.join(Step, Step.id == Message.step_id).where(Step.position == scope.step_position)
    if scope.account_id is not None:
        query = query.where(Message.sender_account_id == scope.account_id)
    return query


def _scoped_enrollments(scope: Scope, *columns: Any) -> Select[Any]:
    query = select(*columns).select_from(Enrollment).where(Enrollment.workspace_id == scope.workspace_id)
    if scope.sequence_id is not None:
        query = query.where(Enrollment.sequence_id == scope.sequence_id)
    if scope.run_id is not None:
        query = query.join(Sequence, Sequence.id == Enrollment.sequence_id).where(Sequence.run_id == scope.run_id)
    if scope.account_id is not None:
        query = query.where((Enrollment.email_account_id == scope.account_id)
                            | (Enrollment.linkedin_account_id == scope.account_id))
    return query


def outreach_stats(session: Session, scope: Scope) -> OutreachStats:
    stats = OutreachStats()
    # Went out = has a sent time: a message later bounced is `failed` now, but it did leave.
    sent = dict(session.execute(_scoped_messages(scope, Message.channel, func.count()).where(
        Message.sent_at.is_not(None)).group_by(Message.channel)).all())
    stats.emails_sent = sent.get("email", 0)
    stats.invites_sent = sent.get("linkedin_invite", 0)
    stats.linkedin_messages_sent = sent.get("linkedin_message", 0)
    stats.failed = session.scalar(_scoped_messages(scope, func.count()).where(Message.send_state == "failed")) or 0
    enrollments = _scoped_enrollments(scope, Enrollment.id, Enrollment.lead_id, Enrollment.state,
                                      Enrollment.stop_reason, Enrollment.replied_at,
                                      Enrollment.invite_accepted_at).subquery()
    stats.enrollments = dict(session.execute(select(enrollments.c.state, func.count()).group_by(
        enrollments.c.state)).all())
    stats.replied = session.scalar(select(func.count()).where(enrollments.c.replied_at.is_not(None))) or 0
    stats.opted_out = session.scalar(select(func.count()).where(enrollments.c.stop_reason == "opted_out")) or 0
    stats.invites_accepted = session.scalar(select(func.count()).where(
        enrollments.c.invite_accepted_at.is_not(None))) or 0
    lead_ids = select(enrollments.c.lead_id)
    stats.bounced = session.scalar(select(func.count(func.distinct(Event.lead_id))).where(
        Event.workspace_id == scope.workspace_id, Event.kind == "email_bounced", Event.lead_id.in_(lead_ids))) or 0
    stats.positive_replies = session.scalar(select(func.count(func.distinct(InboundMessage.lead_id))).where(
        InboundMessage.workspace_id == scope.workspace_id, InboundMessage.kind == "reply",
        InboundMessage.label.in_(POSITIVE_LABELS), InboundMessage.lead_id.in_(lead_ids))) or 0
    stats.daily = _daily(session, scope, lead_ids)
    return stats


def _daily(session: Session, scope: Scope, lead_ids: Any) -> dict[str, dict[str, int]]:
    series: dict[str, dict[str, int]] = {}

    def bump(day: date | str | None, key: str, n: int) -> None:
        if day is None:
            return
        label = str(day)[:10]
        series.setdefault(label, {"sent": 0, "replied": 0, "bounced": 0})[key] += n

    day_of_send = func.date(Message.sent_at)
    for day, n in session.execute(_scoped_messages(scope, day_of_send, func.count()).where(
            Message.sent_at.is_not(None)).group_by(day_of_send)).all():
        bump(day, "sent", n)
    day_of_event = func.date(Event.occurred_at)
    for kind, key in (("replied", "replied"), ("email_bounced", "bounced")):
        for day, n in session.execute(select(day_of_event, func.count()).where(
                Event.workspace_id == scope.workspace_id, Event.kind == kind, Event.lead_id.in_(lead_ids))
                .group_by(day_of_event)).all():
            bump(day, key, n)
    return dict(sorted(series.items()))
