"""Caps hold to the message: exactly N a day, the next one refused with the moment it may go."""

from __future__ import annotations

import time as stopwatch
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from outboard.core.errors import ValidationError
from outboard.core.sequence import Channel, StepSpec
from outboard.send.caps import (
    EmailCaps,
    EmailUsage,
    LinkedInCaps,
    LinkedInUsage,
    check_email,
    check_linkedin,
    day_bounds,
    finish_date_estimate,
)
from outboard.send.schedule import SendingSchedule

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN)
NO_GAP = {"min_gap": timedelta(0), "gap_jitter": timedelta(0)}


def test_exactly_the_daily_cap_is_allowed_and_the_next_waits_for_local_midnight() -> None:
    caps = EmailCaps(daily_cap=30, **NO_GAP)
    now = MONDAY + timedelta(hours=3)
    assert all(check_email(caps, EmailUsage(sent), now, BERLIN).allowed for sent in range(30))
    refused = check_email(caps, EmailUsage(30), now, BERLIN)
    assert not refused.allowed
    assert refused.earliest == datetime(2026, 3, 3, 0, 0, tzinfo=BERLIN)
    assert "30" in refused.reason


def test_ramp_up_for_a_new_account() -> None:
    caps = EmailCaps(daily_cap=30, ramp_start=20, ramp_per_day=2, ramp_from=date(2026, 3, 2))
    assert [caps.daily_limit(date(2026, 3, 2) + timedelta(days=k)) for k in range(7)] == [20, 22, 24, 26, 28, 30, 30]
    assert caps.daily_limit(date(2026, 3, 1)) == 20  # before the first day: the starting figure
    assert not check_email(caps, EmailUsage(20), MONDAY, BERLIN).allowed
    assert check_email(caps, EmailUsage(20), MONDAY + timedelta(days=1), BERLIN).allowed
    assert EmailCaps(daily_cap=30).daily_limit(date(2026, 3, 2)) == 30


def test_minimum_gap_with_stable_jitter() -> None:
    caps = EmailCaps(min_gap=timedelta(seconds=120), gap_jitter=timedelta(seconds=60))
    last = MONDAY.astimezone(UTC)
    first = check_email(caps, EmailUsage(1, last), last + timedelta(seconds=30), BERLIN, seed="acct-1")
    again = check_email(caps, EmailUsage(1, last), last + timedelta(seconds=50), BERLIN, seed="acct-1")
    assert not first.allowed and first.earliest == again.earliest
    assert first.earliest is not None
    assert last + timedelta(seconds=120) <= first.earliest < last + timedelta(seconds=180)
    assert check_email(caps, EmailUsage(1, last), first.earliest, BERLIN, seed="acct-1").allowed
    spread = {check_email(caps, EmailUsage(1, last), last, BERLIN, seed=f"acct-{i}").earliest for i in range(50)}
    assert len(spread) > 20


def test_a_simulated_week_of_email_never_exceeds_the_cap_or_the_gap() -> None:
    caps = EmailCaps(daily_cap=25, min_gap=timedelta(seconds=300), gap_jitter=timedelta(seconds=120))
    now, sent = MONDAY.astimezone(UTC), list[datetime]()
    while now < MONDAY + timedelta(days=7):
        start, _ = day_bounds(now, BERLIN)
        usage = EmailUsage(sum(t >= start for t in sent), sent[-1] if sent else None)
        verdict = check_email(caps, usage, now, BERLIN, seed="acct")
        if verdict.allowed:
            sent.append(now)
        else:
            assert verdict.earliest is not None and verdict.earliest > now
            now = verdict.earliest
    assert set(Counter(t.astimezone(BERLIN).date() for t in sent).values()) == {25}
    assert min(b - a for a, b in pairwise(sent)) >= timedelta(seconds=300)


def test_day_bounds_follow_the_local_day_across_dst() -> None:
    start, end = day_bounds(datetime(2026, 3, 29, 12, tzinfo=UTC), BERLIN)
    assert (start, end - start) == (datetime(2026, 3, 28, 23, tzinfo=UTC), timedelta(hours=23))


