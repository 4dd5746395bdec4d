"""The task list puts what is due first: invites done and still waiting for an answer (most are never
accepted) never push a due task out of the page."""

from __future__ import annotations

from datetime import timedelta

from outboard.runtime import Runtime
from outboard.send.linkedin_tasks import mark_task, open_tasks
from outboard.send.scheduler import tick
from tests.send.conftest import Server
from tests.send.engine_setup import build_campaign


def test_open_tasks_come_before_invites_waiting_for_acceptance(rt: Runtime, workspace_id: int,
                                                               smtp_server: Server) -> None:
    build_campaign(rt, workspace_id, 12, smtp_server.port)
    rt.clock.advance(timedelta(hours=2))
    tick(rt)
    with rt.db.transaction() as session:
        invites = open_tasks(session, workspace_id)
        assert len(invites) == 12 and {t.state for t in invites} == {"open"}
        done = invites[:8]
        for task in done:  # sent; nobody has answered yet
            mark_task(session, workspace_id, task.id, "done", rt.clock.now())
    with rt.db.sessions() as session:
        page = open_tasks(session, workspace_id, limit=4)
        assert [t.state for t in page] == ["open"] * 4
        assert {t.id for t in page} == {t.id for t in invites[8:]}
        everything = open_tasks(session, workspace_id)
        assert [t.state for t in everything] == ["open"] * 4 + ["done"] * 8
