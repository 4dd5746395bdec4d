"""The sending schedule: working days, a daily window in local time, holidays, and due times for steps.

Pure: every function takes the moment it reasons about; nothing here reads the clock.

How a sequence's times follow from each other: each step's due time is computed from the moment the
previous step actually went out (or, for a LinkedIn message, from the acceptance), never from the launch
date. So when a step lands outside the window and waits for the next one, every later step moves with it
and nothing "catches up" (Outreach's rule, and what a person writing by hand would do).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache

import holidays

from outboard.core.errors import ValidationError
from outboard.core.sequence import StepSpec

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SEARCH_DAYS = 3700  # ten years: a schedule with no working day in that span is a configuration error


@dataclass(frozen=True)
class SendingSchedule:
    """When an account may send: `days` are weekday numbers (Monday = 0); the window is [start, end) local.

    `holiday_regions` are "DE", "US", "DE-BY", "US-NY" (country, optionally a subdivision), resolved with
    the `holidays` package; `extra_holidays` are company days off. A window may not cross midnight.
    """

    days: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    start: time = time(9, 0)
    end: time = time(17, 0)
    holiday_regions: tuple[str, ...] = ()
    extra_holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if not self.days or not set(self.days) <= set(range(7)):
            raise ValidationError("schedule.days", "needs at least one weekday, numbered 0 (Mon) to 6 (Sun)",
                                  value=sorted(self.days))
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValidationError("schedule.window", "start and end are local times, without a zone")
        if not self.start < self.end:
            raise ValidationError("schedule.window", "must start before it ends (cannot cross midnight)",
                                  value=f"{self.start:%H:%M}-{self.end:%H:%M}")
        for region in self.holiday_regions:
            _holiday_dates(region, 2000)  # fail at configuration time, not at the first send

    def is_holiday(self, day: date) -> bool:
        if day in self.extra_holidays:
            return True
        return any(day in _holiday_dates(region, day.year) for region in self.holiday_regions)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.days and not self.is_holiday(day)

    def next_working_day(self, day: date) -> date:
        """The first working day on or after `day`."""
        for offset in range(_SEARCH_DAYS):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValidationError("schedule", "has no working day in ten years (check days and holidays)")

    def add_working_days(self, day: date, n: int) -> date:
        """`day` moved forward by n working days; the days counted are those after `day`."""
        if n < 0:
            raise ValidationError("delay_days", "cannot be negative", value=n)
        while n > 0:
            day = self.next_working_day(day + timedelta(days=1))
            n -= 1
        return day

    def window_seconds(self) -> int:
        return (datetime.combine(date.min, self.end) - datetime.combine(date.min, self.start)).seconds


@lru_cache(maxsize=512)
def _holiday_dates(region: str, year: int) -> frozenset[date]:
    country, _, subdiv = region.strip().upper().partition("-")
    try:
        table = holidays.country_holidays(country, subdiv=subdiv or None, years=year)
    except NotImplementedError as exc:
        raise ValidationError("schedule.holiday_regions", str(exc), value=region) from None
    return frozenset(table)


def _local(moment: datetime, tz: tzinfo) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("scheduling needs timezone-aware datetimes")
    return moment.astimezone(tz)


def _at(day: date, wall: time, tz: tzinfo) -> datetime:
    # Round-tripping through UTC settles a wall time that falls in a DST gap onto a real instant.
    return datetime.combine(day, wall, tzinfo=tz).astimezone(UTC)


def next_send_time(after: datetime, schedule: SendingSchedule, tz: tzinfo) -> datetime:
    """`after` itself when it lies inside the window on a working day, else the next window's start (UTC).

    `tz` is the recipient's timezone when known, else the sender account's.
    """
    local = _local(after, tz)
    day = local.date()
    if schedule.is_working_day(day):
        if local.time() < schedule.start:
            return _at(day, schedule.start, tz)
        if local.time() < schedule.end:
            return after.astimezone(UTC)
    return _at(schedule.next_working_day(day + timedelta(days=1)), schedule.start, tz)


def add_business_days(start: datetime, n: int, schedule: SendingSchedule, tz: tzinfo) -> datetime:
    """The same local wall-clock time n working days later (so 10:00 stays 10:00 across a DST change)."""
    local = _local(start, tz)
    if n == 0:
        return start.astimezone(UTC)
    day = schedule.add_working_days(local.date(), n)
    return _at(day, local.time(), tz)


def due_time_for_step(previous_step_time: datetime, delay_days: int, schedule: SendingSchedule, tz: tzinfo,
                      jitter: timedelta = timedelta(0)) -> datetime:
    """When a step is due: `delay_days` working days after the previous step's actual time, in the window.

    `jitter` (see `jitter_offset`) is added after the time is moved into the window, so leads that all
    wait for 09:00 do not all go at 09:00 exactly; if it pushes past the window's end, the step waits for
    the next window.
    """
    base = next_send_time(add_business_days(previous_step_time, delay_days, schedule, tz), schedule, tz)
    if not jitter:
        return base
    return next_send_time(base + jitter, schedule, tz)


def jitter_offset(*seed: object, span: timedelta) -> timedelta:
    """A stable pseudo-random offset in [0, span), whole seconds, derived from ids (lead, step, account).

    Stable on purpose: a scheduler tick that recomputes a due time must not move it each time.
    """
    seconds = int(span.total_seconds())
    if seconds <= 0:
        return timedelta(0)
    digest = hashlib.blake2b("\x1f".join(map(str, seed)).encode(), digest_size=8).digest()
    return timedelta(seconds=int.from_bytes(digest, "big") % seconds)


def cumulative_days(steps: Iterable[StepSpec] | Sequence[int]) -> list[int]:
    """Each step's day counted from the first ("Day 0, 3, 5, 7"), for the review screen.

    These are working days of the schedule; the calendar dates depend on when each lead starts.
    """
    total, days = 0, []
    for step in steps:
        total += step if isinstance(step, int) else step.delay_days
        days.append(total)
    return days
