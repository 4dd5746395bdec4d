"""Claiming due steps: one transaction per batch that re-checks every rule for each step and records
`sending` before any network call (rules 1 to 5). It hands back Tickets; the sends happen after commit."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from outboard.core.lifecycle import Lifecycle
from outboard.core.sequence import Channel, Condition, EnrollmentState, ReviewState, SendState
from outboard.core.stages import StopReason
from outboard.db.models import Enrollment, Lead, LinkedinTask, Message, SenderAccount, Step
from outboard.db.timeline import record, stop_lead
from outboard.send.accounts import email_caps, linkedin_caps
from outboard.send.advance import account_for, reach_of, schedule_position, skip_message, stop_enrollment
from outboard.send.caps import CapCheck, EmailUsage, LinkedInUsage, check_email, check_linkedin, day_bounds
from outboard.send.context import SendContext
from outboard.send.rules import step_decision
from outboard.send.schedule import next_send_time
from outboard.send.timing import lead_timezone, schedule_of

log = logging.getLogger(__name__)
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


@dataclass(frozen=True)
class ClaimFailure:
    enrollment_id: int
    lease_until: datetime
    error: Exception


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


class _Caps:
    """Cap usage per account for this batch: counted once under the account's row lock, then kept up to
    date in memory as the batch claims, so workers never overshoot (rule 4)."""

    def __init__(self, ctx: SendContext, now: datetime):
        self.ctx, self.now = ctx, now
        self._email: dict[int, int] = {}
        self._linkedin: dict[int, dict[str, Any]] = {}

    def check(self, account: SenderAccount, channel: Channel) -> CapCheck:
        tz = ZoneInfo(account.timezone)
        if channel is Channel.EMAIL:
            if account.id not in self._email:
                self._email[account.id] = self._count_email(account, tz)
            used = self._email[account.id]
            return check_email(email_caps(account), EmailUsage(used, account.last_send_at), self.now, tz,
                               seed=account.id)
        if account.id not in self._linkedin:
            self._linkedin[account.id] = self._count_linkedin(account, tz)
        usage = self._linkedin[account.id]
        return check_linkedin(linkedin_caps(account), LinkedInUsage(
            invite_times=usage["invites"], messages_today=usage["messages"], pending_invites=usage["pending"],
            last_action_at=account.last_send_at), channel, self.now, tz, seed=account.id)

    def consume(self, account: SenderAccount, channel: Channel) -> None:
        account.last_send_at = self.now
        account.first_send_at = account.first_send_at or self.now
        if channel is Channel.EMAIL:
            self._email[account.id] += 1
        elif channel is Channel.LINKEDIN_INVITE:
            self._linkedin[account.id]["invites"].append(self.now)
            self._linkedin[account.id]["pending"] += 1
        else:
            self._linkedin[account.id]["messages"] += 1

    def _lock(self, account: SenderAccount) -> None:
        self.ctx.session.execute(select(SenderAccount.id).where(SenderAccount.id == account.id).with_for_update())

    def _count_email(self, account: SenderAccount, tz: ZoneInfo) -> int:
        self._lock(account)
        start, _ = day_bounds(self.now, tz)
        return self.ctx.session.scalar(select(func.count()).where(
            Message.sender_account_id == account.id, Message.send_state.in_(_COUNTED),
            Message.sending_at >= start)) or 0

    def _count_linkedin(self, account: SenderAccount, tz: ZoneInfo) -> dict[str, Any]:
        self._lock(account)
        session = self.ctx.session
        start, _ = day_bounds(self.now, tz)
        counted = (Message.sender_account_id == account.id, Message.send_state.in_(_COUNTED))
        invites = list(session.scalars(select(Message.sending_at).where(
            *counted, Message.channel == Channel.LINKEDIN_INVITE.value, Message.sending_at >= self.now - timedelta(7))))
        messages = session.scalar(select(func.count()).where(
            *counted, Message.channel == Channel.LINKEDIN_MESSAGE.value, Message.sending_at >= start)) or 0
        pending = session.scalar(select(func.count()).where(
            Enrollment.linkedin_account_id == account.id, Enrollment.invite_sent_at.is_not(None),
            Enrollment.invite_accepted_at.is_(None), Enrollment.state.in_(("active", "waiting")))) or 0
        return {"invites": invites, "messages": messages, "pending": pending}


def claim_batch(session: Session, leased: list[tuple[int, datetime]], now: datetime,
                build_payload: Any) -> tuple[list[Ticket], list[ClaimFailure]]:
    """Re-check and claim leased enrollments. Each is claimed in a savepoint, so one bad lead does not
    undo the others; what fails is returned for the caller to record."""
    if not leased:
        return [], []
    lease_of = dict(leased)
    # The guarded write takes the row locks first (and SQLite's write lock), so a reply recorded by the
    # inbox either committed before (state is no longer active: not returned) or waits until we are done.
    ours = set(session.scalars(update(Enrollment).where(
        Enrollment.id.in_(lease_of), Enrollment.state == EnrollmentState.ACTIVE.value,
        Enrollment.next_due_at.in_(set(lease_of.values()))).values(updated_at=now).returning(Enrollment.id)))
    ctx = SendContext(session)
    with session.no_autoflush:
        enrollments = {e.id: e for e in ctx.preload(ours)}
    todo = [e for e in (enrollments.get(i) for i, _ in leased) if e is not None and e.next_due_at == lease_of[e.id]]
    try:
        # Fast path: the whole batch in one savepoint, flushed once (batched writes).
        caps = _Caps(ctx, now)
        with session.begin_nested(), session.no_autoflush:
            tickets = [t for t in (_claim_one(ctx, caps, e, now, build_payload) for e in todo) if t is not None]
        ctx.finish()
        return tickets, []
    except Exception:  # one bad lead: redo the batch one savepoint per lead to find and skip it
        log.info("claim batch failed; retrying lead by lead", exc_info=True)
    return _claim_one_by_one(session, todo, lease_of, now, build_payload)


def _claim_one_by_one(session: Session, todo: list[Enrollment], lease_of: dict[int, datetime], now: datetime,
                      build_payload: Any) -> tuple[list[Ticket], list[ClaimFailure]]:
    ctx = SendContext(session)
    ctx.preload(e.id for e in todo)
    caps = _Caps(ctx, now)
    tickets: list[Ticket] = []
    failures: list[ClaimFailure] = []
    for enrollment in todo:
        try:
            with session.begin_nested():
                ticket = _claim_one(ctx, caps, enrollment, now, build_payload)
        except Exception as exc:  # recorded by the caller in its own transaction
            log.exception("claim of enrollment %s failed", enrollment.id)
            failures.append(ClaimFailure(enrollment.id, lease_of[enrollment.id], exc))
            continue
        if ticket is not None:
            tickets.append(ticket)
    ctx.finish()
    return tickets, failures


def _claim_one(ctx: SendContext, caps: _Caps, enrollment: Enrollment, now: datetime,
               build_payload: Any) -> Ticket | None:
    sequence = ctx.sequence(enrollment.sequence_id)
    run = ctx.run(sequence.run_id)
    lead = ctx.lead(enrollment.lead_id)
    if sequence.state != Lifecycle.ACTIVE.value or run.state != Lifecycle.ACTIVE.value:
        enrollment.next_due_at = now + timedelta(hours=1)
        return None
    step = ctx.step_at(sequence.id, enrollment.next_position)
    if step is None:
        schedule_position(ctx, enrollment, enrollment.next_position + 1, now)
        return None
    message = ctx.message(enrollment.id, step.id)
    if message is not None and message.send_state in (SendState.SENDING.value, SendState.RECONCILE.value):
        # A crash between `sending` and the result: never send again; a person or the mailbox decides.
        message.send_state = SendState.RECONCILE.value
        enrollment.state, enrollment.next_due_at = EnrollmentState.WAITING.value, None
        enrollment.waiting_reason = "reconcile"
        record(ctx.session, enrollment.workspace_id, "send_needs_reconciliation", lead_id=lead.id,
               subject=f"message:{message.id}")
        return None
    if message is not None and message.send_state in (SendState.SENT.value, SendState.SKIPPED.value,
                                                       SendState.FAILED.value):
        schedule_position(ctx, enrollment, step.position + 1, message.sent_at or now)
        return None
    if _suppressed(ctx, enrollment, lead):
        return None
    channel = Channel(step.channel)
    if enrollment.waiting_reason == "invite_pending" and channel is Channel.LINKEDIN_MESSAGE \
            and lead.linkedin_connected_at is None:
        _withdraw_invite(ctx, enrollment, step, now)
        return None
    account = account_for(ctx, enrollment, channel)
    decision = step_decision(channel, Condition(step.condition), reach_of(lead, enrollment, sequence),
                             has_account=account is not None)
    if not decision.go:
        skip_message(ctx, enrollment, step, decision.reason)
        schedule_position(ctx, enrollment, step.position + 1, now)
        return None
    assert account is not None
    if message is None or message.review_state != ReviewState.APPROVED.value or any(
            f.get("severity") == "blocking" for f in message.findings):
        skip_message(ctx, enrollment, step, "no approved message for this step")
        schedule_position(ctx, enrollment, step.position + 1, now)
        return None
    tz = lead_timezone(lead, account)
    window_opens = next_send_time(now, schedule_of(sequence), tz)
    if window_opens > now:
        enrollment.next_due_at = window_opens
        return None
    verdict = caps.check(account, channel)
    if not verdict.allowed:
        later = verdict.earliest or now + timedelta(days=1)
        enrollment.next_due_at = next_send_time(max(later, now + timedelta(seconds=1)), schedule_of(sequence), tz)
        return None
    payload = build_payload(ctx.session, enrollment, step, message, lead, account, sequence)
    message.send_state, message.sending_at = SendState.SENDING.value, now
    message.sender_account_id, message.attempts = account.id, message.attempts + 1
    message.smtp_message_id = payload.get("message_id")
    caps.consume(account, channel)
    provider = "smtp" if channel is Channel.EMAIL else account.connection.get("provider", "manual")
    if provider == "manual":
        ctx.session.add(LinkedinTask(workspace_id=account.workspace_id, message_id=message.id, account_id=account.id,
                                     kind=channel.value, text=message.body,
                                     profile_url=f"https://www.linkedin.com/in/{lead.linkedin_id}/"))
        enrollment.state, enrollment.next_due_at = EnrollmentState.WAITING.value, None
        enrollment.waiting_reason = "manual_task"
        record(ctx.session, enrollment.workspace_id, "linkedin_task_created", lead_id=lead.id,
               subject=f"message:{message.id}", kind=channel.value)
    return Ticket(enrollment.workspace_id, enrollment.id, message.id, account.id, channel, provider,
                  message.smtp_message_id, payload)


def _suppressed(ctx: SendContext, enrollment: Enrollment, lead: Lead) -> bool:
    """Rule 3, checked again immediately before the send: a suppression or opt-out stops the enrollment.
    A hard bounce is not a stop: the address is invalid, so email steps are skipped and LinkedIn goes on."""
    matches = ctx.suppressions(enrollment.workspace_id, lead)
    if matches and all(kind == "email" and reason == "hard_bounce" for kind, reason in matches):
        lead.email_verdict = "invalid"
        matches = []
    if not matches and lead.stop_reason not in (StopReason.OPTED_OUT.value, StopReason.BLOCKED.value):
        return False
    opted_out = lead.stop_reason == "opted_out" or any(reason == "opt_out" for _, reason in matches)
    stop = StopReason.OPTED_OUT if opted_out else StopReason.BLOCKED
    stop_lead(ctx.session, lead, stop, source="suppression list")
    stop_enrollment(ctx, enrollment, EnrollmentState.STOPPED, stop.value)
    return True


def _withdraw_invite(ctx: SendContext, enrollment: Enrollment, step: Step, now: datetime) -> None:
    """The invite was not accepted in time: withdraw it (a task or the API) and go on with other steps."""
    enrollment.waiting_reason = "invite_withdrawn"
    invite = ctx.session.scalar(select(LinkedinTask).join(Message, LinkedinTask.message_id == Message.id).where(
        Message.enrollment_id == enrollment.id, LinkedinTask.kind == Channel.LINKEDIN_INVITE.value))
    if invite is not None and invite.state in ("open", "done"):
        invite.state = "withdrawn"
    record(ctx.session, enrollment.workspace_id, "invite_withdrawn", lead_id=enrollment.lead_id,
           subject=f"sequence:{enrollment.sequence_id}")
    skip_message(ctx, enrollment, step, "invite not accepted in time")
    schedule_position(ctx, enrollment, step.position + 1, now)
