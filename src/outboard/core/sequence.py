"""Channels, step definitions and the states of enrollments and messages."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from outboard.core.errors import ValidationError


class Channel(StrEnum):
    EMAIL = "email"
    LINKEDIN_INVITE = "linkedin_invite"
    LINKEDIN_MESSAGE = "linkedin_message"

    @property
    def is_linkedin(self) -> bool:
        return self is not Channel.EMAIL


class Condition(StrEnum):
    ALWAYS = "always"
    NO_REPLY = "no_reply"


class EnrollmentState(StrEnum):
    ACTIVE = "active"  # waiting for its next step's due time
    WAITING = "waiting"  # paused by rule: out-of-office, waiting for an invite to be accepted
    REPLIED = "replied"
    COMPLETED = "completed"
    STOPPED = "stopped"  # bounced, opted out, blocked, failed: see stop_reason

    @property
    def is_final(self) -> bool:
        return self in (EnrollmentState.REPLIED, EnrollmentState.COMPLETED, EnrollmentState.STOPPED)


class ReviewState(StrEnum):
    DRAFT = "draft"
    EDITED = "edited"
    APPROVED = "approved"
    REJECTED = "rejected"


class SendState(StrEnum):
    SCHEDULED = "scheduled"
    SENDING = "sending"  # recorded before the network call; a crash leaves it for reconciliation
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"
    RECONCILE = "reconcile"  # uncertain outcome found after a crash: a person or the mailbox decides


@dataclass(frozen=True)
class StepSpec:
    position: int
    channel: Channel
    delay_days: int
    condition: Condition = Condition.NO_REPLY
    purpose: str = ""

    def __post_init__(self) -> None:
        validate_step(self.position, self.channel, self.delay_days, self.condition)


def validate_step(position: int, channel: object, delay_days: object, condition: object) -> None:
    field = f"steps[{position}]"
    if channel not in {c.value for c in Channel}:
        raise ValidationError(f"{field}.channel", f"must be one of {', '.join(c.value for c in Channel)}",
                              value=channel)
    if not isinstance(delay_days, int) or isinstance(delay_days, bool):
        raise ValidationError(f"{field}.delay_days", "must be a whole number of days", value=delay_days)
    if delay_days < 0:
        raise ValidationError(f"{field}.delay_days", "cannot be negative", value=delay_days)
    if delay_days > 365:
        raise ValidationError(f"{field}.delay_days", "must be at most 365", value=delay_days)
    if condition not in {c.value for c in Condition}:
        raise ValidationError(f"{field}.condition", "must be always or no_reply", value=condition)


def validate_steps(steps: list[StepSpec]) -> None:
    """A sequence needs at least one step, with positions 1..n in order."""
    if not steps:
        raise ValidationError("steps", "a sequence needs at least one step")
    for expected, step in enumerate(steps, start=1):
        if step.position != expected:
            raise ValidationError(f"steps[{step.position}].position", f"expected position {expected}")
