"""Every legal lead-stage move works; every illegal one is refused and changes nothing."""

import itertools

import pytest

from outboard.core.errors import IllegalTransition
from outboard.core.stages import LEAD_STAGES, LeadStage, StopReason, advance, check_stop, may_stop

LEGAL = {
    (LeadStage.DISCOVERED, LeadStage.PROFILE_ENRICHED),
    (LeadStage.PROFILE_ENRICHED, LeadStage.EMAIL_ENRICHED),
    (LeadStage.PROFILE_ENRICHED, LeadStage.MESSAGE_GENERATED),
    (LeadStage.EMAIL_ENRICHED, LeadStage.MESSAGE_GENERATED),
    (LeadStage.MESSAGE_GENERATED, LeadStage.OUTREACH_ACTIVE),
    (LeadStage.OUTREACH_ACTIVE, LeadStage.REPLIED),
    (LeadStage.OUTREACH_ACTIVE, LeadStage.COMPLETED),
    (LeadStage.COMPLETED, LeadStage.MESSAGE_GENERATED),
    (LeadStage.COMPLETED, LeadStage.OUTREACH_ACTIVE),
}


@pytest.mark.parametrize("source,target", sorted(LEGAL))
def test_legal_stage_moves_are_allowed(source, target):
    move = advance(source, target)
    assert (move.source, move.target) == (source, target)


@pytest.mark.parametrize(
    "source,target", [p for p in itertools.product(LeadStage, LeadStage) if p not in LEGAL]
)
def test_illegal_stage_moves_are_refused_with_the_allowed_ones_named(source, target):
    with pytest.raises(IllegalTransition) as raised:
        advance(source, target)
    assert source.value in str(raised.value) and target.value in str(raised.value)


def test_a_stopped_lead_never_advances():
    with pytest.raises(IllegalTransition, match="stopped: opted_out"):
        advance(LeadStage.OUTREACH_ACTIVE, LeadStage.COMPLETED, StopReason.OPTED_OUT)


def test_replied_is_final():
    assert LEAD_STAGES.is_final(LeadStage.REPLIED)


@pytest.mark.parametrize("current,reason,allowed", [
    (None, StopReason.FAILED, True),
    (StopReason.FAILED, StopReason.BOUNCED, True),
    (StopReason.BOUNCED, StopReason.OPTED_OUT, True),
    (StopReason.BLOCKED, StopReason.OPTED_OUT, True),
    (StopReason.OPTED_OUT, StopReason.BLOCKED, False),
    (StopReason.OPTED_OUT, StopReason.FAILED, False),
    (StopReason.BLOCKED, StopReason.BOUNCED, False),
])
def test_stronger_stop_reasons_replace_weaker_ones_only(current, reason, allowed):
    assert may_stop(current, reason) is allowed


def test_a_replied_lead_can_opt_out_but_not_bounce():
    check_stop(LeadStage.REPLIED, None, StopReason.OPTED_OUT)
    with pytest.raises(IllegalTransition):
        check_stop(LeadStage.REPLIED, None, StopReason.BOUNCED)
