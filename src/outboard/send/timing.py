"""A sequence's sending schedule and the timezone a lead's steps are timed in."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from outboard.core.errors import ValidationError
from outboard.db.models import Lead, SenderAccount, Sequence
from outboard.send.schedule import SendingSchedule

JITTER_SPAN = timedelta(minutes=20)  # spread sends that share a due time across the window's start


def _clock_time(value: str, field: str) -> time:
    try:
        return time.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationError(field, "must be a time such as 09:00", value=value) from None


def schedule_from_dict(data: dict[str, Any]) -> SendingSchedule:
    try:
        extra = frozenset(date.fromisoformat(d) for d in data.get("extra_holidays", []))
    except (TypeError, ValueError):
        raise ValidationError("schedule.extra_holidays", "must be dates such as 2026-12-24") from None
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