def test_linkedin_daily_invites_to_the_invite() -> None:
    caps = LinkedInCaps(daily_invites=20, weekly_invites=100, **NO_GAP)
    now = MONDAY + timedelta(hours=8)
    times = [MONDAY + timedelta(minutes=i) for i in range(19)]
    assert check_linkedin(caps, LinkedInUsage(times), Channel.LINKEDIN_INVITE, now, BERLIN).allowed
    refused = check_linkedin(caps, LinkedInUsage([*times, now]), Channel.LINKEDIN_INVITE, now, BERLIN)
    assert not refused.allowed and refused.earliest == datetime(2026, 3, 3, tzinfo=BERLIN)
    yesterday = [t - timedelta(days=1) for t in times]  # yesterday's invites count for the week only
    assert check_linkedin(caps, LinkedInUsage(yesterday * 2), Channel.LINKEDIN_INVITE, now, BERLIN).allowed


def test_rolling_seven_day_invite_cap_frees_when_the_oldest_invite_leaves_the_window() -> None:
    caps = LinkedInCaps(daily_invites=30, weekly_invites=100, **NO_GAP)
    # 25 invites a day from Monday to Thursday, at 10:00 + i minutes.
    times = [MONDAY + timedelta(days=d, hours=1, minutes=i) for d in range(4) for i in range(25)]
    friday = MONDAY + timedelta(days=4, hours=3)
    refused = check_linkedin(caps, LinkedInUsage(times), Channel.LINKEDIN_INVITE, friday, BERLIN)
    assert not refused.allowed and "7 days" in refused.reason
    assert refused.earliest == times[0] + timedelta(days=7)  # next Monday 10:00, not "next week"
    assert check_linkedin(caps, LinkedInUsage(times), Channel.LINKEDIN_INVITE, refused.earliest, BERLIN).allowed
    # Had 3 invites more been sent, 3 more of the oldest must leave first.
    more = [*times, *(friday - timedelta(minutes=k) for k in range(1, 4))]
    assert check_linkedin(caps, LinkedInUsage(more), Channel.LINKEDIN_INVITE, friday, BERLIN).earliest == \
        times[3] + timedelta(days=7)


def test_three_simulated_weeks_of_invites_hold_both_caps() -> None:
    caps = LinkedInCaps(daily_invites=20, weekly_invites=70, min_gap=timedelta(minutes=2),
                        gap_jitter=timedelta(minutes=1))
    now, sent = MONDAY.astimezone(UTC), list[datetime]()
    while now < MONDAY + timedelta(days=21):
        usage = LinkedInUsage(sent, last_action_at=sent[-1] if sent else None)
        verdict = check_linkedin(caps, usage, Channel.LINKEDIN_INVITE, now, BERLIN, seed="li-1")
        if verdict.allowed:
            sent.append(now)
        else:
            assert verdict.earliest is not None and verdict.earliest > now
            now = verdict.earliest
    for t in sent:
        assert sum(t - timedelta(days=7) < u <= t for u in sent) <= 70
        start, end = day_bounds(t, BERLIN)
        assert sum(start <= u < end for u in sent) <= 20
    assert len(sent) >= 3 * 70 - 20


def test_pending_invite_ceiling_has_no_earliest_time() -> None:
    caps = LinkedInCaps(pending_invites=500)
    refused = check_linkedin(caps, LinkedInUsage(pending_invites=500), Channel.LINKEDIN_INVITE, MONDAY, BERLIN)
    assert not refused.allowed and refused.earliest is None and "pending" in refused.reason
    # Messages are not held back by pending invites.
    assert check_linkedin(caps, LinkedInUsage(pending_invites=500), Channel.LINKEDIN_MESSAGE, MONDAY, BERLIN).allowed


def test_linkedin_daily_messages_and_shared_action_gap() -> None:
    caps = LinkedInCaps(daily_messages=50, min_gap=timedelta(seconds=60), gap_jitter=timedelta(0))
    assert not check_linkedin(caps, LinkedInUsage(messages_today=50), Channel.LINKEDIN_MESSAGE, MONDAY,
                              BERLIN).allowed
    after_invite = LinkedInUsage(messages_today=3, last_action_at=MONDAY)
    gap = check_linkedin(caps, after_invite, Channel.LINKEDIN_MESSAGE, MONDAY + timedelta(seconds=10), BERLIN)
    assert gap.earliest == MONDAY + timedelta(seconds=60)
    with pytest.raises(ValueError):
        check_linkedin(caps, LinkedInUsage(), Channel.EMAIL, MONDAY, BERLIN)


def test_a_cap_of_zero_never_allows() -> None:
    verdict = check_email(EmailCaps(daily_cap=0), EmailUsage(0), MONDAY, BERLIN)
    assert not verdict.allowed and verdict.earliest is None


