"""The soak, reduced for CI: the whole pipeline for 240 leads over 30 simulated days, 4 worker processes
sending on PostgreSQL, then every rule of DESIGN.md checked (bench/bench_soak.py runs 10,000 leads)."""

from pathlib import Path

import pytest

from tests.conftest import PG_SERVER, _pg_reachable, require_service
from tests.e2e.soak import check_rules, empty_postgres_database, run_soak


@pytest.mark.slow
def test_soak_whole_pipeline_30_days_four_workers_keeps_every_rule(tmp_path: Path) -> None:
    require_service("PostgreSQL", _pg_reachable())
    with empty_postgres_database(PG_SERVER) as url:
        report = run_soak(tmp_path / "soak", url, leads=240, workers=4)
        checked = check_rules(report)
    stats = report.stats
    assert stats is not None
    # The play emails those who did not accept the invite: most leads go on over LinkedIn.
    assert stats.invites_sent > 200 and stats.linkedin_messages_sent > 100 and stats.emails_sent > 10
    assert checked["emails_relayed"] == stats.emails_sent
    assert stats.replied > 0 and stats.bounced > 0 and checked["suppressions"] > 0
    # Every enrollment has ended or waits for something it names.
    assert sum(stats.enrollments.values()) == 240
