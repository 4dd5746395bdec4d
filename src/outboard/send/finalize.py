"""Recording what a send did: one transaction per outcome, never a second send (rule 1)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outboard.core.sequence import Channel, EnrollmentState, SendState
from outboard.core.stages import StopReason
from outboard.db.models import Enrollment, Lead, Message, SenderAccount
from outboard.db.suppressions import suppress
from outboard.db.timeline import record
from outboard.db.usage import charge
from outboard.send.accounts import pause_account
from outboard.send.advance import schedule_position, skip_channel
from outboard.send.claim import PAUSED_RECHECK, Ticket
from outboard.send.context import SendContext
from outboard.send.outcomes import (
    AddressRejected,
    AuthFailed,
    ConnectionFailed,
    Deferred,
    Failed,
    Outcome,
    ReputationBlocked,
    Sent,
)
from outboard.send.rules import ACCOUNT_PAUSED

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
BOUNCE_WINDOW = 30  # sends looked at for the bounce rate
BOUNCE_THRESHOLD = 0.03
PROFILE_NOT_FOUND = "LinkedIn profile not found"
BOUNCED = "bounced: "  # how a failed message that bounced (at RCPT, or by DSN in the inbox) is marked


def finalize_batch(session: Session, results: list[tuple[Ticket, Outcome]], now: datetime) -> None:
    """Record a batch of outcomes in one transaction; each in a savepoint of its own."""
    ctx = SendContext(session)
    with session.no_autoflush:
        ctx.preload(t.enrollment_id for t, _ in results)
    try:
        # Fast path: one savepoint for the batch, flushed once (batched writes).
        with session.begin_nested(), session.no_autoflush:
            for ticket, outcome in results:
                finalize(ctx, ticket, outcome, now)
        ctx.finish()
        return
    except Exception:
        log.info("finalize batch failed; recording outcomes one by one", exc_info=True)
    ctx = SendContext(session)
    ctx.preload(t.enrollment_id for t, _ in results)
    for ticket, outcome in results:
        try:
            with session.begin_nested():
                finalize(ctx, ticket, outcome, now)
        except Exception:  # the message stays `sending` and is reconciled, never re-sent blindly
            log.exception("recording the outcome of message %s failed", ticket.message_id)
    ctx.finish()


def finalize_one(session: Session, ticket: Ticket, outcome: Outcome, now: datetime) -> None:
    """One outcome outside a batch: a manual task done, a send reconciled from the Sent folder."""
    ctx = SendContext(session)
    finalize(ctx, ticket, outcome, now)
    ctx.finish()


def finalize(ctx: SendContext, ticket: Ticket, outcome: Outcome, now: datetime) -> None:
    session = ctx.session
    if ticket.action == "withdraw":
        _withdrawn(ctx, ticket, outcome)
        return
    enrollment = ctx.get(Enrollment, ticket.enrollment_id)
    message = ctx.get(Message, ticket.message_id)
    account = ctx.account(ticket.account_id)
    if message.send_state != SendState.SENDING.value:
        return  # already finalized (or reconciled) by someone else
    lead = ctx.lead(enrollment.lead_id)
    subject = f"message:{message.id}"
    if isinstance(outcome, Sent):
        message.send_state, message.sent_at, message.provider_id = SendState.SENT.value, now, outcome.provider_id
        if ticket.channel is Channel.LINKEDIN_INVITE:
            enrollment.invite_sent_at = now
        record(session, enrollment.workspace_id, "message_sent", lead_id=lead.id, subject=subject,
               channel=ticket.channel.value, account=account.id, position=enrollment.next_position)
        # Only a message in `sending` gets here, once: its charge cannot exist yet.
        charge(session, enrollment.workspace_id, "send", f"send:{message.id}", known_new=True)
        schedule_position(ctx, enrollment, enrollment.next_position + 1, now)
        return
    if isinstance(outcome, ConnectionFailed) and outcome.maybe_delivered:
        _needs_reconciliation(session, message, enrollment, outcome.reason)
        return
    if isinstance(outcome, Deferred | ConnectionFailed):
        retry = outcome.retry_after if isinstance(outcome, Deferred) else timedelta(minutes=5)
        if message.attempts >= MAX_ATTEMPTS:
            _failed(ctx, message, enrollment, f"gave up after {message.attempts} attempts: {outcome.reason}", now)
            return
        message.send_state, message.last_error = SendState.SCHEDULED.value, outcome.reason[:1000]
        enrollment.next_due_at = now + retry
        record(session, enrollment.workspace_id, "send_deferred", lead_id=lead.id, subject=subject,
               reason=outcome.reason, retry_in_seconds=int(retry.total_seconds()))
        return
    if isinstance(outcome, AddressRejected) and ticket.channel is not Channel.EMAIL:
        _linkedin_profile_not_found(ctx, message, enrollment, outcome.reason, now)
        return
    if isinstance(outcome, AddressRejected):
        message.send_state, message.last_error = SendState.FAILED.value, (BOUNCED + outcome.reason)[:1000]
        bounce_address(session, lead, f"{outcome.code} {outcome.enhanced or ''} {outcome.reason}".strip())
        schedule_position(ctx, enrollment, enrollment.next_position + 1, now)
        check_bounce_rate(session, account)
        return
    if isinstance(outcome, ReputationBlocked | AuthFailed):
        # The account is the problem, not the lead: hold the message and pause the account.
        message.send_state, message.last_error = SendState.SCHEDULED.value, outcome.reason[:1000]
        enrollment.next_due_at, enrollment.waiting_reason = now + PAUSED_RECHECK, ACCOUNT_PAUSED
        kind = "reputation block" if isinstance(outcome, ReputationBlocked) else "authentication failed"
        pause_account(session, account, f"{kind}: {outcome.reason}"[:500])
        if isinstance(outcome, AuthFailed):
            record(session, account.workspace_id, "alert", subject=f"account:{account.id}",
                   text=f"{account.address}: the server refused our credentials; fix them in Settings")
        return
    assert isinstance(outcome, Failed)
    _failed(ctx, message, enrollment, outcome.reason, now)


def _withdrawn(ctx: SendContext, ticket: Ticket, outcome: Outcome) -> None:
    """The provider's answer to an invite withdrawal: the lead already went on with its other steps, so
    only the timeline learns it; an invite that is gone already (accepted, expired) needs nothing more."""
    enrollment = ctx.get(Enrollment, ticket.enrollment_id)
    if isinstance(outcome, Sent | AddressRejected):
        record(ctx.session, enrollment.workspace_id, "invite_withdrawal_confirmed", lead_id=enrollment.lead_id,
               subject=f"message:{ticket.message_id}", gone_already=isinstance(outcome, AddressRejected))
        return
    record(ctx.session, enrollment.workspace_id, "invite_withdrawal_failed", lead_id=enrollment.lead_id,
           subject=f"message:{ticket.message_id}", reason=getattr(outcome, "reason", type(outcome).__name__))


def _linkedin_profile_not_found(ctx: SendContext, message: Message, enrollment: Enrollment, reason: str,
                                now: datetime) -> None:
    """The provider does not know the lead's LinkedIn profile (404): not a bounce. The lead's LinkedIn
    steps in this sequence stop; its email, and its email steps, are untouched."""
    message.send_state, message.last_error = SendState.SKIPPED.value, f"{PROFILE_NOT_FOUND}: {reason}"[:1000]
    record(ctx.session, enrollment.workspace_id, "step_skipped", lead_id=enrollment.lead_id,
           subject=f"message:{message.id}", position=enrollment.next_position, reason=PROFILE_NOT_FOUND,
           detail=reason[:500])
    skip_channel(ctx, enrollment, (Channel.LINKEDIN_INVITE, Channel.LINKEDIN_MESSAGE), enrollment.next_position,
                 PROFILE_NOT_FOUND)
    schedule_position(ctx, enrollment, enrollment.next_position + 1, now)


def _failed(ctx: SendContext, message: Message, enrollment: Enrollment, reason: str, now: datetime) -> None:
    message.send_state, message.last_error = SendState.FAILED.value, reason[:1000]
    record(ctx.session, enrollment.workspace_id, "send_failed", lead_id=enrollment.lead_id,
           subject=f"message:{message.id}", reason=reason)
    schedule_position(ctx, enrollment, enrollment.next_position + 1, now)


def _needs_reconciliation(session: Session, message: Message, enrollment: Enrollment, reason: str) -> None:
    message.send_state, message.last_error = SendState.RECONCILE.value, reason[:1000]
    enrollment.state, enrollment.next_due_at = EnrollmentState.WAITING.value, None
    enrollment.waiting_reason = "reconcile"
    record(session, enrollment.workspace_id, "send_needs_reconciliation", lead_id=enrollment.lead_id,
           subject=f"message:{message.id}", reason=reason)


def bounce_address(session: Session, lead: Lead, evidence: str) -> None:
    """A hard bounce: the address is invalid and suppressed; email steps stop, LinkedIn steps go on."""
    if lead.email:
        suppress(session, lead.workspace_id, "email", lead.email, "hard_bounce")
    lead.email_verdict = "invalid"
    record(session, lead.workspace_id, "email_bounced", lead_id=lead.id, evidence=evidence[:500])
    if not lead.linkedin_id:
        from outboard.db.timeline import stop_lead

        stop_lead(session, lead, StopReason.BOUNCED, evidence=evidence[:200])


def check_bounce_rate(session: Session, account: SenderAccount) -> None:
    """Pause the account when more than 3% of its last 30 sends bounced (a reputation emergency). Only
    bounces count (refused at RCPT as an unknown address, or a hard-bounce DSN read by the inbox); a
    message that failed for another reason (a 5xx at DATA, given up after retries) is a send, not a bounce."""
    recent = select(Message.send_state, Message.last_error).where(
        Message.sender_account_id == account.id, Message.channel == Channel.EMAIL.value,
        Message.send_state.in_((SendState.SENT.value, SendState.FAILED.value))
    ).order_by(Message.sending_at.desc()).limit(BOUNCE_WINDOW).subquery()
    total = session.scalar(select(func.count()).select_from(recent)) or 0
    bounced = session.scalar(select(func.count()).select_from(recent).where(
        recent.c.send_state == SendState.FAILED.value, recent.c.last_error.like(BOUNCED + "%"))) or 0
    if total >= BOUNCE_WINDOW and bounced / total > BOUNCE_THRESHOLD:
        pause_account(session, account, f"bounce rate {bounced}/{total} over the last sends is above 3%")
