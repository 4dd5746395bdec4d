"""Moving an enrollment on: the next step that applies, when it is due, and the end of the sequence.

Each step is timed from the moment the previous one actually happened (or, for a LinkedIn message, from
the acceptance), so a step that waited for the window moves every later step with it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update

from outboard.core.sequence import Channel, Condition, EnrollmentState, SendState
from outboard.db.models import Enrollment, Lead, Message, SenderAccount, Sequence, Step
from outboard.db.timeline import record
from outboard.send.accounts import linkedin_limit
from outboard.send.context import SendContext
from outboard.send.rules import LeadReach, step_decision
from outboard.send.schedule import due_time_for_step, jitter_offset
from outboard.send.timing import JITTER_SPAN, lead_timezone, schedule_of


def email_sendable(lead: Lead, sequence: Sequence) -> bool:
    if not lead.email:
        return False
    return lead.email_verdict == "valid" or (lead.email_verdict == "catch_all" and sequence.allow_risky_emails)


def reach_of(lead: Lead, enrollment: Enrollment, sequence: Sequence) -> LeadReach:
    return LeadReach(
        email_sendable=email_sendable(lead, sequence),
        has_linkedin=bool(lead.linkedin_id),
        connected=lead.linkedin_connected_at is not None,
        invite_pending=enrollment.invite_sent_at is not None and enrollment.invite_accepted_at is None
        and enrollment.waiting_reason != "invite_withdrawn",
        invite_withdrawn=enrollment.waiting_reason == "invite_withdrawn",
        replied=enrollment.replied_at is not None,
    )


def account_for(ctx: SendContext, enrollment: Enrollment, channel: Channel) -> tuple[SenderAccount | None, bool]:
    """The account this lead's steps go through on a channel, and whether it is paused: sticky once chosen
    (same thread, same profile), else spread over the sequence's active accounts by lead id. When the
    chosen account, or every account of that kind on the sequence, is paused, the step waits for it:
    (the paused account or None, True). (None, False): the sequence has no account of that kind."""
    kind = "email" if channel is Channel.EMAIL else "linkedin"
    chosen_id = enrollment.email_account_id if kind == "email" else enrollment.linkedin_account_id
    if chosen_id:
        account = ctx.account(chosen_id)
        return account, account.status != "active"
    of_kind = [a for a in ctx.accounts(enrollment.sequence_id) if a.kind == kind]
    candidates = [a for a in of_kind if a.status == "active"]
    if not candidates:
        return None, bool(of_kind)
    account = candidates[enrollment.lead_id % len(candidates)]
    if kind == "email":
        enrollment.email_account_id = account.id
    else:
        enrollment.linkedin_account_id = account.id
    return account, False


def skip_message(ctx: SendContext, enrollment: Enrollment, step: Step, reason: str) -> None:
    message = ctx.message(enrollment.id, step.id)
    if message is not None and message.send_state == SendState.SCHEDULED.value:
        message.send_state, message.last_error = SendState.SKIPPED.value, reason[:1000]
    record(ctx.session, enrollment.workspace_id, "step_skipped", lead_id=enrollment.lead_id,
           subject=f"sequence:{enrollment.sequence_id}", position=step.position, reason=reason)


def schedule_position(ctx: SendContext, enrollment: Enrollment, position: int, after: datetime) -> None:
    """Find the first step from `position` on that applies, skipping the rest with their reason, and set
    its due time counted from `after`. No step left: the enrollment completes."""
    sequence = ctx.sequence(enrollment.sequence_id)
    lead = ctx.lead(enrollment.lead_id)
    reach = reach_of(lead, enrollment, sequence)
    for step in (s for s in ctx.steps(sequence.id) if s.position >= position):
        channel = Channel(step.channel)
        if position > 1 and channel is not Channel.EMAIL and _skipped_already(ctx, enrollment, step):
            continue  # skipped ahead of time, with its reason (the LinkedIn profile was not found)
        account, paused = account_for(ctx, enrollment, channel)
        decision = step_decision(channel, Condition(step.condition), reach, has_account=account is not None,
                                 account_paused=paused)
        if decision.wait_for_acceptance:
            # The message's delay counts from the acceptance; until then wait, up to the withdrawal day.
            assert enrollment.invite_sent_at is not None and account is not None
            withdraw_after = timedelta(days=linkedin_limit(account, "invite_withdraw_days"))
            enrollment.next_position = step.position
            enrollment.next_due_at = enrollment.invite_sent_at + withdraw_after
            enrollment.waiting_reason = "invite_pending"
            return
        if not decision.go and not decision.wait_for_account:
            skip_message(ctx, enrollment, step, decision.reason)
            continue
        # A step held for a paused account is timed as usual; the claim holds it while the account is paused.
        tz = lead_timezone(lead, account)
        jitter = jitter_offset(enrollment.lead_id, step.id, span=JITTER_SPAN)
        enrollment.next_position = step.position
        enrollment.next_due_at = due_time_for_step(after, step.delay_days, schedule_of(sequence), tz, jitter)
        enrollment.waiting_reason = None
        return
    finish(ctx, enrollment, lead)


def _skipped_already(ctx: SendContext, enrollment: Enrollment, step: Step) -> bool:
    message = ctx.message(enrollment.id, step.id)
    return message is not None and message.send_state == SendState.SKIPPED.value


def skip_channel(ctx: SendContext, enrollment: Enrollment, channels: tuple[Channel, ...], after: int,
                 reason: str) -> None:
    """Skip, with the reason, every later step of these channels (a LinkedIn profile that does not exist)."""
    for step in ctx.steps(enrollment.sequence_id):
        if step.position > after and Channel(step.channel) in channels:
            skip_message(ctx, enrollment, step, reason)


def finish(ctx: SendContext, enrollment: Enrollment, lead: Lead) -> None:
    enrollment.state, enrollment.next_due_at, enrollment.waiting_reason = EnrollmentState.COMPLETED.value, None, None
    record(ctx.session, enrollment.workspace_id, "enrollment_completed", lead_id=lead.id,
           subject=f"sequence:{enrollment.sequence_id}")
    ctx.touched_sequences.add(enrollment.sequence_id)
    ctx.finished_leads.add(lead.id)


def stop_enrollment(ctx: SendContext, enrollment: Enrollment, state: EnrollmentState, reason: str) -> None:
    """End an enrollment (reply, opt-out, suppression, bounce on an email-only path): every remaining
    scheduled message is cancelled."""
    enrollment.state, enrollment.next_due_at = state.value, None
    if state is EnrollmentState.STOPPED:
        enrollment.stop_reason = reason
    ctx.session.execute(update(Message).where(Message.enrollment_id == enrollment.id,
                                              Message.send_state == SendState.SCHEDULED.value)
                        .values(send_state=SendState.SKIPPED.value, last_error=reason[:1000]))
    record(ctx.session, enrollment.workspace_id, f"enrollment_{state.value}", lead_id=enrollment.lead_id,
           subject=f"sequence:{enrollment.sequence_id}", reason=reason)
    ctx.touched_sequences.add(enrollment.sequence_id)
