"""Cap arithmetic for sender accounts: may this account act now, and if not, from when.

Pure: the database layer counts what was used (inside the transaction that claims the send) and passes
the counts and `now`; these functions only decide. "Today" is the account's local day in its timezone;
`day_bounds` gives the UTC range the counts must cover.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from outboard.core.errors import ValidationError
from outboard.core.sequence import Channel, StepSpec
from outboard.send.schedule import SendingSchedule, jitter_offset

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class CapCheck:
    """`allowed`, or the earliest moment it may be (None: only an outside event frees it) and why not."""

    allowed: bool
    earliest: datetime | None
    reason: str = ""


def _check_fields(prefix: str, **values: int | timedelta) -> None:
    for name, value in values.items():
        if value < (timedelta(0) if isinstance(value, timedelta) else 0):
            raise ValidationError(f"{prefix}.{name}", "cannot be negative", value=value)


@dataclass(frozen=True)
class EmailCaps:
    """A mailbox's limits. With `ramp_from` set, day k of sending allows ramp_start + k × ramp_per_day,
    up to `daily_cap` (Smartlead's +2/day ramp from 20); without it the full cap applies at once."""

    daily_cap: int = 30
    ramp_start: int = 20
    ramp_per_day: int = 2
    ramp_from: date | None = None
    min_gap: timedelta = timedelta(seconds=120)
    gap_jitter: timedelta = timedelta(seconds=60)

    def __post_init__(self) -> None:
        _check_fields("email_caps", daily_cap=self.daily_cap, ramp_start=self.ramp_start,
                      ramp_per_day=self.ramp_per_day, min_gap=self.min_gap, gap_jitter=self.gap_jitter)

    def daily_limit(self, day: date) -> int:
        if self.ramp_from is None:
            return self.daily_cap
        ramped = self.ramp_start + max((day - self.ramp_from).days, 0) * self.ramp_per_day
        return min(self.daily_cap, ramped)


@dataclass(frozen=True)
class LinkedInCaps:
    """A LinkedIn account's limits (none official; defaults from market.md 2.3): invites per local day and
    per rolling 7 days, messages per day, outstanding invites, and the gap between any two actions."""

    daily_invites: int = 20
    weekly_invites: int = 100
    daily_messages: int = 50
    pending_invites: int = 500
    min_gap: timedelta = timedelta(seconds=60)
    gap_jitter: timedelta = timedelta(seconds=60)

    def __post_init__(self) -> None:
        _check_fields("linkedin_caps", daily_invites=self.daily_invites, weekly_invites=self.weekly_invites,
                      daily_messages=self.daily_messages, pending_invites=self.pending_invites,
                      min_gap=self.min_gap, gap_jitter=self.gap_jitter)


@dataclass(frozen=True)
class EmailUsage:
    sent_today: int
    last_sent_at: datetime | None = None


@dataclass(frozen=True)
class LinkedInUsage:
    """`invite_times`: when each invite of the last 7 days went out (today's count comes from it)."""

    invite_times: Sequence[datetime] = ()
    messages_today: int = 0
    pending_invites: int = 0
    last_action_at: datetime | None = None


def day_bounds(now: datetime, tz: tzinfo) -> tuple[datetime, datetime]:
    """The account's local day containing `now`, as a UTC [start, end) range (23 or 25 h across DST)."""
    today = now.astimezone(tz).date()
    start = datetime.combine(today, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(today + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end


@dataclass
class _Verdict:
    """Collects the limits that apply; the earliest allowed moment is the latest of them."""

    now: datetime
    earliest: datetime | None = None
    reasons: list[str] = field(default_factory=list)
    forever: bool = False  # a limit only an outside event can lift (pending invites, a cap of 0)

    def wait_until(self, moment: datetime | None, reason: str) -> None:
        self.reasons.append(reason)
        if moment is None:
            self.forever = True
        else:
            self.earliest = max(self.earliest or moment, moment)

    def result(self) -> CapCheck:
        if not self.reasons:
            return CapCheck(True, self.now)
        return CapCheck(False, None if self.forever else self.earliest, "; ".join(self.reasons))


def _gap(verdict: _Verdict, last: datetime | None, gap: timedelta, jitter: timedelta, seed: object) -> None:
    if last is None:
        return
    # Jitter seeded by the last send: every check between two sends sees the same next slot.
    ready = last + gap + jitter_offset(seed, last.isoformat(), span=jitter)
    if ready > verdict.now:
        verdict.wait_until(ready, f"minimum gap between sends (next at {ready:%H:%M:%S} UTC)")


def _daily(verdict: _Verdict, used: int, limit: int, what: str, tz: tzinfo) -> None:
    if limit <= 0:
        verdict.wait_until(None, f"{what} cap is 0")
    elif used >= limit:
        verdict.wait_until(day_bounds(verdict.now, tz)[1], f"{what} cap of {limit} reached for today")


def check_email(caps: EmailCaps, usage: EmailUsage, now: datetime, tz: tzinfo, *,
                seed: object = "") -> CapCheck:
    """May this mailbox send one more email at `now`? `seed` (the account id) spreads gap jitter."""
    verdict = _Verdict(now)
    _daily(verdict, usage.sent_today, caps.daily_limit(now.astimezone(tz).date()), "daily email", tz)
    _gap(verdict, usage.last_sent_at, caps.min_gap, caps.gap_jitter, seed)
    return verdict.result()


def check_linkedin(caps: LinkedInCaps, usage: LinkedInUsage, channel: Channel, now: datetime, tz: tzinfo, *,
                   seed: object = "") -> CapCheck:
    """May this LinkedIn account send one more invite or message at `now`?"""
    verdict = _Verdict(now)
    if channel is Channel.LINKEDIN_INVITE:
        if usage.pending_invites >= caps.pending_invites:
            verdict.wait_until(None, f"{usage.pending_invites} invites pending (ceiling "
                                     f"{caps.pending_invites}): wait for acceptances or withdrawals")
        start_of_day = day_bounds(now, tz)[0]
        recent = sorted(t for t in usage.invite_times if t > now - WEEK)
        _daily(verdict, sum(t >= start_of_day for t in recent), caps.daily_invites, "daily invite", tz)
        if caps.weekly_invites <= 0:
            verdict.wait_until(None, "weekly invite cap is 0")
        elif len(recent) >= caps.weekly_invites:
            # Free again once enough of the oldest invites have left the 7-day window.
            frees_at = recent[len(recent) - caps.weekly_invites] + WEEK
            verdict.wait_until(frees_at, f"{caps.weekly_invites} invites in the last 7 days")
    elif channel is Channel.LINKEDIN_MESSAGE:
        _daily(verdict, usage.messages_today, caps.daily_messages, "daily message", tz)
    else:
        raise ValueError(f"not a LinkedIn channel: {channel}")
    _gap(verdict, usage.last_action_at, caps.min_gap, caps.gap_jitter, seed)
    return verdict.result()


def _per_day_by_gap(schedule: SendingSchedule, gap: timedelta, jitter: timedelta) -> int:
    spacing = (gap + jitter / 2).total_seconds()
    return schedule.window_seconds() // int(spacing) if spacing >= 1 else 10**9


def finish_date_estimate(n_leads: int, steps: Sequence[StepSpec], caps: Sequence[EmailCaps | LinkedInCaps],
                         schedule: SendingSchedule, start: date) -> date | None:
    """The day the last lead's last step would go out with these accounts, or None if never (a channel
    with no capacity) or not within three years. For the readiness finding "cap too low for the volume".

    A day-by-day simulation of counts, so it costs the same for 10 or 100,000 leads. Follow-ups take
    capacity before new leads. It assumes the worst about volume and the best about people: every lead
    gets every step (no replies, everyone has an email), and every invite is accepted the day it is sent.
    LinkedIn accounts are pooled (the scheduler spreads leads across them); pending-invite ceilings are
    left out because acceptances and withdrawals keep them moving.
    """
    if n_leads <= 0 or not steps:
        return start
    emails = [c for c in caps if isinstance(c, EmailCaps)]
    links = [c for c in caps if isinstance(c, LinkedInCaps)]
    waiting: list[dict[date, int]] = [{} for _ in steps]  # per step: due day -> leads waiting
    waiting[0][schedule.add_working_days(start, steps[0].delay_days)] = n_leads
    invites_by_day: dict[date, int] = {}
    left, last_day, day = n_leads * len(steps), start, start
    for _ in range(3 * 366):
        if not schedule.is_working_day(day):
            day += timedelta(days=1)
            continue
        li_actions = sum(_per_day_by_gap(schedule, c.min_gap, c.gap_jitter) for c in links)
        week_used = sum(invites_by_day.get(day - timedelta(days=k), 0) for k in range(1, 7))
        budget = {
            Channel.EMAIL: sum(min(c.daily_limit(day), _per_day_by_gap(schedule, c.min_gap, c.gap_jitter))
                               for c in emails),
            Channel.LINKEDIN_INVITE: max(0, min(sum(c.daily_invites for c in links),
                                                sum(c.weekly_invites for c in links) - week_used)),
            Channel.LINKEDIN_MESSAGE: sum(c.daily_messages for c in links),
        }
        progress = True
        while progress:  # repeat: a step sent today may make a 0-day follow-up due today
            progress = False
            for i in reversed(range(len(steps))):  # follow-ups before new leads
                channel = steps[i].channel
                take = budget[channel] if channel is Channel.EMAIL else min(budget[channel], li_actions)
                sent = _take_due(waiting[i], day, take)
                if not sent:
                    continue
                budget[channel] -= sent
                if channel.is_linkedin:
                    li_actions -= sent
                if channel is Channel.LINKEDIN_INVITE:
                    invites_by_day[day] = invites_by_day.get(day, 0) + sent
                if i + 1 < len(steps):
                    due = schedule.add_working_days(day, steps[i + 1].delay_days)
                    waiting[i + 1][due] = waiting[i + 1].get(due, 0) + sent
                left, last_day, progress = left - sent, day, True
        if left == 0:
            return last_day
        day += timedelta(days=1)
    return None


def _take_due(waiting: dict[date, int], day: date, limit: int) -> int:
    """Remove up to `limit` leads whose due day has come, oldest first; return how many."""
    taken = 0
    for due in sorted(d for d in waiting if d <= day):
        if taken >= limit:
            break
        n = min(waiting[due], limit - taken)
        taken += n
        waiting[due] -= n
        if not waiting[due]:
            del waiting[due]
    return taken
