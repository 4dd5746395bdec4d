"""Plays: reusable campaign templates (goal, relationship, channel mix, sequence shape, readiness checks).

Pure data and validation. Loading the shipped TOML files lives in `outboard.plays.library`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from outboard.core.errors import ValidationError
from outboard.core.profile import LeadProfile
from outboard.core.sequence import Channel, Condition, StepSpec, validate_step
from outboard.core.writing import StepBrief


class Relationship(StrEnum):
    COLD = "cold"
    WARM = "warm"
    STALLED = "stalled"
    KNOWN = "known"


class ChannelMix(StrEnum):
    LINKEDIN_FIRST = "linkedin_first"
    EMAIL_FIRST = "email_first"
    LINKEDIN_ONLY = "linkedin_only"
    EMAIL_ONLY = "email_only"


# What a step is for. Writers read it to pick the shape of the message (an intro, a bump, a break-up).
STEP_INTENTS = {
    "connect": "LinkedIn invite with a short personal note",
    "intro": "first message: the hook, the offer, one call to action",
    "thanks": "first LinkedIn message after the invite was accepted",
    "value": "follow-up that adds proof or a second reason to talk",
    "bump": "short follow-up that brings the earlier message back up",
    "breakup": "last follow-up: closes the loop politely",
    "invite": "invitation to an event (the offer describes the event)",
    "reminder": "reminder of an earlier invitation",
    "congrats": "congratulations on a new role or milestone, then the offer",
    "reengage": "picks up a stalled conversation",
    "expand": "expansion offer to an existing customer",
}

# Readiness checks a play may ask for; the readiness engine evaluates them before launch.
READINESS_CHECKS = {
    "email_account_connected": "an email sender account is connected for the email steps",
    "linkedin_account_connected": "a LinkedIn sender account is connected for the LinkedIn steps",
    "verified_email": "leads have a verified email (others skip the email steps)",
    "linkedin_profile": "leads have a LinkedIn public id",
    "strategy_offer": "the strategy profile states an offer",
    "strategy_proof": "the strategy profile has at least one proof point",
    "strategy_call_to_action": "the strategy profile has a call to action",
    "compliance_footer": "a postal address and opt-out are set for the email footer",
    "recent_post": "leads have a recent post to use as a hook",
    "role_started_recently": "leads started their current role recently",
    "funding_milestone": "leads' companies have a funding milestone",
    "hiring_signal": "leads' companies are hiring",
    "existing_relationship": "leads are known contacts (customers, past conversations, event guests)",
    "single_active_enrollment": "no lead is already active in another sequence",
    "messages_approved": "every message is approved and passes the guardrails",
}

# Fact paths a play may require (roots of LeadProfile.fact paths).
ENRICHMENT_FIELDS = {
    "full_name", "first_name", "last_name", "headline", "title", "seniority", "function", "role_started_on",
    "company", "company.name", "company.domain", "company.size", "company.industry", "company.milestones",
    "company.hiring_for", "company.funding_stage", "city", "country", "timezone", "posts", "positions",
    "skills", "education", "email", "linkedin_id", "language", "signals",
}

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{1,62}$")


@dataclass(frozen=True)
class PlayStep:
    position: int
    channel: Channel
    delay_days: int
    condition: Condition
    intent: str
    purpose: str = ""

    def spec(self) -> StepSpec:
        return StepSpec(self.position, self.channel, self.delay_days, self.condition, self.purpose)


@dataclass(frozen=True)
class PlaySpec:
    id: str
    name: str
    goal: str
    category: str
    relationship: Relationship
    channel_mix: ChannelMix
    description: str
    steps: tuple[PlayStep, ...]
    required_fields: tuple[str, ...] = ()
    readiness_checks: tuple[str, ...] = ()
    stop_on_reply: bool = True
    tags: tuple[str, ...] = ()
    origin: str = "library"  # library | workspace

    @property
    def channels(self) -> tuple[Channel, ...]:
        """Channels in order of first use."""
        return tuple(dict.fromkeys(step.channel for step in self.steps))

    @property
    def cumulative_days(self) -> tuple[int, ...]:
        """Each step's day counted from enrollment ("Day 0, 3, 5, 7")."""
        days, total = [], 0
        for step in self.steps:
            total += step.delay_days
            days.append(total)
        return tuple(days)

    def step_specs(self) -> list[StepSpec]:
        return [step.spec() for step in self.steps]

    def briefs(self) -> list[StepBrief]:
        return step_briefs(self.steps)