def test_negative_caps_are_refused() -> None:
    with pytest.raises(ValidationError, match="daily_cap"):
        EmailCaps(daily_cap=-1)
    with pytest.raises(ValidationError, match="min_gap"):
        LinkedInCaps(min_gap=timedelta(seconds=-1))


WEEKDAYS = SendingSchedule()
START = date(2026, 3, 2)  # a Monday


def test_finish_estimate_one_email_step() -> None:
    steps = [StepSpec(1, Channel.EMAIL, 0)]
    assert finish_date_estimate(100, steps, [EmailCaps(daily_cap=30, **NO_GAP)], WEEKDAYS, START) == \
        date(2026, 3, 5)  # 30 + 30 + 30 + 10
    two_accounts = [EmailCaps(daily_cap=30, **NO_GAP)] * 2
    assert finish_date_estimate(100, steps, two_accounts, WEEKDAYS, START) == date(2026, 3, 3)
    assert finish_date_estimate(0, steps, [], WEEKDAYS, START) == START


def test_finish_estimate_follow_ups_before_new_leads() -> None:
    steps = [StepSpec(1, Channel.EMAIL, 0), StepSpec(2, Channel.EMAIL, 3)]
    # Mon 30 and Tue 30 first emails; their follow-ups fall due Thu and Fri.
    assert finish_date_estimate(60, steps, [EmailCaps(daily_cap=30, **NO_GAP)], WEEKDAYS, START) == \
        date(2026, 3, 6)
    # 120 leads: Mon-Wed 90 first emails; Thu, Fri and Mon go to their follow-ups, so the last 30 new
    # leads wait until Tuesday 10 March, and their follow-ups go out on Friday 13 March.
    assert finish_date_estimate(120, steps, [EmailCaps(daily_cap=30, **NO_GAP)], WEEKDAYS, START) == \
        date(2026, 3, 13)


def test_finish_estimate_respects_ramp_and_gap() -> None:
    steps = [StepSpec(1, Channel.EMAIL, 0)]
    ramped = EmailCaps(daily_cap=30, ramp_start=10, ramp_per_day=10, ramp_from=START, **NO_GAP)
    assert finish_date_estimate(60, steps, [ramped], WEEKDAYS, START) == date(2026, 3, 4)  # 10 + 20 + 30
    gapped = EmailCaps(daily_cap=1000, min_gap=timedelta(seconds=120), gap_jitter=timedelta(seconds=60))
    # An 8-hour window at one email per 150 s on average: 192 a day.
    assert finish_date_estimate(192 * 2, steps, [gapped], WEEKDAYS, START) == date(2026, 3, 3)
    assert finish_date_estimate(192 * 2 + 1, steps, [gapped], WEEKDAYS, START) == date(2026, 3, 4)


def test_finish_estimate_rolling_week_of_invites() -> None:
    steps = [StepSpec(1, Channel.LINKEDIN_INVITE, 0)]
    caps = [LinkedInCaps(daily_invites=30, weekly_invites=100, **NO_GAP)]
    # Week 1: 30, 30, 30, 10, then 0 on Friday; week 2 the same; week 3: 30, 20.
    assert finish_date_estimate(250, steps, caps, WEEKDAYS, START) == date(2026, 3, 17)


def test_finish_estimate_without_capacity_for_a_channel_is_none() -> None:
    steps = [StepSpec(1, Channel.LINKEDIN_INVITE, 0), StepSpec(2, Channel.EMAIL, 2)]
    assert finish_date_estimate(10, steps, [LinkedInCaps()], WEEKDAYS, START) is None


def test_finish_estimate_costs_the_same_for_many_leads() -> None:
    steps = [StepSpec(1, Channel.LINKEDIN_INVITE, 0), StepSpec(2, Channel.LINKEDIN_MESSAGE, 2),
             StepSpec(3, Channel.EMAIL, 2), StepSpec(4, Channel.EMAIL, 3)]
    accounts = [LinkedInCaps(), *[EmailCaps(daily_cap=50) for _ in range(20)]]
    began = stopwatch.perf_counter()
    finish = finish_date_estimate(2000, steps, accounts, WEEKDAYS, START)
    assert finish is not None and finish > START + timedelta(days=100)  # 2,000 invites at 100 a week
    assert stopwatch.perf_counter() - began < 1.0
