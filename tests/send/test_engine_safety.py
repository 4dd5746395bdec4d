"""Exactly-once under crashes and concurrency: SIGKILLed workers and four workers on PostgreSQL."""

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from outboard.core.sequence import SendState
from outboard.db.models import Enrollment, Message
from outboard.devservers.mx import MxServer
from outboard.send.campaigns import StepInput
from tests.send.engine_setup import build_campaign, run_days

EMAIL_ONLY = [StepInput("email", 0, "always", "intro"), StepInput("email", 2, "no_reply", "bump")]
ENDED = {SendState.SENT.value, SendState.SKIPPED.value, SendState.RECONCILE.value}
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))


def _worker(rt, moment, batch=20):
    return subprocess.Popen([sys.executable, "-m", "tests.send.worker_process", rt.settings.database_url,
                             rt.settings.secret_key, moment.isoformat(), str(batch)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _delivered(sink) -> Counter:
    return Counter(m.message["Message-ID"] for m in sink.messages)


@pytest.mark.slow
def test_sigkill_at_random_points_never_sends_twice(rt, workspace_id, tmp_path):
    if rt.db.is_postgres:
        pytest.skip("one database is enough for the crash test; the concurrency test covers PostgreSQL")
    with MxServer.sink(reply_latency=0.01) as sink:
        build_campaign(rt, workspace_id, 120, sink.port, with_email=lambda i: True, steps=EMAIL_ONLY,
                       play="cold-email-first")
        rt.clock.advance(timedelta(hours=2))  # into Monday's window
        rng = random.Random(7)
        for _ in range(50):
            worker = _worker(rt, rt.clock.now(), batch=5)
            time.sleep(rng.uniform(0.4, 1.2))
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            rt.clock.advance(timedelta(minutes=11))  # past the lease: a new worker picks up what was left
        run_days(rt, 6)
        delivered = _delivered(sink)
        assert delivered and max(delivered.values()) == 1, "a message went out twice"
        per_step = Counter((m.rcpt_tos[0], m.message["Subject"]) for m in sink.messages)
        assert max(per_step.values()) == 1
        # Every step ended sent, skipped or flagged for reconciliation; only the steps after a flagged
        # one wait, because their lead waits for the reconciliation.
        with rt.db.sessions() as session:
            rows = session.execute(select(Message.send_state, Enrollment.waiting_reason).join(
                Enrollment, Enrollment.id == Message.enrollment_id)).all()
        for state, waiting in rows:
            assert state in ENDED or (state == SendState.SCHEDULED.value and waiting == "reconcile"), (state, waiting)
        with rt.db.sessions() as session:
            sent_ids = set(session.scalars(select(Message.smtp_message_id).where(Message.send_state == "sent")))
        assert sent_ids <= set(delivered), "a message recorded as sent never arrived"


def test_four_workers_on_postgresql_send_each_step_once_within_caps(rt, workspace_id):
    if not rt.db.is_postgres:
        pytest.skip("the concurrency test runs on PostgreSQL")
    with MxServer.sink() as sink:
        cap = 150
        build_campaign(rt, workspace_id, 400, sink.port, with_email=lambda i: True, steps=EMAIL_ONLY[:1],
                       play="cold-email-first",
                       email_limits={"daily_cap": cap, "ramp_up": False, "min_gap_seconds": 0,
                                     "gap_jitter_seconds": 0})
        rt.clock.advance(timedelta(hours=2))
        workers = [_worker(rt, rt.clock.now(), batch=25) for _ in range(4)]
        outputs = [w.communicate(timeout=120) for w in workers]
        assert all(w.returncode == 0 for w in workers), [o[1][-2000:] for o in outputs]
        assert sum(int(o[0].strip()) for o in outputs) == cap
        assert len(sink.messages) == cap and max(_delivered(sink).values()) == 1
        with rt.db.sessions() as session:
            assert session.scalar(select(func.count()).where(Message.send_state == "sent")) == cap
