"""The append-only timeline, and the only functions that change a lead's stage or a run's state.

Each writes the change and its event in the caller's transaction (one function per write).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from outboard.core import stages
from outboard.core.lifecycle import RUN_STATES, SEQUENCE_STATES, Lifecycle
from outboard.core.stages import LeadStage, StopReason
from outboard.db.models import Event, Lead, Run, Sequence
from outboard.db.session import clock_of


def record(session: Session, workspace_id: int, kind: str, /, *, lead_id: int | None = None,
           subject: str | None = None, **data: Any) -> Event:
    event = Event(workspace_id=workspace_id, lead_id=lead_id, kind=kind, subject=subject, data=data,
                  occurred_at=clock_of(session).now())
    session.add(event)
    return event


def move_lead(session: Session, lead: Lead, target: LeadStage, **why: Any) -> Event:
    """Advance a lead's stage; IllegalTransition (and no change) when the move is not allowed."""
    current = LeadStage(lead.stage)
    stages.advance(current, target, StopReason(lead.stop_reason) if lead.stop_reason else None)
    lead.stage = target.value
    return record(session, lead.workspace_id, "stage_changed", lead_id=lead.id,
                  **{"from": current.value, "to": target.value, **why})


def reach_lead_stage(session: Session, lead: Lead, target: LeadStage, **why: Any) -> None:
    """Walk forward through the stages up to `target` (used when one action fills several stages)."""
    order = list(LeadStage)
    while lead.stop_reason is None and order.index(LeadStage(lead.stage)) < order.index(target):
        current = LeadStage(lead.stage)
        allowed = stages.LEAD_STAGES.allowed(current)
        step = target if target in allowed else next(s for s in allowed if order.index(s) <= order.index(target))
        move_lead(session, lead, step, **why)


def stop_lead(session: Session, lead: Lead, reason: StopReason, **why: Any) -> Event | None:
    """Record why a lead stopped; a weaker reason never replaces a stronger one (None when ignored)."""
    current = StopReason(lead.stop_reason) if lead.stop_reason else None
    if not stages.may_stop(current, reason):
        return None
    stages.check_stop(LeadStage(lead.stage), current, reason)
    lead.stop_reason = reason.value
    return record(session, lead.workspace_id, "lead_stopped", lead_id=lead.id,
                  **{"reason": reason.value, "previous": current.value if current else None, **why})


def move_run(session: Session, run: Run, target: Lifecycle, **why: Any) -> Event:
    current = Lifecycle(run.state)
    RUN_STATES.move(current, target)
    run.state = target.value
    now = clock_of(session).now()
    if target is Lifecycle.ACTIVE and run.activated_at is None:
        run.activated_at = now
    if target is Lifecycle.COMPLETED:
        run.completed_at = now
    return record(session, run.workspace_id, "run_state_changed", subject=f"run:{run.id}",
                  **{"from": current.value, "to": target.value, **why})


def move_sequence(session: Session, sequence: Sequence, target: Lifecycle, **why: Any) -> Event:
    current = Lifecycle(sequence.state)
    SEQUENCE_STATES.move(current, target)
    sequence.state = target.value
    if target is Lifecycle.ACTIVE and sequence.launched_at is None:
        sequence.launched_at = clock_of(session).now()
    return record(session, sequence.workspace_id, "sequence_state_changed", subject=f"sequence:{sequence.id}",
                  **{"from": current.value, "to": target.value, **why})
