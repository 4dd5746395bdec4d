from datetime import UTC, datetime, timedelta

import pytest

from outboard.core.clock import SimulatedClock, SystemClock, utc


def test_simulated_clock_runs_days_instantly_and_only_forward():
    clock = SimulatedClock(datetime(2026, 1, 1, tzinfo=UTC))
    clock.advance(timedelta(days=30))
    assert clock.now() == datetime(2026, 1, 31, tzinfo=UTC)
    with pytest.raises(ValueError):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError):
        clock.set(datetime(2025, 1, 1, tzinfo=UTC))


def test_clocks_are_timezone_aware():
    assert SystemClock().now().tzinfo is not None
    with pytest.raises(ValueError):
        SimulatedClock(datetime(2026, 1, 1))
    assert utc(datetime(2026, 1, 1)).tzinfo is UTC
