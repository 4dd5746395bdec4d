"""Creating a sequence as the web app, the API and the CLI all do it: the checks a form needs (a name, a
schedule that parses, source groups with enriched leads), then send.campaigns.create_sequence, its reply and
risk settings, and enrolling the leads of its source groups (Plera: creating it opens the Messaging Lab, with
the leads in it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from outboard.core.errors import ValidationError
from outboard.core.plays import STEP_INTENTS
from outboard.db.models import Sequence
from outboard.send.campaigns import StepInput, create_sequence
from outboard.send.launch import enroll_leads
from outboard.send.queries import source_group_stats
from outboard.send.timing import checked_schedule

NAME_MAX = 200
PURPOSE_MAX = 300


@dataclass
class SequenceRequest:
    run_id: int
    name: str
    strategy_profile_id: int | None
    source_group_ids: list[int]
    sender_account_ids: list[int] = field(default_factory=list)
    steps: list[StepInput] | None = None  # None: the run's play's steps
    schedule: dict[str, Any] = field(default_factory=dict)  # as given: send.timing.checked_schedule reads it
    stop_on_reply: bool | None = None  # None: as the play says
    stop_colleagues_on_reply: bool = False  # a reply also stops the lead's colleagues (same company) here
    allow_risky_emails: bool = False  # email steps also go to catch_all addresses


def check_steps(steps: list[StepInput]) -> None:
    """What the step table cannot hold (the service checks channel, delay and condition)."""
    for position, step in enumerate(steps, start=1):
        if step.intent not in STEP_INTENTS:
            raise ValidationError(f"steps[{position}].intent", f"must be one of {', '.join(STEP_INTENTS)}",
                                  value=step.intent)
        if len(step.purpose) > PURPOSE_MAX:
            raise ValidationError(f"steps[{position}].purpose", f"must be at most {PURPOSE_MAX} characters")


def check_groups(session: Session, workspace_id: int, group_ids: list[int]) -> None:
    """Source groups are eligible once some of their leads are enriched (DESIGN.md)."""
    if not group_ids:
        raise ValidationError("source_groups", "choose at least one source group")
    stats = {g.id: g for g in source_group_stats(session, workspace_id, group_ids)}
    for group_id in group_ids:
        group = stats.get(group_id)
        if group is not None and not group.eligible:
            raise ValidationError("source_groups", f"“{group.name}” has no enriched lead yet: enrich it first")


def new_sequence(session: Session, workspace_id: int, request: SequenceRequest) -> tuple[Sequence, int]:
    """Create a Draft sequence and enroll its leads; returns it and how many leads were enrolled."""
    name = request.name.strip()
    if not name:
        raise ValidationError("name", "a sequence needs a name")
    if len(name) > NAME_MAX:
        raise ValidationError("name", f"must be at most {NAME_MAX} characters")
    if request.strategy_profile_id is None:
        raise ValidationError("strategy_profile_id", "choose a strategy profile")
    schedule = checked_schedule(request.schedule)  # refused here, not at the first send
    if request.steps is not None:
        check_steps(request.steps)
    check_groups(session, workspace_id, request.source_group_ids)
    sequence = create_sequence(session, workspace_id, request.run_id, name, request.strategy_profile_id,
                               request.source_group_ids, request.sender_account_ids, steps=request.steps,
                               schedule=schedule, stop_on_reply=request.stop_on_reply)
    sequence.stop_colleagues_on_reply = request.stop_colleagues_on_reply
    sequence.allow_risky_emails = request.allow_risky_emails
    return sequence, enroll_leads(session, sequence)
