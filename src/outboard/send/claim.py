"""Claiming a due step: one transaction that re-checks every rule and records `sending` before the
network call (rules 1 to 5). What it hands back is a Ticket; the send happens outside the transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from outboard.core.lifecycle import Lifecycle
from outboard.core.sequence import Channel, Condition, EnrollmentState, ReviewState, SendState
from outboard.core.stages import StopReason
from outboard.db.models import Enrollment, Lead, LinkedinTask, Message, Run, SenderAccount, Sequence, Step
from outboard.db.suppressions import identity_of, matching_reason
from outboard.db.timeline import record, stop_lead
from outboard.send.accounts import email_caps, linkedin_caps
from outboard.send.advance import account_for, reach_of, schedule_position, skip_message, stop_enrollment
from outboard.send.caps import EmailUsage, LinkedInUsage, check_email, check_linkedin, day_bounds
from outboard.send.rules import step_decision
from outboard.send.schedule import next_send_time
from outboard.send.timing import lead_timezone, schedule_of

LEASE = timedelta(minutes=10)  # a worker that dies with leased steps gives them back after this
_COUNTED = (SendState.SENDING.value, SendState.SENT.value, SendState.RECONCILE.value)


@dataclass(frozen=True)
class Ticket:
    """A claimed step, recorded as `sending`: the worker now performs exactly this send."""

    workspace_id: int
    enrollment_id: int
    message_id: int
    account_id: int
    channel: Channel
    provider: str  # smtp | manual | api
    smtp_message_id: str | None = None
    payload: dict[str, Any] | None = None


def lease_due(session: Session, now: datetime, limit: int) -> list[tuple[int, datetime]]:
    """Take up to `limit` due enrollments for this worker by moving their due time to the lease's end.

    One statement on the partial due-time index: it costs the same with 100 or 1,000,000 enrollments.
    On PostgreSQL, SKIP LOCKED lets many workers lease disjoint batches without waiting on each other.
    """
    lease_until = now + LEASE
    due = (select(Enrollment.id).where(Enrollment.state == EnrollmentState.ACTIVE.value,
                                       Enrollment.next_due_at <= now)
           .order_by(Enrollment.next_due_at).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    rows = session.execute(update(Enrollment).where(Enrollment.id.in_(due.scalar_subquery()))
                           .values(next_due_at=lease_until).returning(Enrollment.id, Enrollment.next_position)).all()
    # Follow-ups before new leads: a lead already in conversation should not wait behind cold starts.
    return [(row.id, lease_until) for row in sorted(rows, key=lambda r: (r.next_position == 1, r.id))]


def claim(session: Session, enrollment_id: int, lease_until: datetime, now: datetime,
          build_payload: Any) -> Ticket | None:
    """Re-check and claim one leased enrollment. None when nothing is to be sent now (skipped, deferred,
    stopped, or taken by someone else)."""
    # The guarded write takes the row lock first (and SQLite's write lock), so a reply recorded by the
    # inbox either committed before (state is no longer active: 0 rows) or waits until we are done.
    taken = session.execute(update(Enrollment).where(
        Enrollment.id == enrollment_id, Enrollment.state == EnrollmentState.ACTIVE.value,
        Enrollment.next_due_at == lease_until).values(updated_at=now)).rowcount
    if not taken:
        return None
    enrollment = session.get(Enrollment, enrollment_id)
    assert enrollment is not None
    sequence = session.get(Sequence, enrollment.sequence_id)
    run = session.get(Run, sequence.run_id) if sequence else None
    lead = session.get(Lead, enrollment.lead_id)
    assert sequence is not None and run is not None and lead is not None
    if Lifecycle.ACTIVE.value not in (sequence.state,) or run.state != Lifecycle.ACTIVE.value:
        enrollment.next_due_at = now + timedelta(hours=1)
        return None
    step = session.scalar(select(Step).where(Step.sequence_id == sequence.id,
                                             Step.position == enrollment.next_position))
    if step is None:
        schedule_position(session, enrollment, enrollment.next_position + 1, now)
        return None
    message = session.scalar(select(Message).where(Message.enrollment_id == enrollment.id,
                                                   Message.step_id == step.id))
    if message is not None and message.send_state in (SendState.SENDING.value, SendState.RECONCILE.value):
        # A crash between `sending` and the result: never send again; a person or the mailbox decides.
        message.send_state = SendState.RECONCILE.value
        enrollment.state, enrollment.next_due_at = EnrollmentState.WAITING.value, None
        enrollment.waiting_reason = "reconcile"
        record(session, enrollment.workspace_id, "send_needs_reconciliation", lead_id=lead.id,
               subject=f"message:{message.id}")
        return None
    if message is not None and message.send_state in (SendState.SENT.value, SendState.SKIPPED.value,
                                                       SendState.FAILED.value):
        schedule_position(session, enrollment, step.position + 1, message.sent_at or now)
        return None
    if _suppressed(session, enrollment, lead):
        return None
    channel = Channel(step.channel)
    if enrollment.waiting_reason == "invite_pending" and channel is Channel.LINKEDIN_MESSAGE \
            and lead.linkedin_connected_at is None:
        _withdraw_invite(session, enrollment, step, now)
        return None
    account = account_for(session, enrollment, channel)
    decision = step_decision(channel, Condition(step.condition), reach_of(lead, enrollment, sequence),
                             has_account=account is not None)
    if not decision.go:
        skip_message(session, enrollment, step, decision.reason)
        schedule_position(session, enrollment, step.position + 1, now)
        return None
    assert account is not None
    if message is None or message.review_state != ReviewState.APPROVED.value or any(
            f.get("severity") == "blocking" for f in message.findings):
        skip_message(session, enrollment, step, "no approved message for this step")
        schedule_position(session, enrollment, step.position + 1, now)
        return None
    tz = lead_timezone(lead, account)
    window_opens = next_send_time(now, schedule_of(sequence), tz)
    if window_opens > now:
        enrollment.next_due_at = window_opens
        return None
    # Lock the account row: caps are counted and consumed under it, so workers never overshoot (rule 4).
    session.execute(select(SenderAccount.id).where(SenderAccount.id == account.id).with_for_update())
    verdict = _caps(session, account, channel, now)
    if not verdict.allowed:
        later = verdict.earliest or now + timedelta(days=1)
        enrollment.next_due_at = next_send_time(max(later, now + timedelta(seconds=1)), schedule_of(sequence), tz)
        return None
    payload = build_payload(session, enrollment, step, message, lead, account, sequence)
    message.send_state, message.sending_at = SendState.SENDING.value, now
    message.sender_account_id, message.attempts = account.id, message.attempts + 1
    message.smtp_message_id = payload.get("message_id")
    account.last_send_at = now
    account.first_send_at = account.first_send_at or now
    provider = "smtp" if channel is Channel.EMAIL else account.connection.get("provider", "manual")
    if provider == "manual":
        session.add(LinkedinTask(workspace_id=account.workspace_id, message_id=message.id, account_id=account.id,
                                 kind=channel.value, profile_url=f"https://www.linkedin.com/in/{lead.linkedin_id}/",
                                 text=message.body))
        enrollment.state, enrollment.next_due_at = EnrollmentState.WAITING.value, None
        enrollment.waiting_reason = "manual_task"
        record(session, enrollment.workspace_id, "linkedin_task_created", lead_id=lead.id,
               subject=f"message:{message.id}", kind=channel.value)
    return Ticket(enrollment.workspace_id, enrollment.id, message.id, account.id, channel, provider,
                  message.smtp_message_id, payload)


def _suppressed(session: Session, enrollment: Enrollment, lead: Lead) -> bool:
    """Rule 3, checked again immediately before the send: a suppression or opt-out stops the enrollment."""
    reason = matching_reason(session, enrollment.workspace_id, identity_of(lead))
    if reason is None and lead.stop_reason not in (StopReason.OPTED_OUT.value, StopReason.BLOCKED.value):
        return False
    stop = StopReason.OPTED_OUT if (reason == "opt_out" or lead.stop_reason == "opted_out") else StopReason.BLOCKED
    stop_lead(session, lead, stop, source="suppression list")
    stop_enrollment(session, enrollment, EnrollmentState.STOPPED, stop.value)
    return True


def _withdraw_invite(session: Session, enrollment: Enrollment, step: Step, now: datetime) -> None:
    """The invite was not accepted in time: withdraw it (a task or the API) and go on with other steps."""
    enrollment.waiting_reason = "invite_withdrawn"
    invite = session.scalar(select(LinkedinTask).join(Message, LinkedinTask.message_id == Message.id).where(
        Message.enrollment_id == enrollment.id, LinkedinTask.kind == Channel.LINKEDIN_INVITE.value))
    if invite is not None and invite.state in ("open", "done"):
        invite.state = "withdrawn"
    record(session, enrollment.workspace_id, "invite_withdrawn", lead_id=enrollment.lead_id,
           subject=f"sequence:{enrollment.sequence_id}")
    skip_message(session, enrollment, step, "invite not accepted in time")
    schedule_position(session, enrollment, step.position + 1, now)


def _caps(session: Session, account: SenderAccount, channel: Channel, now: datetime) -> Any:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(account.timezone)
    start, _ = day_bounds(now, tz)
    counted = (Message.sender_account_id == account.id, Message.send_state.in_(_COUNTED))
    if channel is Channel.EMAIL:
        sent_today = session.scalar(select(func.count()).where(*counted, Message.sending_at >= start)) or 0
        return check_email(email_caps(account), EmailUsage(sent_today, account.last_send_at), now, tz,
                           seed=account.id)
    week_ago = now - timedelta(days=7)
    invite_times = list(session.scalars(select(Message.sending_at).where(
        *counted, Message.channel == Channel.LINKEDIN_INVITE.value, Message.sending_at >= week_ago)))
    messages_today = session.scalar(select(func.count()).where(
        *counted, Message.channel == Channel.LINKEDIN_MESSAGE.value, Message.sending_at >= start)) or 0
    pending = session.scalar(select(func.count()).where(
        Enrollment.linkedin_account_id == account.id, Enrollment.invite_sent_at.is_not(None),
        Enrollment.invite_accepted_at.is_(None), Enrollment.state.in_(("active", "waiting")))) or 0
    usage = LinkedInUsage(invite_times=invite_times, messages_today=messages_today, pending_invites=pending,
                          last_action_at=account.last_send_at)
    return check_linkedin(linkedin_caps(account), usage, channel, now, tz, seed=account.id)
