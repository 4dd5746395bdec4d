"""Sending throughput with all bookkeeping (lock, claim with every rule re-checked, `sending` recorded,
SMTP, result recorded, next step scheduled, usage charged), beside a bare aiosmtplib loop sending
pre-built messages to the same sink in the same run; then PostgreSQL with 20,000, 100,000 and 1,000,000
enrollments and 4 worker processes (the largest is the headline; all are plotted).

    .venv/bin/python -m bench.bench_sending [--sqlite-sends 3000] [--rounds 3] [--pg-sizes 20000,100000,1000000]
        [--pg-due 20000] [--workers 4] [--skip-sqlite] [--skip-pg] [--no-docs]

CPU seconds per email are reported for the worker(s), the SMTP sink and PostgreSQL (its live processes
plus the backends that exited during the run, from the postmaster's children times), beside the load
average, since other processes may share the cores. Only a run with the default sizes rewrites the
`## Sending throughput` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import resource
import statistics
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
from bench.report import plot, write_section
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
SQLITE_ROUNDS = 3
PG_SERVER = os.environ.get("OUTBOARD_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PG_SIZES = "20000,100000,1000000"  # enrollments per run; the largest is the headline
PG_DUE = 20_000
PG_WORKERS = 4
BATCH = 200  # what `outboard worker` drains with
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


def _sink_cpu(pipe) -> float:
    pipe.send("cpu")
    return pipe.recv()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _postgres_cpu() -> float | None:
    """CPU seconds of the local PostgreSQL so far: its live processes, plus the backends that already
    exited (the postmaster's children times); None when no postgres process is visible."""
    procs = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
        except OSError:
            continue
        if raw[raw.index("(") + 1:raw.rindex(")")].startswith("postgres"):
            procs[int(stat.parent.name)] = raw[raw.rindex(")") + 2:].split()
    ticks = 0
    for fields in procs.values():
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
        if int(fields[1]) not in procs:  # the postmaster: add its exited children
            ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK") if procs else None


def _runtime(url: str) -> Runtime:
    clock = SimulatedClock(NOW)
    db = Database.open(url, clock)
    upgrade(db.engine)
    return Runtime(Settings(database_url=url, secret_key=SecretBox.new_key(), job_backend="immediate",
                            public_url="https://outboard.example", _env_file=None), db, clock)


def sqlite_run(folder: Path, sends: int, rounds: int) -> dict[str, float]:
    """`rounds` rounds, each the bare loop then ours on fresh due enrollments; medians of the rounds (other
    processes may share the cores: interleaving exposes both to the same load)."""
    process, pipe, port = _sink()
    ours, bare_rates, worker_cpu, sink_cpu, bare_cpu = [], [], [], [], []
    try:
        rt = _runtime(f"sqlite:///{folder / 'send.db'}")
        workspace_id, sequence_id, _ = make_campaign(rt, port)
        for n in range(rounds):  # round n's leads fall due at hour n (all added now: the sequence stays open)
            add_enrollments(rt.db, workspace_id, sequence_id, sends, NOW + timedelta(hours=n, minutes=-1),
                            start=n * sends)
        for n in range(rounds):
            rt.clock.set(NOW + timedelta(hours=n))  # type: ignore[attr-defined]
            run = asyncio.run(bare(port, sends, prebuilt=True))
            bare_rates.append(run.rate)
            bare_cpu.append(run.cpu / sends)
            with use_runtime(rt):
                sink_before, cpu_before = _sink_cpu(pipe), time.process_time()
                started = time.perf_counter()
                result = drain(rt, BATCH)
                ours.append(result.sent / (time.perf_counter() - started))
                worker_cpu.append((time.process_time() - cpu_before) / sends)
                sink_cpu.append((_sink_cpu(pipe) - sink_before) / sends)
            assert result.sent == sends, result
        rt.close()
    finally:
        counts = _stop(process, pipe)
    ratios = [o / b for o, b in zip(ours, bare_rates, strict=True)]
    return {"ours": statistics.median(ours), "bare": statistics.median(bare_rates),
            "ratio": statistics.median(ratios), "ratios": ratios, "sent": sends * rounds,
            "duplicates": counts["duplicates"], "worker_ms": 1000 * statistics.median(worker_cpu),
            "sink_ms": 1000 * statistics.median(sink_cpu), "bare_ms": 1000 * statistics.median(bare_cpu)}


def postgres_run(enrollments: int, due: int, workers: int) -> dict[str, float]:
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
        add_enrollments(rt.db, workspace_id, sequence_id, enrollments - due, NOW + timedelta(days=1),
                        spread=timedelta(days=30))
        add_enrollments(rt.db, workspace_id, sequence_id, due, NOW - timedelta(minutes=1), start=enrollments)
        with rt.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            # As autovacuum leaves a live database (the test server may run with it off): hint bits and
            # visibility map set, statistics current.
            connection.execute(text("VACUUM (ANALYZE)"))
        load = time.perf_counter() - started
        print(f"PostgreSQL: {enrollments:,} enrollments loaded in {load:.0f} s", flush=True)
        load_before, sink_before, pg_before = os.getloadavg()[0], _sink_cpu(pipe), _postgres_cpu()
        children_before = _children_cpu()
        started = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-m", "tests.send.worker_process", url, rt.settings.secret_key,
                                   NOW.isoformat(), str(BATCH)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
                 for _ in range(workers)]
        sent_by_worker = [int(w.communicate()[0].strip() or 0) for w in procs]
        elapsed = time.perf_counter() - started
        pg_after = _postgres_cpu()
        worker_cpu, sink_cpu = _children_cpu() - children_before, _sink_cpu(pipe) - sink_before
        load_after = os.getloadavg()[0]
        with rt.db.sessions() as session:
            recorded = session.scalar(select(func.count()).where(Message.send_state == "sent"))
        rt.close()
    finally:
        counts = _stop(process, pipe)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    sent = sum(sent_by_worker)
    pg_cpu = pg_after - pg_before if pg_after is not None and pg_before is not None else float("nan")
    return {"rate": sent / elapsed, "sent": sent, "recorded": recorded, "received": counts["messages"],
            "duplicates": counts["duplicates"], "per_worker": sent_by_worker, "load_s": load,
            "worker_ms": 1000 * worker_cpu / max(sent, 1), "sink_ms": 1000 * sink_cpu / max(sent, 1),
            "pg_ms": 1000 * pg_cpu / max(sent, 1), "loadavg": (load_before, load_after)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sqlite-sends", type=int, default=SQLITE_SENDS, help="per round")
    parser.add_argument("--rounds", type=int, default=SQLITE_ROUNDS, help="SQLite rounds, bare and ours in each")
    parser.add_argument("--pg-sizes", default=PG_SIZES, help="enrollments per PostgreSQL run, comma-separated; "
                        "the largest is the headline")
    parser.add_argument("--pg-due", type=int, default=PG_DUE)
    parser.add_argument("--workers", type=int, default=PG_WORKERS)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/benchmarks.md")
    args = parser.parse_args()
    defaults = (args.sqlite_sends, args.rounds, args.pg_sizes, args.pg_due, args.workers) == (
        SQLITE_SENDS, SQLITE_ROUNDS, PG_SIZES, PG_DUE, PG_WORKERS)
    sizes = sorted(int(n) for n in args.pg_sizes.split(","))
    s = p = None
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            s = sqlite_run(Path(folder), args.sqlite_sends, args.rounds)
        print(f"SQLite: {s['ours']:,.0f} emails/s with bookkeeping vs {s['bare']:,.0f}/s bare (median ratio "
              f"{s['ratio']:.0%}; rounds {', '.join(f'{r:.0%}' for r in s['ratios'])}); CPU per email: worker "
              f"{s['worker_ms']:.2f} ms, bare loop {s['bare_ms']:.2f} ms, sink {s['sink_ms']:.2f} ms; "
              f"duplicates at the sink: {s['duplicates']}; load average {os.getloadavg()[0]:.1f}", flush=True)
    swept: dict[int, dict[str, float]] = {}
    for size in [] if args.skip_pg else sizes:
        p = swept[size] = postgres_run(size, min(args.pg_due, size), args.workers)
        print(f"PostgreSQL, {size:,} enrollments, {args.workers} workers: {p['rate']:,.0f} emails/s; sent "
              f"{p['sent']:,}, recorded {p['recorded']:,}, received {p['received']:,}, duplicates {p['duplicates']} "
              f"(per worker {p['per_worker']}); CPU per email: workers {p['worker_ms']:.2f} ms, "
              f"postgres {p['pg_ms']:.2f} ms, sink {p['sink_ms']:.2f} ms; "
              f"load average {p['loadavg'][0]:.1f} before, {p['loadavg'][1]:.1f} after", flush=True)
    if s is None or p is None or args.no_docs or not defaults:
        return
    chart = plot("sending_postgres", f"Sending on PostgreSQL, {PG_WORKERS} workers, {PG_DUE:,} due",
                 "enrollments", "emails per second", {"emails/s": [(n, r["rate"]) for n, r in swept.items()]})
    sweep = "\n".join(f"| {n:,} | {min(PG_DUE, n):,} | {r['rate']:,.0f} | {r['worker_ms']:.2f} ms | "
                       f"{r['pg_ms']:.2f} ms | {r['duplicates']} |" for n, r in swept.items())
    s_cpu = f"worker {s['worker_ms']:.2f} ms, sink {s['sink_ms']:.2f} ms"
    b_cpu = f"client {s['bare_ms']:.2f} ms"
    p_cpu = f"workers {p['worker_ms']:.2f} ms, postgres {p['pg_ms']:.2f} ms, sink {p['sink_ms']:.2f} ms"
    s_rate, s_check = f"{s['ours']:,.0f}", f"{s['duplicates']} duplicates"
    s_ratio = f"{s['ratio']:.0%} of it (median of {', '.join(f'{r:.0%}' for r in s['ratios'])})"
    p_rate = f"{p['rate']:,.0f}"
    p_check = (f"sent {p['sent']:,}, recorded {p['recorded']:,}, received {p['received']:,}, "
                f"{p['duplicates']} duplicates")
    write_section("Sending throughput", f"""`.venv/bin/python -m bench.bench_sending` — an aiosmtpd sink in a second
process on loopback counts every message by Message-ID. Workers are the production `drain` (what
`outboard worker` runs), batches of {BATCH}. SQLite: {SQLITE_ROUNDS} rounds, each the bare loop then ours
on fresh due enrollments; rates and the ratio are medians of the rounds (the cores are shared, so the
rates of one round move together). CPU per email is measured per process.

| Setup | Emails/s | CPU per email | Check |
|---|---|---|---|
| SQLite, one worker, {SQLITE_ROUNDS} × {SQLITE_SENDS:,} sends, all bookkeeping | {s_rate} | {s_cpu} | {s_check} |
| bare aiosmtplib loop, pre-built messages, same sink, same run | {s['bare']:,.0f} | {b_cpu} | ours = {s_ratio} |
| PostgreSQL, {max(sizes):,} enrollments, {PG_DUE:,} due, {PG_WORKERS} workers | {p_rate} | {p_cpu} | {p_check} |

PostgreSQL by size ({PG_WORKERS} workers; the due ones are sent, the rest wait over the next 30 days):

| Enrollments | Due | Emails/s | Worker CPU per email | PostgreSQL CPU per email | Duplicates |
|---|---|---|---|---|---|
{sweep}

{chart}

Loading the {max(sizes):,} enrollments with INSERT … SELECT over generate_series, then VACUUM (ANALYZE)
as autovacuum would (setup, not measured), took {p['load_s']:.0f} s. Load average
{p['loadavg'][0]:.1f} before the PostgreSQL run, {p['loadavg'][1]:.1f} after (other processes share the cores).

Targets: at least 200 emails/s and 40% of the bare loop on SQLite; at least 300 emails/s on PostgreSQL with
every step sent once.
""")


if __name__ == "__main__":
    main()
