"""Manual LinkedIn tasks: the system decides what to do and when; a person does it and says so."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from outboard.core.errors import NotFound, ValidationError
from outboard.core.sequence import Channel, EnrollmentState
from outboard.db.models import Enrollment, Lead, LinkedinTask, Message
from outboard.send.claim import Ticket
from outboard.send.finalize import finalize_one
from outboard.send.outcomes import Sent
from outboard.send.reactions import record_acceptance, record_reply

ACTIONS = ("done", "accepted", "replied")


def open_tasks(session: Session, workspace_id: int, limit: int = 200) -> list[LinkedinTask]:
    """Tasks to do (oldest first), then invites done and waiting to hear whether they were accepted: the
    hundreds of invites nobody answers never hide a task that is due."""
    to_do_first = case((LinkedinTask.state == "open", 0), else_=1)
    return list(session.scalars(select(LinkedinTask).where(LinkedinTask.workspace_id == workspace_id,
                                                           LinkedinTask.state.in_(("open", "done")))
                                .order_by(to_do_first, LinkedinTask.created_at, LinkedinTask.id).limit(limit)))


def mark_task(session: Session, workspace_id: int, task_id: int, action: str, now: datetime) -> LinkedinTask:
    """`done`: the person sent it. `accepted`: the invite was accepted. `replied`: the lead answered."""
    if action not in ACTIONS:
        raise ValidationError("action", f"must be one of {', '.join(ACTIONS)}", value=action)
    task = session.scalar(select(LinkedinTask).where(LinkedinTask.id == task_id,
                                                     LinkedinTask.workspace_id == workspace_id))
    if task is None:
        raise NotFound(f"task {task_id} not found")
    message = session.get(Message, task.message_id)
    assert message is not None
    enrollment = session.get(Enrollment, message.enrollment_id)
    lead = session.get(Lead, enrollment.lead_id) if enrollment else None
    assert enrollment is not None and lead is not None
    if task.state == "open" and action in ("done", "accepted", "replied"):
        # Whatever the person reports, the action itself happened first.
        task.state, task.completed_at = "done", now
        if enrollment.state == EnrollmentState.WAITING.value and enrollment.waiting_reason == "manual_task":
            enrollment.state = EnrollmentState.ACTIVE.value
        ticket = Ticket(workspace_id, enrollment.id, message.id, message.sender_account_id or 0,
                        Channel(message.channel), "manual")
        finalize_one(session, ticket, Sent(f"task:{task.id}"), now)
    if action == "accepted":
        if task.kind != Channel.LINKEDIN_INVITE.value:
            raise ValidationError("action", "only an invite can be accepted", value=action)
        task.state = "accepted"
        record_acceptance(session, lead, now)
    elif action == "replied":
        task.state = "replied"
        record_reply(session, lead, "linkedin", now, source=f"task:{task.id}")
    return task
