"""A sequence's sending schedule and the timezone a lead's steps are timed in."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from outboard.core.errors import ValidationError
from outboard.db.models import Lead, SenderAccount, Sequence
from outboard.send.schedule import WEEKDAYS, SendingSchedule

JITTER_SPAN = timedelta(minutes=20)  # spread sends that share a due time across the window's start


def _clock_time(value: str, field: str) -> time:
    try:
        return time.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationError(field, "must be a time such as 09:00", value=value) from None


def _items(values: str | int | Iterable[object]) -> list[str]:
    """A list of values, or one text of several split by commas or spaces ("mon,tue", "2026-12-24 2026-12-31")."""
    texts = [values] if isinstance(values, str | int) else values
    return [item for text in texts for item in re.split(r"[\s,;]+", str(text).strip()) if item]


def parse_days(values: str | int | Iterable[object]) -> list[int]:
    """Sending days as weekday numbers (Monday = 0), sorted, from numbers (0, "3") or names ("mon", "Tue")."""
    days = set()
    for value in _items(values):
        text = value.lower()
        if text in WEEKDAYS:
            days.add(WEEKDAYS.index(text))
        elif text in _DAY_NUMBERS:
            days.add(int(text))
        else:
            raise ValidationError("schedule.days", f"{value[:20]!r} is not a day: use {', '.join(WEEKDAYS)} "
                                                   "(or 0 = Monday … 6 = Sunday)")
    if not days:
        raise ValidationError("schedule.days", "choose at least one day to send on")
    return sorted(days)


_DAY_NUMBERS = {str(n) for n in range(len(WEEKDAYS))}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_EXTRA_HOLIDAYS = 100


def _iso_date(item: str) -> date:
    try:
        if _ISO_DATE.fullmatch(item):
            return date.fromisoformat(item)
    except ValueError:
        pass
    raise ValidationError("schedule.extra_holidays", f"{item[:20]!r} is not a date such as 2026-12-24")


def parse_dates(values: str | Iterable[object]) -> list[str]:
    """Company days off as sorted ISO dates, once each (a list, or one text of several)."""
    days = {_iso_date(item) for item in _items(values)}
    if len(days) > MAX_EXTRA_HOLIDAYS:
        raise ValidationError("schedule.extra_holidays", f"at most {MAX_EXTRA_HOLIDAYS} dates")
    return [d.isoformat() for d in sorted(days)]


SCHEDULE_FIELDS = ("days", "start", "end", "holidays", "extra_holidays")


def checked_schedule(data: Mapping[str, Any]) -> dict[str, Any]:
    """A sequence's schedule as stored, from what a form, the API or the CLI was given: days as numbers or
    names, the window, holiday regions and company days off. Refuses (naming `schedule.<field>`) what the
    engine could not use; a field not given takes its default. The one parser for web, API and CLI."""
    for key in data:
        if key not in SCHEDULE_FIELDS:
            raise ValidationError(f"schedule.{key}", f"unknown schedule field: use {', '.join(SCHEDULE_FIELDS)}")
    schedule: dict[str, Any] = {
        "days": parse_days(data["days"]) if data.get("days") is not None else [0, 1, 2, 3, 4],
        "start": "09:00" if data.get("start") is None else str(data["start"]).strip(),
        "end": "17:00" if data.get("end") is None else str(data["end"]).strip(),
    }
    regions = [str(r).strip().upper() for r in data.get("holidays") or () if str(r).strip()]
    if regions:
        schedule["holidays"] = list(dict.fromkeys(regions))
    extra = parse_dates(data.get("extra_holidays") or ())
    if extra:
        schedule["extra_holidays"] = extra
    schedule_from_dict(schedule)  # the window's order and the holiday regions
    return schedule


def schedule_from_dict(data: dict[str, Any]) -> SendingSchedule:
    extra = frozenset(date.fromisoformat(d) for d in parse_dates(data.get("extra_holidays", [])))
    return SendingSchedule(
        days=frozenset(data.get("days", (0, 1, 2, 3, 4))),
        start=_clock_time(data.get("start", "09:00"), "schedule.start"),
        end=_clock_time(data.get("end", "17:00"), "schedule.end"),
        holiday_regions=tuple(data.get("holidays", ())),
        extra_holidays=extra,
    )


def schedule_of(sequence: Sequence) -> SendingSchedule:
    return schedule_from_dict(sequence.schedule or {})


def lead_timezone(lead: Lead, account: SenderAccount | None) -> ZoneInfo:
    """The recipient's timezone when known, else the sender account's, else UTC."""
    for name in (lead.timezone, account.timezone if account else None):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")
