"""Sending throughput with all bookkeeping (lease, claim with every rule re-checked, `sending` recorded,
SMTP, result recorded, next step scheduled, usage charged), beside a bare aiosmtplib loop sending
pre-built messages to the same sink in the same run; then PostgreSQL with 1,000,000 enrollments and 4
worker processes."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from bench.bench_smtp import bare
from bench.campaign_rows import add_enrollments, make_campaign
from bench.counting_sink import counting_sink
from bench.report import write_section
from outboard.core.clock import SimulatedClock
from outboard.db.database import Database
from outboard.db.migrate import upgrade
from outboard.db.models import Message
from outboard.jobs.worker import drain
from outboard.runtime import Runtime, use_runtime
from outboard.secrets import SecretBox
from outboard.settings import Settings

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
SQLITE_SENDS = 3000
PG_SERVER = os.environ.get("OUTBOARD_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PG_ENROLLMENTS = 1_000_000
PG_DUE = 20_000
ROOT = Path(__file__).resolve().parent.parent


def _sink():
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=counting_sink, args=(child,), daemon=True)
    process.start()
    return process, parent, parent.recv()


def _stop(process, pipe) -> dict[str, int]:
    pipe.send("stop")
    counts = pipe.recv()
    process.join(10)
    return counts


def _runtime(url: str) -> Runtime:
    clock = SimulatedClock(NOW)
    db = Database.open(url, clock)
    upgrade(db.engine)
    return Runtime(Settings(database_url=url, secret_key=SecretBox.new_key(), job_backend="immediate",
                            public_url="https://outboard.example", _env_file=None), db, clock)


def sqlite_run(folder: Path) -> dict[str, float]:
    process, pipe, port = _sink()
    try:
        rt = _runtime(f"sqlite:///{folder / 'send.db'}")
        workspace_id, sequence_id, _ = make_campaign(rt, port)
        add_enrollments(rt.db, workspace_id, sequence_id, SQLITE_SENDS, NOW - timedelta(minutes=1))
        bare_rate = asyncio.run(bare(port, SQLITE_SENDS, prebuilt=True))
        with use_runtime(rt):
            started = time.perf_counter()
            result = drain(rt, 200)
            ours = result.sent / (time.perf_counter() - started)
        rt.close()
    finally:
        counts = _stop(process, pipe)
    assert result.sent == SQLITE_SENDS, result
    return {"ours": ours, "bare": bare_rate, "sent": result.sent, "duplicates": counts["duplicates"]}


def postgres_run() -> dict[str, float]:
    name = f"outboard_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_SERVER.rsplit("/", 1)[0] + f"/{name}"
    process, pipe, port = _sink()
    try:
        rt = _runtime(url)
        workspace_id, sequence_id, _ = make_campaign(rt, port)
        started = time.perf_counter()
        add_enrollments(rt.db, workspace_id, sequence_id, PG_ENROLLMENTS - PG_DUE, NOW + timedelta(days=1),
                        spread=timedelta(days=30))
        add_enrollments(rt.db, workspace_id, sequence_id, PG_DUE, NOW - timedelta(minutes=1), start=PG_ENROLLMENTS)
        with rt.db.engine.connect() as connection:
            connection.execute(text("ANALYZE"))
        load = time.perf_counter() - started
        print(f"PostgreSQL: {PG_ENROLLMENTS:,} enrollments loaded in {load:.0f} s", flush=True)
        started = time.perf_counter()
        workers = [subprocess.Popen([sys.executable, "-m", "tests.send.worker_process", url, rt.settings.secret_key,
                                     NOW.isoformat(), "100"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
                   for _ in range(4)]
        sent_by_worker = [int(w.communicate()[0].strip() or 0) for w in workers]
        elapsed = time.perf_counter() - started
        with rt.db.sessions() as session:
            recorded = session.scalar(select(func.count()).where(Message.send_state == "sent"))
        rt.close()
    finally:
        counts = _stop(process, pipe)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return {"rate": sum(sent_by_worker) / elapsed, "sent": sum(sent_by_worker), "recorded": recorded,
            "received": counts["messages"], "duplicates": counts["duplicates"], "per_worker": sent_by_worker}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        s = sqlite_run(Path(folder))
    ratio = s["ours"] / s["bare"]
    print(f"SQLite: {s['ours']:,.0f} emails/s with bookkeeping vs {s['bare']:,.0f}/s bare ({ratio:.0%}); "
          f"duplicates at the sink: {s['duplicates']}", flush=True)
    p = postgres_run()
    print(f"PostgreSQL, 4 workers: {p['rate']:,.0f} emails/s; sent {p['sent']:,}, recorded {p['recorded']:,}, "
          f"received {p['received']:,}, duplicates {p['duplicates']} (per worker {p['per_worker']})", flush=True)
    pg_check = (f"sent {p['sent']:,}, recorded {p['recorded']:,}, received {p['received']:,}, "
                f"{p['duplicates']} duplicates")
    write_section("Sending throughput", f"""`.venv/bin/python -m bench.bench_sending` — an aiosmtpd sink in a second
process on loopback counts every message by Message-ID.

| Setup | Emails/s | Check |
|---|---|---|
| SQLite, one worker, full bookkeeping, {SQLITE_SENDS:,} sends | {s['ours']:,.0f} | {s['duplicates']} duplicates |
| bare aiosmtplib loop, pre-built messages, same sink, same run | {s['bare']:,.0f} | ours = {ratio:.0%} of it |
| PostgreSQL, {PG_ENROLLMENTS:,} enrollments, {PG_DUE:,} due, 4 worker processes | {p['rate']:,.0f} | {pg_check} |

Targets: at least 200 emails/s and 40% of the bare loop on SQLite; at least 300 emails/s on PostgreSQL with
every step sent once.
""")


if __name__ == "__main__":
    main()
