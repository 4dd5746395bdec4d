"""Working days, windows and holidays, across timezones and DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from outboard.core.errors import ValidationError
from outboard.core.sequence import Channel, StepSpec
from outboard.send.schedule import (
    SendingSchedule,
    add_business_days,
    cumulative_days,
    due_time_for_step,
    jitter_offset,
    next_send_time,
)

BERLIN, NEW_YORK, TOKYO = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")
WEEKDAYS = SendingSchedule()  # Mon-Fri, 09:00-17:00, no holidays


def at(tz: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=tz)  # type: ignore[misc]


def test_a_moment_inside_the_window_is_sent_as_is() -> None:
    moment = at(BERLIN, 2026, 3, 2, 10, 15)  # Monday
    assert next_send_time(moment, WEEKDAYS, BERLIN) == moment
    assert next_send_time(moment, WEEKDAYS, BERLIN).tzinfo == UTC


@pytest.mark.parametrize(("local", "expected"), [
    ((2026, 3, 2, 7, 0), (2026, 3, 2, 9, 0)),  # Monday before the window: same day
    ((2026, 3, 2, 17, 0), (2026, 3, 3, 9, 0)),  # the end is exclusive: next day
    ((2026, 3, 6, 18, 0), (2026, 3, 9, 9, 0)),  # Friday evening: Monday
    ((2026, 3, 7, 12, 0), (2026, 3, 9, 9, 0)),  # Saturday: Monday
])
def test_moments_outside_the_window_move_to_the_next_window(local: tuple[int, ...],
                                                            expected: tuple[int, ...]) -> None:
    assert next_send_time(at(BERLIN, *local), WEEKDAYS, BERLIN) == at(BERLIN, *expected)


def test_the_window_is_in_the_recipients_timezone() -> None:
    moment = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)  # 14:00 Berlin, 08:00 New York, 22:00 Tokyo
    assert next_send_time(moment, WEEKDAYS, BERLIN) == moment
    assert next_send_time(moment, WEEKDAYS, NEW_YORK) == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    assert next_send_time(moment, WEEKDAYS, TOKYO) == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(("tz", "before", "after"), [
    (BERLIN, date(2026, 3, 27), date(2026, 3, 30)),  # CET -> CEST on Sunday 29 March
    (NEW_YORK, date(2026, 3, 6), date(2026, 3, 9)),  # EST -> EDT on Sunday 8 March
    (BERLIN, date(2026, 10, 23), date(2026, 10, 26)),  # CEST -> CET on Sunday 25 October
    (NEW_YORK, date(2026, 10, 30), date(2026, 11, 2)),  # EDT -> EST on Sunday 1 November
])
def test_the_window_stays_9_to_17_local_across_a_dst_change(tz: ZoneInfo, before: date, after: date) -> None:
    friday_evening = datetime.combine(before, time(17, 30), tzinfo=tz)
    monday_start = next_send_time(friday_evening, WEEKDAYS, tz)
    assert monday_start.astimezone(tz) == datetime.combine(after, time(9), tzinfo=tz)
    friday_start = datetime.combine(before, time(9), tzinfo=tz)
    assert (monday_start - friday_start.astimezone(UTC)) != timedelta(days=3)  # the UTC offset moved
    assert add_business_days(datetime.combine(before, time(16, 59), tzinfo=tz), 1, WEEKDAYS, tz) \
        .astimezone(tz).time() == time(16, 59)


def test_every_window_of_a_dst_week_opens_at_9_local() -> None:
    for day in range(23, 34):  # 23 March to 2 April 2026, over Berlin's change
        midnight = datetime(2026, 3, 1, tzinfo=BERLIN) + timedelta(days=day - 1)
        opens = next_send_time(midnight.replace(hour=0), WEEKDAYS, BERLIN).astimezone(BERLIN)
        assert opens.time() == time(9) and opens.weekday() < 5


def test_a_window_start_inside_the_dst_gap_lands_on_a_real_instant() -> None:
    night = SendingSchedule(days=frozenset(range(7)), start=time(2, 30), end=time(5, 0))
    opens = next_send_time(at(BERLIN, 2026, 3, 29, 1, 0), night, BERLIN)
    assert opens == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST: the wall clock skipped 02:30
    assert time(2, 30) <= opens.astimezone(BERLIN).time() < time(5, 0)


def test_business_days_skip_weekends() -> None:
    thursday = at(BERLIN, 2026, 3, 5, 11, 0)
    assert add_business_days(thursday, 1, WEEKDAYS, BERLIN) == at(BERLIN, 2026, 3, 6, 11, 0)
    assert add_business_days(thursday, 2, WEEKDAYS, BERLIN) == at(BERLIN, 2026, 3, 9, 11, 0)
    assert add_business_days(thursday, 0, WEEKDAYS, BERLIN) == thursday
    saturday = at(BERLIN, 2026, 3, 7, 11, 0)
    assert add_business_days(saturday, 1, WEEKDAYS, BERLIN) == at(BERLIN, 2026, 3, 9, 11, 0)


def test_holidays_of_the_configured_regions_are_not_working_days() -> None:
    german = SendingSchedule(holiday_regions=("DE",))
    maundy_thursday = at(BERLIN, 2026, 4, 2, 10, 0)  # Good Friday 3 April, Easter Monday 6 April
    assert add_business_days(maundy_thursday, 1, WEEKDAYS, BERLIN) == at(BERLIN, 2026, 4, 3, 10, 0)
    assert add_business_days(maundy_thursday, 1, german, BERLIN) == at(BERLIN, 2026, 4, 7, 10, 0)
    assert next_send_time(at(BERLIN, 2026, 4, 2, 18, 0), german, BERLIN) == at(BERLIN, 2026, 4, 7, 9, 0)
    bavarian = SendingSchedule(holiday_regions=("DE-BY",))
    assert bavarian.is_holiday(date(2026, 1, 6)) and not german.is_holiday(date(2026, 1, 6))  # Epiphany
    new_york = SendingSchedule(holiday_regions=("US-NY",))
    assert next_send_time(at(NEW_YORK, 2026, 7, 2, 18, 0), new_york, NEW_YORK) == at(NEW_YORK, 2026, 7, 6, 9, 0)


def test_extra_company_holidays() -> None:
    schedule = SendingSchedule(extra_holidays=frozenset({date(2026, 3, 3)}))
    assert add_business_days(at(BERLIN, 2026, 3, 2, 10), 1, schedule, BERLIN) == at(BERLIN, 2026, 3, 4, 10)


@pytest.mark.parametrize("kwargs", [
    {"days": frozenset()}, {"days": frozenset({7})}, {"start": time(17), "end": time(9)},
    {"start": time(9), "end": time(9)}, {"holiday_regions": ("XX",)}, {"holiday_regions": ("DE-ZZ",)},
])
def test_bad_schedules_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        SendingSchedule(**kwargs)  # type: ignore[arg-type]


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_send_time(datetime(2026, 3, 2, 10, 0), WEEKDAYS, BERLIN)


def test_due_time_counts_business_days_from_the_previous_step_and_lands_in_the_window() -> None:
    friday = at(BERLIN, 2026, 3, 6, 16, 50)
    assert due_time_for_step(friday, 2, WEEKDAYS, BERLIN) == at(BERLIN, 2026, 3, 10, 16, 50)
    assert due_time_for_step(friday, 0, WEEKDAYS, BERLIN) == friday


def test_a_delay_that_lands_outside_the_window_moves_every_later_step() -> None:
    accepted = at(BERLIN, 2026, 3, 3, 21, 0)  # a LinkedIn invite accepted on Tuesday evening
    step2 = due_time_for_step(accepted, 1, WEEKDAYS, BERLIN)
    assert step2 == at(BERLIN, 2026, 3, 5, 9, 0)  # Wednesday 21:00 is outside: Thursday 09:00
    step3 = due_time_for_step(step2, 2, WEEKDAYS, BERLIN)  # computed from when step 2 actually went
    assert step3 == at(BERLIN, 2026, 3, 9, 9, 0)  # Monday, not Friday: nothing catches up


def test_jitter_is_stable_bounded_and_spreads_leads() -> None:
    span = timedelta(minutes=30)
    offsets = [jitter_offset("seq-1", lead, 2, span=span) for lead in range(200)]
    assert offsets == [jitter_offset("seq-1", lead, 2, span=span) for lead in range(200)]
    assert all(timedelta(0) <= o < span for o in offsets)
    assert len(set(offsets)) > 150
    assert jitter_offset("x", span=timedelta(0)) == timedelta(0)


def test_jittered_due_times_stay_inside_the_window() -> None:
    late = at(BERLIN, 2026, 3, 2, 16, 45)
    for lead in range(100):
        due = due_time_for_step(late, 0, WEEKDAYS, BERLIN, jitter_offset(lead, span=timedelta(minutes=30)))
        local = due.astimezone(BERLIN)
        assert time(9) <= local.time() < time(17) and local >= late


def test_cumulative_days_for_the_review_screen() -> None:
    steps = [StepSpec(1, Channel.LINKEDIN_INVITE, 0), StepSpec(2, Channel.LINKEDIN_MESSAGE, 3),
             StepSpec(3, Channel.EMAIL, 2), StepSpec(4, Channel.EMAIL, 2)]
    assert cumulative_days(steps) == [0, 3, 5, 7]
    assert cumulative_days([1, 2]) == [1, 3]
