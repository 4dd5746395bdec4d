"""Moving an enrollment on: the next step that applies, when it is due, and the end of the sequence.

Each step is timed from the moment the previous one actually happened (or, for a LinkedIn message, from
the acceptance), so a step that waited for the window moves every later step with it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from outboard.core.lifecycle import Lifecycle
from outboard.core.sequence import Channel, Condition, EnrollmentState, SendState
from outboard.core.stages import LeadStage
from outboard.db.models import Enrollment, Lead, Message, SenderAccount, Sequence, Step
from outboard.db.timeline import move_lead, record
from outboard.send.accounts import linkedin_limit
from outboard.send.campaigns import complete_if_finished, sequence_accounts
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


def account_for(session: Session, enrollment: Enrollment, channel: Channel) -> SenderAccount | None:
    """The account this lead's steps go through on a channel: sticky once chosen (same thread, same
    profile), else spread over the sequence's active accounts by lead id."""
    kind = "email" if channel is Channel.EMAIL else "linkedin"
    chosen_id = enrollment.email_account_id if kind == "email" else enrollment.linkedin_account_id
    if chosen_id:
        account = session.get(SenderAccount, chosen_id)
        return account if account is not None and account.status == "active" else None
    candidates = [a for a in sequence_accounts(session, enrollment.sequence_id)
                  if a.kind == kind and a.status == "active"]
    if not candidates:
        return None
    account = candidates[enrollment.lead_id % len(candidates)]
    if kind == "email":
        enrollment.email_account_id = account.id
    else:
        enrollment.linkedin_account_id = account.id
    return account


def skip_message(session: Session, enrollment: Enrollment, step: Step, reason: str) -> None:
    message = session.scalar(select(Message).where(Message.enrollment_id == enrollment.id,
                                                   Message.step_id == step.id))
    if message is not None and message.send_state == SendState.SCHEDULED.value:
        message.send_state, message.last_error = SendState.SKIPPED.value, reason[:1000]
    record(session, enrollment.workspace_id, "step_skipped", lead_id=enrollment.lead_id,
           subject=f"sequence:{enrollment.sequence_id}", position=step.position, reason=reason)


def schedule_position(session: Session, enrollment: Enrollment, position: int, after: datetime) -> None:
    """Find the first step from `position` on that applies, skipping the rest with their reason, and set
    its due time counted from `after`. No step left: the enrollment completes."""
    sequence = session.get(Sequence, enrollment.sequence_id)
    lead = session.get(Lead, enrollment.lead_id)
    assert sequence is not None and lead is not None
    steps = list(session.scalars(select(Step).where(Step.sequence_id == sequence.id,
                                                    Step.position >= position).order_by(Step.position)))
    reach = reach_of(lead, enrollment, sequence)
    for step in steps:
        channel = Channel(step.channel)
        account = account_for(session, enrollment, channel)
        decision = step_decision(channel, Condition(step.condition), reach, has_account=account is not None)
        if decision.wait_for_acceptance:
            # The message's delay counts from the acceptance; until then wait, up to the withdrawal day.
            assert enrollment.invite_sent_at is not None and account is not None
            withdraw_after = timedelta(days=linkedin_limit(account, "invite_withdraw_days"))
            enrollment.next_position = step.position
            enrollment.next_due_at = enrollment.invite_sent_at + withdraw_after
            enrollment.waiting_reason = "invite_pending"
            return
        if not decision.go:
            skip_message(session, enrollment, step, decision.reason)
            continue
        tz = lead_timezone(lead, account)
        jitter = jitter_offset(enrollment.lead_id, step.id, span=JITTER_SPAN)
        enrollment.next_position = step.position
        enrollment.next_due_at = due_time_for_step(after, step.delay_days, schedule_of(sequence), tz, jitter)
        enrollment.waiting_reason = None
        return
    finish(session, enrollment, lead)


def finish(session: Session, enrollment: Enrollment, lead: Lead) -> None:
    enrollment.state, enrollment.next_due_at, enrollment.waiting_reason = EnrollmentState.COMPLETED.value, None, None
    record(session, enrollment.workspace_id, "enrollment_completed", lead_id=lead.id,
           subject=f"sequence:{enrollment.sequence_id}")
    if lead.stage == LeadStage.OUTREACH_ACTIVE.value and lead.stop_reason is None and not _other_open(
            session, enrollment):
        move_lead(session, lead, LeadStage.COMPLETED, sequence=enrollment.sequence_id)
    sequence = session.get(Sequence, enrollment.sequence_id)
    assert sequence is not None
    complete_if_finished(session, sequence)


def _other_open(session: Session, enrollment: Enrollment) -> bool:
    return session.scalar(select(Enrollment.id).where(
        Enrollment.lead_id == enrollment.lead_id, Enrollment.id != enrollment.id,
        Enrollment.state.in_((EnrollmentState.ACTIVE.value, EnrollmentState.WAITING.value))).limit(1)) is not None


def stop_enrollment(session: Session, enrollment: Enrollment, state: EnrollmentState, reason: str) -> None:
    """End an enrollment (reply, opt-out, suppression, bounce on an email-only path): every remaining
    scheduled message is cancelled."""
    enrollment.state, enrollment.next_due_at = state.value, None
    if state is EnrollmentState.STOPPED:
        enrollment.stop_reason = reason
    session.execute(update(Message).where(Message.enrollment_id == enrollment.id,
                                          Message.send_state == SendState.SCHEDULED.value)
                    .values(send_state=SendState.SKIPPED.value, last_error=reason[:1000]))
    record(session, enrollment.workspace_id, f"enrollment_{state.value}", lead_id=enrollment.lead_id,
           subject=f"sequence:{enrollment.sequence_id}", reason=reason)
    sequence = session.get(Sequence, enrollment.sequence_id)
    assert sequence is not None
    if sequence.state == Lifecycle.ACTIVE.value:
        complete_if_finished(session, sequence)
