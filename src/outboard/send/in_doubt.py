"""Sends in doubt decided by a person: a message left in `reconcile` (the outcome of its send is unknown
after a crash or a connection lost during DATA, and the Sent folder did not show it).

Rule 1 forbids sending it again blindly, so a person looks in the mailbox and says which it was:

- `sent`: recorded as sent at the moment it was handed to the network (`sending_at`); the enrollment
  advances exactly as after a normal send (the send's own finalisation, `finalize_one`).
- `not_sent`: the step may go out again, because a person said so. The message goes back to `scheduled`
  and the enrollment is due now: the next claim re-checks every rule (reply, suppression, window, caps)
  before sending it. If the enrollment ended meanwhile (reply, opt-out), the message is skipped instead.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from outboard.core.errors import OutboardError, ValidationError
from outboard.core.sequence import Channel, EnrollmentState, SendState
from outboard.db.models import Enrollment, Lead, Message, SenderAccount
from outboard.db.scope import Scope
from outboard.db.timeline import record
from outboard.send.claim import Ticket
from outboard.send.finalize import finalize_one
from outboard.send.outcomes import Sent

DECISIONS = ("sent", "not_sent")


class NotInDoubt(OutboardError):
    """The message is not waiting for a decision (decided already, or never in doubt); nothing changed."""


def sends_in_doubt(session: Session, workspace_id: int, sequence_id: int | None = None,
                   limit: int = 500) -> list[tuple[Message, Enrollment, Lead]]:
    """Messages waiting for a person's decision, oldest send first, with their enrollment and lead."""
    query = (select(Message, Enrollment, Lead).join(Enrollment, Enrollment.id == Message.enrollment_id)
             .join(Lead, Lead.id == Enrollment.lead_id)
             .where(Message.workspace_id == workspace_id, Message.send_state == SendState.RECONCILE.value))
    if sequence_id is not None:
        query = query.where(Enrollment.sequence_id == sequence_id)
    return [(m, e, lead) for m, e, lead in session.execute(query.order_by(Message.sending_at, Message.id)
                                                            .limit(limit)).all()]


def record_found_sent(session: Session, message: Message, enrollment: Enrollment, provider_id: str,
                      now: datetime) -> None:
    """A send in doubt turned out to have gone out: finalise it as the send's answer would have, timed
    from its `sending_at`; when the enrollment ended meanwhile only the message's record is corrected."""
    assert message.sender_account_id is not None
    waiting = enrollment.state == EnrollmentState.WAITING.value and enrollment.waiting_reason == "reconcile"
    if waiting or enrollment.state == EnrollmentState.ACTIVE.value:
        enrollment.state, enrollment.waiting_reason = EnrollmentState.ACTIVE.value, None
        message.send_state = SendState.SENDING.value
        account = session.get(SenderAccount, message.sender_account_id)
        assert account is not None
        channel = Channel(message.channel)
        provider = "smtp" if channel is Channel.EMAIL else (account.connection or {}).get("provider", "manual")
        ticket = Ticket(message.workspace_id, enrollment.id, message.id, message.sender_account_id, channel,
                        provider, message.smtp_message_id)
        finalize_one(session, ticket, Sent(provider_id), message.sending_at or now)
    else:
        message.send_state, message.sent_at, message.provider_id = SendState.SENT.value, message.sending_at, \
            provider_id


def decide(session: Session, workspace_id: int, message_id: int, decision: str, now: datetime, *,
           by: str) -> Message:
    """Record a person's decision about a send in doubt; see the module's docstring."""
    if decision not in DECISIONS:
        raise ValidationError("decision", "must be sent or not_sent", value=decision)
    message = Scope(session, workspace_id).get(Message, message_id, "message")
    session.refresh(message, with_for_update=True)  # the inbox's reconciliation may decide at the same time
    if message.send_state != SendState.RECONCILE.value:
        raise NotInDoubt(f"message {message_id} is not waiting for a decision (it is {message.send_state})")
    enrollment = session.get(Enrollment, message.enrollment_id)
    assert enrollment is not None
    record(session, workspace_id, "send_reconciled", lead_id=enrollment.lead_id, subject=f"message:{message.id}",
           decision=decision, by=by)
    if decision == "sent":
        record_found_sent(session, message, enrollment, f"decided:{by}", now)
        return message
    waiting = enrollment.state == EnrollmentState.WAITING.value and enrollment.waiting_reason == "reconcile"
    if waiting or enrollment.state == EnrollmentState.ACTIVE.value:
        message.send_state = SendState.SCHEDULED.value
        message.last_error = f"not sent, decided by {by}: it may be sent again"
        enrollment.state, enrollment.waiting_reason, enrollment.next_due_at = EnrollmentState.ACTIVE.value, None, now
    else:
        message.send_state, message.last_error = SendState.SKIPPED.value, f"not sent, decided by {by}"
    return message
