"""The soak: the demo's whole story (a prospect index, a discovery search saved as leads, profiles and
emails enriched over DNS and SMTP, messages written and approved, a LinkedIn-first sequence launched, then
thirty simulated days of sending while prospects accept invites and answer by mail into the IMAP inbox)
at scale on PostgreSQL, with worker processes sending side by side; then every rule of DESIGN.md is
checked against the database and the mail the relay received. CI runs it small (tests/e2e/test_soak.py);
bench/bench_soak.py runs it with 10,000 leads."""

from __future__ import annotations

import email
import subprocess
import sys
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, select, text

from outboard.cli.progress import run_job_with_progress
from outboard.core import stages
from outboard.core.stages import LeadStage
from outboard.core.suppression_keys import hash_value
from outboard.db.database import Database
from outboard.db.models import Enrollment, Event, Lead, Message, SenderAccount, Suppression
from outboard.demo.run import DemoReport, DemoScale, run_demo
from outboard.runtime import Runtime

ROOT = Path(__file__).resolve().parents[2]
QUERY = "sales and marketing leaders in Europe and North America"
PEOPLE_PER_LEAD = 16  # the sample index holds about one match of QUERY per 14 people
DAYS = 30


def soak_scale(leads: int) -> DemoScale:
    """Caps that bind (email at about a twelfth of the leads a day, so the two email steps take most of
    the month), with no gap between sends so that simulated days stay short."""
    daily_invites = max(20, leads // 8)
    return DemoScale(
        people=leads * PEOPLE_PER_LEAD, leads=leads, days=DAYS, query=QUERY,
        email_limits={"daily_cap": max(20, leads // 12), "ramp_up": False, "min_gap_seconds": 0,
                      "gap_jitter_seconds": 0},
        linkedin_limits={"daily_invites": daily_invites, "weekly_invites": daily_invites * 5,
                         "daily_messages": max(20, leads // 8), "pending_invites": leads,
                         "min_gap_seconds": 0, "gap_jitter_seconds": 0})


class Workers:
    """`count` long-lived `outboard worker` drains in their own processes (tests/send/worker_process.py);
    each `drain()` makes all of them drain what is due at the current simulated time, at the same moment,
    against the same database."""

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
            if proc.stdin:
                proc.stdin.close()
            proc.wait(timeout=60)


@contextmanager
def empty_postgres_database(server_url: str) -> Iterator[str]:
    """A new database on the server for one soak, dropped afterwards; yields its URL."""
    name = f"outboard_soak_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_soak(folder: Path, database_url: str, leads: int, workers: int = 4) -> DemoReport:
    """The demo's story at `leads` on an empty PostgreSQL database, sent by `workers` processes."""
    pool: list[Workers] = []

    def drain(rt: Runtime) -> None:
        if not pool:
            pool.append(Workers(rt, workers))
        pool[0].drain()

    try:
        return run_demo(folder, partial(run_job_with_progress, show=False), scale=soak_scale(leads),
                        database_url=database_url, drain=drain)
    finally:
        for p in pool:
            p.close()


def check_rules(report: DemoReport) -> dict[str, int]:
    """Every rule of DESIGN.md against the database and the relay's mail; returns what was checked."""
    assert report.sent_mail is not None
    relayed = Counter(email.message_from_bytes(path.read_bytes())["Message-ID"]
                      for path in report.sent_mail.glob("*.eml"))
    assert not relayed or max(relayed.values()) == 1, "rule 1: an email went out twice"
    db = Database.open(report.database_url)
    try:
        with db.sessions() as session:
            return _check_database(session, relayed)
    finally:
        db.close()


def _check_database(session: Any, relayed: Counter) -> dict[str, int]:
    rows = session.execute(select(Message, Enrollment, Lead).join(Enrollment, Enrollment.id == Message.enrollment_id)
                           .join(Lead, Lead.id == Enrollment.lead_id)).all()
    sent = [(m, e, lead) for m, e, lead in rows if m.sent_at is not None]
    sent_ids = [m.smtp_message_id for m, _e, _l in sent if m.channel == "email"]
    assert len(sent_ids) == len(set(sent_ids)) == len(relayed), "rule 1: recorded sends and relayed mail differ"
    assert set(sent_ids) == set(relayed), "rule 1: a relayed email is not recorded as sent (or the reverse)"
    suppressed = {s.value_hash: s.created_at for s in session.scalars(select(Suppression))}
    for message, enrollment, lead in sent:
        # Rule 2: nothing automated after a human reply (stop on reply is the play's default).
        assert enrollment.replied_at is None or message.sent_at <= enrollment.replied_at, "rule 2"
        if message.channel == "email":
            # Rule 5: email only to a verified address; rule 3: never after the address was suppressed.
            # (a hard bounce later marks the address invalid, and suppresses it)
            assert lead.email and lead.email_verdict in ("valid", "invalid"), "rule 5: email to an unverified address"
            since = suppressed.get(hash_value("email", lead.email))
            assert since is None or message.sent_at < since, "rule 3: sent to a suppressed address"
        if message.channel == "linkedin_message":
            assert enrollment.invite_accepted_at is not None and message.sent_at >= enrollment.invite_accepted_at
    _check_caps(session, sent)
    _check_enrollments_and_events(session, sent)
    return {"messages_sent": len(sent), "emails_relayed": len(relayed), "suppressions": len(suppressed)}


def _check_caps(session: Any, sent: list) -> None:
    """Rule 4: no account over any of its caps on any of its local days (or rolling week for invites)."""
    for account in session.scalars(select(SenderAccount)):
        tz, limits = ZoneInfo(account.timezone), account.limits
        times: dict[str, list[datetime]] = defaultdict(list)
        for message, _e, _l in sent:
            if message.sender_account_id == account.id:
                times[message.channel].append(message.sent_at)
        caps = ([("email", "daily_cap")] if account.kind == "email"
                else [("linkedin_invite", "daily_invites"), ("linkedin_message", "daily_messages")])
        for channel, cap in caps:
            per_day = Counter(t.astimezone(tz).date() for t in times[channel])
            assert not per_day or max(per_day.values()) <= limits[cap], f"rule 4: {account.name} over {cap}"
        invites = sorted(times["linkedin_invite"])
        for i, moment in enumerate(invites):
            in_week = i + 1 - next(j for j, t in enumerate(invites) if t > moment - timedelta(days=7))
            assert in_week <= limits.get("weekly_invites", in_week), "rule 4: over the rolling weekly invites"


def _check_enrollments_and_events(session: Any, sent: list) -> None:
    """Every lead in a final or waiting state; its events tell exactly its story: each stage change legal
    and continuing from the last, ending at the lead's stage; one `message_sent` event per message sent."""
    stage_events: dict[int, list[Event]] = defaultdict(list)
    sent_events: Counter = Counter()
    for event in session.scalars(select(Event).where(Event.kind.in_(("stage_changed", "message_sent")))
                                 .order_by(Event.id)):
        if event.kind == "stage_changed":
            stage_events[event.lead_id].append(event)
        else:
            sent_events[event.subject] += 1
    assert all(sent_events[f"message:{m.id}"] == 1 for m, _e, _l in sent), "a sent message without its one event"
    assert sum(sent_events.values()) == len(sent), "a message_sent event for a message not sent"
    for lead in session.scalars(select(Lead)):
        stage = LeadStage.DISCOVERED
        for event in stage_events[lead.id]:
            assert event.data["from"] == stage.value, f"lead {lead.id}: events skip from {stage} to {event.data}"
            target = LeadStage(event.data["to"])
            assert target in stages.LEAD_STAGES.allowed(stage), f"lead {lead.id}: illegal move {stage} → {target}"
            stage = target
        assert stage.value == lead.stage, f"lead {lead.id}: events end at {stage}, the lead is {lead.stage}"
    for enrollment in session.scalars(select(Enrollment)):
        lead = session.get(Lead, enrollment.lead_id)
        assert enrollment.state in ("completed", "replied", "stopped", "active", "waiting")
        if enrollment.state in ("replied", "completed"):
            assert lead.stage == enrollment.state, f"enrollment {enrollment.id} {enrollment.state}, lead {lead.stage}"
        if enrollment.state == "active":
            assert enrollment.next_due_at is not None, "an active enrollment with nothing due"
