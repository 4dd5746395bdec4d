"""The soak: the whole send pipeline for many leads over 30 simulated days with several worker processes
on PostgreSQL, people replying, opting out and bouncing along the way; then every rule of DESIGN.md is
checked against what the database and the SMTP server hold. The test runs it small; bench/bench_soak.py
runs it at 10,000 leads."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from outboard.core.stages import LeadStage
from outboard.db.models import Enrollment, Lead, Message, SenderAccount, Suppression
from outboard.db.suppressions import suppress
from outboard.runtime import Runtime
from outboard.send.campaigns import StepInput
from outboard.send.reactions import record_opt_out, record_reply
from tests.send.engine_setup import build_campaign, work_tasks

ROOT = Path(__file__).resolve().parents[2]
STEPS = [StepInput("linkedin_invite", 0, "always", "connect"), StepInput("linkedin_message", 1, "no_reply", "thanks"),
         StepInput("email", 2, "no_reply", "intro"), StepInput("email", 3, "no_reply", "bump")]
CAP = {"daily_cap": 400, "ramp_up": False, "min_gap_seconds": 0, "gap_jitter_seconds": 0}


def _fate(lead_id: int) -> int:
    return int(hashlib.sha256(str(lead_id).encode()).hexdigest(), 16) % 100


@dataclass
class SoakResult:
    leads: int
    sent: Counter
    delivered: int
    replied: int
    opted_out: int
    blocked: int
    seconds_per_day: float


def run_soak(rt: Runtime, workspace_id: int, sink, leads: int, workers: int = 4, days: int = 30) -> SoakResult:
    import time

    campaign = build_campaign(rt, workspace_id, leads, sink.port, with_email=lambda i: i % 5 != 0, steps=STEPS,
                              timezone=lambda i: ("Europe/Berlin", "America/New_York", "Asia/Singapore")[i % 3],
                              email_limits=CAP)
    started = time.perf_counter()
    pool = Workers(rt, workers)
    try:
        for half_day in range(days * 2):
            pool.drain()
            work_tasks(rt, lambda lead_id: _fate(lead_id) < 70)
            _people_react(rt, workspace_id, campaign.lead_ids, half_day)
            rt.clock.advance(timedelta(hours=12))
        pool.drain()
    finally:
        pool.close()
    elapsed = time.perf_counter() - started
    with rt.db.sessions() as session:
        sent = Counter(session.scalars(select(Message.channel).where(Message.sent_at.is_not(None))))
        stops = Counter(session.scalars(select(Lead.stop_reason).where(Lead.stop_reason.is_not(None))))
        replied = session.scalar(select(func.count()).where(Enrollment.replied_at.is_not(None))) or 0
    return SoakResult(leads, sent, len(sink.messages), replied, stops["opted_out"], stops["blocked"],
                      elapsed / days)


class Workers:
    """`count` long-lived worker processes; each `drain()` makes all of them drain what is due at the
    current simulated time, at the same moment, against the same database."""

    def __init__(self, rt: Runtime, count: int):
        self.rt = rt
        self.procs = [subprocess.Popen([sys.executable, "-m", "tests.send.worker_process", rt.settings.database_url,
                                        rt.settings.secret_key or "", "serve", "100"], cwd=ROOT,
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                      for _ in range(count)]

    def drain(self) -> int:
        for proc in self.procs:
            assert proc.stdin is not None
            proc.stdin.write(self.rt.clock.now().isoformat() + "\n")
            proc.stdin.flush()
        sent = 0
        for proc in self.procs:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert line, f"worker {proc.pid} died (exit {proc.poll()})"
            sent += int(line)
        return sent

    def close(self) -> None:
        for proc in self.procs:
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(timeout=60)


def _people_react(rt: Runtime, workspace_id: int, lead_ids: list[int], half_day: int) -> None:
    """Every half day some people who were written to answer, opt out, or get blocklisted by the user."""
    now = rt.clock.now()
    with rt.db.transaction() as session:
        reached = session.scalars(select(Lead).join(Enrollment, Enrollment.lead_id == Lead.id).where(
            Lead.id.in_(lead_ids), Enrollment.state == "active", Enrollment.next_position > 1)).all()
        for lead in reached:
            fate = (_fate(lead.id) + half_day * 7) % 100
            if fate < 3:
                record_reply(session, lead, "email" if lead.email else "linkedin", now, source="soak")
            elif fate == 3:
                record_opt_out(session, lead, source="soak")
            elif fate == 4 and lead.email:
                suppress(session, workspace_id, "email", lead.email, "blocklist", note="soak")


def check_rules(rt: Runtime, sink) -> None:
    """Every rule of DESIGN.md, against the database and what the SMTP server received."""
    delivered = Counter(m.message["Message-ID"] for m in sink.messages)
    assert not delivered or max(delivered.values()) == 1, "rule 1: an email went out twice"
    with rt.db.sessions() as session:
        rows = session.execute(select(Message, Enrollment, Lead)
                               .join(Enrollment, Enrollment.id == Message.enrollment_id)
                               .join(Lead, Lead.id == Enrollment.lead_id)).all()
        for message, enrollment, lead in rows:
            if message.sent_at is None:
                continue
            # Rule 2: no automated step after a human reply (stop on reply is on in this sequence).
            assert enrollment.replied_at is None or message.sent_at <= enrollment.replied_at, "rule 2"
            # Rule 5: email only to verified addresses; LinkedIn messages only after acceptance.
            if message.channel == "email":
                assert lead.email and lead.email_verdict in ("valid", "invalid"), "rule 5: unverified email"
            if message.channel == "linkedin_message":
                assert lead.linkedin_connected_at is not None and message.sent_at >= lead.linkedin_connected_at
        # Rule 3: nothing went to an address after it was suppressed.
        hashes = {s.value_hash: s.created_at for s in session.scalars(select(Suppression))}
        from outboard.core.suppression_keys import hash_value

        for message, _enrollment, lead in rows:
            if message.sent_at and message.channel == "email" and lead.email:
                since = hashes.get(hash_value("email", lead.email))
                assert since is None or message.sent_at < since, "rule 3: sent to a suppressed address"
        # Rule 4: no account over its daily cap on any day.
        for account in session.scalars(select(SenderAccount).where(SenderAccount.kind == "email")):
            per_day = Counter(m.sending_at.date() for m, _e, _l in rows
                              if m.sender_account_id == account.id and m.sending_at and m.channel == "email")
            assert not per_day or max(per_day.values()) <= account.limits["daily_cap"], "rule 4"
        # Every lead ends in a final or waiting state, and its stage agrees with its enrollment.
        for enrollment in session.scalars(select(Enrollment)):
            lead = session.get(Lead, enrollment.lead_id)
            assert enrollment.state in ("completed", "replied", "stopped", "active", "waiting")
            if enrollment.state == "replied":
                assert lead.stage == LeadStage.REPLIED.value
            if enrollment.state == "completed":
                assert lead.stage == LeadStage.COMPLETED.value
            if enrollment.state == "active":
                assert enrollment.next_due_at is not None, "an active enrollment with nothing due"
