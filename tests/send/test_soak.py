"""The soak test, reduced for CI: 240 leads, 30 simulated days, 4 worker processes on PostgreSQL."""

import pytest

from outboard.devservers.mx import MxServer
from tests.send.soak import check_rules, run_soak


@pytest.mark.slow
def test_soak_30_days_with_four_workers_keeps_every_rule(rt, workspace_id):
    if not rt.db.is_postgres:
        pytest.skip("the soak runs on PostgreSQL with worker processes")
    with MxServer.sink() as sink:
        result = run_soak(rt, workspace_id, sink, leads=240, workers=4, days=30)
        check_rules(rt, sink)
    assert result.sent["linkedin_invite"] > 0 and result.sent["email"] > 0 and result.replied > 0
    assert result.delivered == result.sent["email"]