def step_briefs(steps: tuple[PlayStep, ...] | list[PlayStep]) -> list[StepBrief]:
    """Briefs for the writers. A step is a follow-up when an earlier step used the same conversation
    (email thread, or LinkedIn chat: an invite opens the chat), so its email has no new subject."""
    briefs, seen_email, seen_linkedin = [], False, False
    for step in steps:
        if step.channel is Channel.EMAIL:
            follow_up = seen_email
            seen_email = True
        elif step.channel is Channel.LINKEDIN_MESSAGE:
            follow_up = seen_linkedin
            seen_linkedin = True
        else:
            follow_up, seen_linkedin = False, True
        purpose = f"{step.intent}: {step.purpose}" if step.purpose else step.intent
        briefs.append(StepBrief(step.position, step.channel, purpose, follow_up))
    return briefs


def validate_play(play: PlaySpec) -> None:
    """Cross-field rules a loader cannot express per field. Raises ValidationError naming the field."""
    if not _SLUG.match(play.id):
        raise ValidationError("id", "use 2-63 lowercase letters, digits, '-' or '_'", value=play.id)
    if not _SLUG.match(play.category):
        raise ValidationError("category", "use a lowercase slug such as outbound or re_engagement",
                              value=play.category)
    for name in ("name", "goal", "description"):
        if not str(getattr(play, name)).strip():
            raise ValidationError(name, "cannot be empty")
    if not play.steps:
        raise ValidationError("steps", "a play needs at least one step")
    for expected, step in enumerate(play.steps, start=1):
        if step.position != expected:
            raise ValidationError(f"steps[{expected}].position", f"expected position {expected}")
        validate_step(step.position, step.channel, step.delay_days, step.condition)
        if step.intent not in STEP_INTENTS:
            raise ValidationError(f"steps[{expected}].intent", f"must be one of {', '.join(STEP_INTENTS)}",
                                  value=step.intent)
    if play.steps[0].delay_days != 0:
        raise ValidationError("steps[1].delay_days", "the first step goes out on day 0")
    _check_channel_mix(play)
    _check_linkedin_order(play)
    for i, name in enumerate(play.required_fields):
        if name not in ENRICHMENT_FIELDS:
            raise ValidationError(f"required_fields[{i}]", "unknown enrichment field", value=name)
    for i, check in enumerate(play.readiness_checks):
        if check not in READINESS_CHECKS:
            raise ValidationError(f"readiness_checks[{i}]", "unknown readiness check", value=check)


def _check_channel_mix(play: PlaySpec) -> None:
    channels = set(play.channels)
    linkedin_first = play.steps[0].channel.is_linkedin
    expected = (
        ChannelMix.EMAIL_ONLY if channels == {Channel.EMAIL}
        else ChannelMix.LINKEDIN_ONLY if Channel.EMAIL not in channels
        else ChannelMix.LINKEDIN_FIRST if linkedin_first
        else ChannelMix.EMAIL_FIRST
    )
    if play.channel_mix is not expected:
        raise ValidationError("channel_mix", f"the steps make this play {expected.value}",
                              value=play.channel_mix.value)


def _check_linkedin_order(play: PlaySpec) -> None:
    """At most one invite, and it comes before any LinkedIn message (messages need a connection),
    unless the play is for known contacts who are already connected."""
    invites = [s.position for s in play.steps if s.channel is Channel.LINKEDIN_INVITE]
    if len(invites) > 1:
        raise ValidationError(f"steps[{invites[1]}].channel", "a play sends at most one LinkedIn invite")
    messages = [s.position for s in play.steps if s.channel is Channel.LINKEDIN_MESSAGE]
    if messages and invites and messages[0] < invites[0]:
        raise ValidationError(f"steps[{messages[0]}].channel", "a LinkedIn message cannot come before the invite")
    if messages and not invites and play.relationship is Relationship.COLD:
        raise ValidationError(f"steps[{messages[0]}].channel",
                              "a cold play needs a LinkedIn invite before LinkedIn messages")


def missing_fields(play: PlaySpec, lead: LeadProfile) -> list[str]:
    """The play's required enrichment fields this lead lacks (empty values count as missing)."""
    missing = []
    for path in play.required_fields:
        try:
            value = lead.fact(path)
        except (KeyError, IndexError, ValueError):
            missing.append(path)
            continue
        if value in ("", (), [], {}):
            missing.append(path)
    return missing
