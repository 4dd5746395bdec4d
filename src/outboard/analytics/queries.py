"""Daily series beside outreach_stats' own (sent, replied, bounced), for the analytics charts: LinkedIn
invites sent and accepted, positive replies and opt-outs per day, in the same scope and from the same
rows outreach_stats counts."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outboard.analytics.outreach import POSITIVE_LABELS, Scope, _scoped_enrollments, _scoped_messages
from outboard.db.models import Enrollment, Event, InboundMessage, Message

SERIES = ("invites_sent", "invites_accepted", "positive_replies", "opted_out")


def _day(value: date | str | None) -> str | None:
    return None if value is None else str(value)[:10]


def more_daily(session: Session, scope: Scope) -> dict[str, dict[str, int]]:
    """ISO day → {invites_sent, invites_accepted, positive_replies, opted_out}."""
    series: dict[str, dict[str, int]] = {}

    def bump(day: date | str | None, key: str, n: int) -> None:
        label = _day(day)
        if label is not None:
            series.setdefault(label, dict.fromkeys(SERIES, 0))[key] += n

    sent_day = func.date(Message.sent_at)
    for day, n in session.execute(_scoped_messages(scope, sent_day, func.count()).where(  # went out, as the total
            Message.sent_at.is_not(None), Message.channel == "linkedin_invite").group_by(sent_day)):
        bump(day, "invites_sent", n)
    enrollments = _scoped_enrollments(scope, Enrollment.lead_id, Enrollment.invite_accepted_at).subquery()
    accepted_day = func.date(enrollments.c.invite_accepted_at)
    for day, n in session.execute(select(accepted_day, func.count()).where(
            enrollments.c.invite_accepted_at.is_not(None)).group_by(accepted_day)):
        bump(day, "invites_accepted", n)
    lead_ids = select(enrollments.c.lead_id)
    # A lead's positive reply counts once, on the day of its first positive reply (as the total does).
    first = (select(InboundMessage.lead_id, func.min(InboundMessage.received_at).label("at"))
             .where(InboundMessage.workspace_id == scope.workspace_id, InboundMessage.kind == "reply",
                    InboundMessage.label.in_(POSITIVE_LABELS), InboundMessage.lead_id.in_(lead_ids))
             .group_by(InboundMessage.lead_id).subquery())
    for day, n in session.execute(select(func.date(first.c.at), func.count()).group_by(func.date(first.c.at))):
        bump(day, "positive_replies", n)
    # Stop events carry their reason in JSON; they are few, so they are read and filtered here.
    stops = Counter(_day(at) for at, data in session.execute(select(Event.occurred_at, Event.data).where(
        Event.workspace_id == scope.workspace_id, Event.kind == "lead_stopped", Event.lead_id.in_(lead_ids)))
        if (data or {}).get("reason") == "opted_out")
    for day, n in stops.items():
        bump(day, "opted_out", n)
    return dict(sorted(series.items()))
