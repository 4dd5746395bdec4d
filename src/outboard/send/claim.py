"""Claiming due steps: one transaction per batch that re-checks every rule for each step and records
`sending` before any network call (rules 1 to 5). It hands back Tickets; the sends happen after commit."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select, update
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
from outboard.send.rules import ACCOUNT_PAUSED, step_decision
from outboard.send.schedule import next_send_time
from outboard.send.timing import lead_timezone, schedule_of

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=10)  # a worker that dies with leased steps gives them back after this
PAUSED_RECHECK = timedelta(hours=1)  # a step held for a paused account is looked at again after this
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
    action: str = "send"  # or "withdraw": take back the sent invite `message_id` (payload["invitation_id"])


@dataclass(frozen=True)
class ClaimFailure:
    enrollment_id: int
    lease_until: datetime
    error: Exception


def _due(session: Session, now: datetime, limit: int) -> Select[tuple[int]]:
    """Up to `limit` due enrollments, oldest due first, on the partial due-time index: it costs the same
    with 100 or 1,000,000 enrollments. On PostgreSQL, SKIP LOCKED lets many workers take disjoint
    batches without waiting on each other."""
    due = (select(Enrollment.id).where(Enrollment.state == EnrollmentState.ACTIVE.value,
                                       Enrollment.next_due_at <= now)
           .order_by(Enrollment.next_due_at).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    return due


def lock_due(session: Session, now: datetime, limit: int) -> list[int]:
    """Lock up to `limit` due enrollments for this transaction (SQLite: the write transaction's lock),
    for `claim_batch` in the same transaction. Nothing is written: the claim moves each due time on."""
    return list(session.scalars(_due(session, now, limit)))


def lease_due(session: Session, now: datetime, limit: int) -> list[tuple[int, datetime]]:
    """Take up to `limit` due enrollments in a transaction of their own, by moving their due time to the
    lease's end (a worker that dies gives them back after LEASE)."""
    lease_until = now + LEASE
    rows = session.execute(update(Enrollment).where(Enrollment.id.in_(_due(session, now, limit).scalar_subquery()))
                           .values(next_due_at=lease_until).returning(Enrollment.id, Enrollment.next_position)).all()
    return [(row.id, lease_until) for row in sorted(rows, key=_follow_ups_first)]


def _follow_ups_first(row: Any) -> tuple[bool, int]:
    """A lead already in conversation should not wait behind cold starts."""
    return row.next_position == 1, row.id


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


def claim_batch(session: Session, enrollment_ids: list[int], now: datetime,
                build_payload: Any) -> tuple[list[Ticket], list[ClaimFailure]]:
    """Re-check and claim the enrollments `lock_due` locked in this same transaction, so a reply recorded
    by the inbox either committed before (the row is read as it is now) or waits until we are done.

    Every enrollment leaves with its due time moved on: a claimed step to the end of the lease (a worker
    that dies after the commit gives it back then, to be reconciled, never re-sent), the others to when
    they may go. The batch is claimed in one savepoint; if one bad lead breaks it, it is redone one
    savepoint per lead, and what fails is returned for the caller to record."""
    if not enrollment_ids:
        return [], []
    lease_until = now + LEASE
    ctx = SendContext(session)
    with session.no_autoflush:
        loaded = ctx.preload(enrollment_ids)
    todo = sorted((e for e in loaded if e.state == EnrollmentState.ACTIVE.value and e.next_due_at is not None
                   and e.next_due_at <= now), key=_follow_ups_first)
    try:
        # Fast path: the whole batch in one savepoint, flushed once (batched writes).
        caps = _Caps(ctx, now)
        with session.begin_nested(), session.no_autoflush:
            tickets = [t for t in (_claim_one(ctx, caps, e, now, build_payload) for e in todo) if t is not None]
            _hold_unmoved(todo, now, lease_until)
        ctx.finish()
        return tickets, []
    except Exception:  # one bad lead: redo the batch one savepoint per lead to find and skip it
        log.info("claim batch failed; retrying lead by lead", exc_info=True)
    return _claim_one_by_one(session, [e.id for e in todo], now, build_payload)


def _hold_unmoved(todo: list[Enrollment], now: datetime, lease_until: datetime) -> None:
    """A still-due enrollment would be taken again at once: hold it until the lease ends."""
    for enrollment in todo:
        if enrollment.state == EnrollmentState.ACTIVE.value and enrollment.next_due_at is not None \
                and enrollment.next_due_at <= now:
            enrollment.next_due_at = lease_until


def _claim_one_by_one(session: Session, enrollment_ids: list[int], now: datetime,
                      build_payload: Any) -> tuple[list[Ticket], list[ClaimFailure]]:
    lease_until = now + LEASE
    ctx = SendContext(session)
    todo = ctx.preload(enrollment_ids)
    todo.sort(key=_follow_ups_first)
    caps = _Caps(ctx, now)
    tickets: list[Ticket] = []
    failures: list[ClaimFailure] = []
    for enrollment in todo:
        try:
            with session.begin_nested():
                ticket = _claim_one(ctx, caps, enrollment, now, build_payload)
                _hold_unmoved([enrollment], now, lease_until)
        except Exception as exc:  # recorded by the caller in its own transaction, once the lease is ours
            log.exception("claim of enrollment %s failed", enrollment.id)
            session.execute(update(Enrollment).where(Enrollment.id == enrollment.id)
                            .values(next_due_at=lease_until))
            failures.append(ClaimFailure(enrollment.id, lease_until, exc))
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
        return _withdraw_invite(ctx, enrollment, step, now)
    account, paused = account_for(ctx, enrollment, channel)
    decision = step_decision(channel, Condition(step.condition), reach_of(lead, enrollment, sequence),
                             has_account=account is not None, account_paused=paused)
    if decision.wait_for_account:
        # Held, not skipped: it goes once the account is resumed (looked at again every hour).
        enrollment.next_due_at, enrollment.waiting_reason = now + PAUSED_RECHECK, ACCOUNT_PAUSED
        return None
    if enrollment.waiting_reason == ACCOUNT_PAUSED:
        enrollment.waiting_reason = None
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
    enrollment.next_due_at = now + LEASE  # a worker that dies after the commit gives it back then
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


def _withdraw_invite(ctx: SendContext, enrollment: Enrollment, step: Step, now: datetime) -> Ticket | None:
    """The invite was not accepted in time: withdraw it and go on with the other steps. A manual task is
    marked withdrawn; through the API provider, the withdrawal is a ticket sent after the commit."""
    enrollment.waiting_reason = "invite_withdrawn"
    task = ctx.session.scalar(select(LinkedinTask).join(Message, LinkedinTask.message_id == Message.id).where(
        Message.enrollment_id == enrollment.id, LinkedinTask.kind == Channel.LINKEDIN_INVITE.value))
    if task is not None and task.state in ("open", "done"):
        task.state = "withdrawn"
    record(ctx.session, enrollment.workspace_id, "invite_withdrawn", lead_id=enrollment.lead_id,
           subject=f"sequence:{enrollment.sequence_id}")
    skip_message(ctx, enrollment, step, "invite not accepted in time")
    schedule_position(ctx, enrollment, step.position + 1, now)
    if task is not None:
        return None
    invite = ctx.session.scalar(select(Message).where(
        Message.enrollment_id == enrollment.id, Message.channel == Channel.LINKEDIN_INVITE.value,
        Message.send_state == SendState.SENT.value, Message.provider_id.is_not(None)))
    if invite is None or invite.sender_account_id is None:
        return None
    account = ctx.account(invite.sender_account_id)
    if account.connection.get("provider") != "api":
        return None
    return Ticket(enrollment.workspace_id, enrollment.id, invite.id, account.id, Channel.LINKEDIN_INVITE, "api",
                  payload={"invitation_id": invite.provider_id}, action="withdraw")
