"""Lead stages and stop reasons, as DESIGN.md names them. The stage is never set by hand: only moves."""

from __future__ import annotations

from enum import StrEnum

from outboard.core.errors import IllegalTransition
from outboard.core.machine import StateMachine, Transition


class LeadStage(StrEnum):
    DISCOVERED = "discovered"
    PROFILE_ENRICHED = "profile_enriched"
    EMAIL_ENRICHED = "email_enriched"
    MESSAGE_GENERATED = "message_generated"
    OUTREACH_ACTIVE = "outreach_active"
    REPLIED = "replied"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]


STAGE_LABELS = {
    LeadStage.DISCOVERED: "Discovered",
    LeadStage.PROFILE_ENRICHED: "Profile enriched",
    LeadStage.EMAIL_ENRICHED: "Email enriched",
    LeadStage.MESSAGE_GENERATED: "Message generated",
    LeadStage.OUTREACH_ACTIVE: "Outreach active",
    LeadStage.REPLIED: "Replied",
    LeadStage.COMPLETED: "Completed",
}


class StopReason(StrEnum):
    BOUNCED = "bounced"
    OPTED_OUT = "opted_out"
    BLOCKED = "blocked"
    FAILED = "failed"


_S = LeadStage
# A lead without a verified email goes from Profile enriched straight to Message generated (LinkedIn-only).
# A completed lead can be written to again by a later run; a replied lead is never automated again.
LEAD_STAGES: StateMachine[LeadStage] = StateMachine(
    "lead stage",
    {
        _S.DISCOVERED: (_S.PROFILE_ENRICHED,),
        _S.PROFILE_ENRICHED: (_S.EMAIL_ENRICHED, _S.MESSAGE_GENERATED),
        _S.EMAIL_ENRICHED: (_S.MESSAGE_GENERATED,),
        _S.MESSAGE_GENERATED: (_S.OUTREACH_ACTIVE,),
        _S.OUTREACH_ACTIVE: (_S.REPLIED, _S.COMPLETED),
        _S.REPLIED: (),
        _S.COMPLETED: (_S.MESSAGE_GENERATED, _S.OUTREACH_ACTIVE),
    },
)

# Compliance stops (opt-out, blocklist) outrank operational ones and may replace them; nothing replaces
# an opt-out.
_STOP_RANK = {StopReason.FAILED: 0, StopReason.BOUNCED: 1, StopReason.BLOCKED: 2, StopReason.OPTED_OUT: 3}


def advance(stage: LeadStage, target: LeadStage, stop_reason: StopReason | None = None) -> Transition[LeadStage]:
    """The move from `stage` to `target`, or IllegalTransition. A stopped lead never advances."""
    if stop_reason is not None:
        raise IllegalTransition("lead stage", f"{stage.value} (stopped: {stop_reason.value})", target.value, [])
    return LEAD_STAGES.move(stage, target)


def may_stop(current: StopReason | None, reason: StopReason) -> bool:
    """Whether `reason` may be recorded over the lead's current stop reason."""
    return current is None or _STOP_RANK[reason] > _STOP_RANK[current]


def check_stop(stage: LeadStage, current: StopReason | None, reason: StopReason) -> None:
    if not may_stop(current, reason):
        raise IllegalTransition(
            "lead stop reason", current.value if current else "none", reason.value,
            [r.value for r in StopReason if may_stop(current, r)],
        )
    if stage is LeadStage.REPLIED and reason in (StopReason.BOUNCED, StopReason.FAILED):
        raise IllegalTransition("lead stop reason", "replied", reason.value,
                                [StopReason.BLOCKED.value, StopReason.OPTED_OUT.value])
