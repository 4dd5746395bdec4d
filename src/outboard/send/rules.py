"""Whether a step applies to a lead, and why not: pure checks with a reason a person can read."""

from __future__ import annotations

from dataclasses import dataclass

from outboard.core.sequence import Channel, Condition


@dataclass(frozen=True)
class LeadReach:
    """What the engine knows about how a lead can be reached, at the moment it decides."""

    email_sendable: bool  # a verified email (or catch_all when the sequence allows risky addresses)
    has_linkedin: bool
    connected: bool  # 1st-degree connection
    invite_pending: bool
    invite_withdrawn: bool
    replied: bool


@dataclass(frozen=True)
class Decision:
    go: bool
    wait_for_acceptance: bool = False
    reason: str = ""
    wait_for_account: bool = False  # the step applies, but the lead's account is paused: hold it


ACCOUNT_PAUSED = "account_paused"  # the waiting reason of a step held for a paused account


def step_decision(channel: Channel, condition: Condition, reach: LeadReach, *, has_account: bool,
                  account_paused: bool = False) -> Decision:
    """Go, wait for an invite to be accepted, wait for a paused account, or skip with the reason (rules 5
    and the conditions). A paused account holds a step that would go; it never makes a step skip."""
    decision = _lead_decision(channel, condition, reach, has_account=has_account or account_paused)
    if decision.go and account_paused:
        return Decision(False, wait_for_account=True, reason=ACCOUNT_PAUSED)
    return decision


def _lead_decision(channel: Channel, condition: Condition, reach: LeadReach, *, has_account: bool) -> Decision:
    if condition is Condition.NO_REPLY and reach.replied:
        return Decision(False, reason="the lead replied (step runs only without a reply)")
    if not has_account:
        kind = "email" if channel is Channel.EMAIL else "LinkedIn"
        return Decision(False, reason=f"no {kind} account on the sequence")
    if channel is Channel.EMAIL:
        return Decision(True) if reach.email_sendable else Decision(False, reason="no verified email")
    if not reach.has_linkedin:
        return Decision(False, reason="no LinkedIn profile")
    if channel is Channel.LINKEDIN_INVITE:
        return Decision(False, reason="already connected") if reach.connected else Decision(True)
    if reach.connected:
        return Decision(True)
    if reach.invite_pending:
        return Decision(False, wait_for_acceptance=True, reason="waiting for the invite to be accepted")
    why = "invite withdrawn after no acceptance" if reach.invite_withdrawn else "not connected on LinkedIn"
    return Decision(False, reason=why)
