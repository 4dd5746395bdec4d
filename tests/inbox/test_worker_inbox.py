"""The worker loop with the inbox in it: a reply APPENDed to the IMAP server is read by the IDLE thread and
stops the lead's sequence within seconds, with the worker running as `outboard worker` runs it."""

from __future__ import annotations

import contextlib
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from outboard.db.models import Enrollment
from outboard.inbox import tasks
from outboard.jobs.registry import lookup
from outboard.jobs.worker import run_worker
from outboard.send.campaigns import StepInput
from tests.inbox.conftest import MAILBOX_USER, connect_mailbox, reply_to, sent_to
from tests.send.engine_setup import build_campaign, run_days


class _Stop(Exception):
    pass


# Real time, on one database: the sync's database code runs on both in the other tests.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_worker_reads_a_reply_by_idle_and_stops_the_sequence(rt, workspace_id, sink, imap, no_idle_threads_left):
    campaign = build_campaign(rt, workspace_id, 1, sink.port, with_email=lambda i: True, play="cold-email-first",
                              steps=[StepInput("email", 0, "always", "intro"), StepInput("email", 2, "no_reply")])
    connect_mailbox(rt, campaign.email_account_id, imap, poll_seconds=300)  # only IDLE can be this fast
    run_days(rt, 1, step=timedelta(hours=2))
    [ours] = sent_to(sink, "lead0@prospect.test")
    stop = threading.Event()

    def check(_result: object) -> None:
        if stop.is_set():
            raise _Stop

    def worker() -> None:
        with contextlib.suppress(_Stop):
            run_worker(rt, interval=0.2, jobs=False, on_tick=check)

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not any(w.idling for s in tasks._states.values() for w in s.watchers.values()):
            assert time.monotonic() < deadline, "the IDLE thread did not start"
            time.sleep(0.05)
        started = time.monotonic()
        imap.append(MAILBOX_USER, reply_to(rt, ours, "Yes, interested - call me tomorrow."), when=rt.clock.now())
        while True:
            with rt.db.sessions() as session:
                state = session.scalar(select(Enrollment.state).where(Enrollment.lead_id == campaign.lead_ids[0]))
            if state == "replied":
                break
            assert time.monotonic() - started < 10, "the reply was not read within 10 s"
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert time.monotonic() - started < 5


def test_the_inbox_sync_job_kind_is_registered():
    assert lookup("inbox_sync").module == "outboard.inbox.tasks"
