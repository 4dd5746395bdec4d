"""Scheduler tick cost against the number of active enrollments (SQLite): it must stay flat.

A tick leases the due batch through the partial due-time index; the measure is that lease with 200
steps due among N enrollments that are all active (the rest due later), and an idle tick (nothing due).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.campaign_rows import add_enrollments, make_campaign
from bench.report import plot, write_section
from outboard.core.clock import SimulatedClock
from outboard.db.database import Database
from outboard.db.migrate import upgrade
from outboard.runtime import Runtime
from outboard.secrets import SecretBox
from outboard.send.claim import lease_due
from outboard.settings import Settings

SIZES = (10_000, 100_000, 1_000_000)
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def measure(size: int, folder: Path) -> dict[str, float]:
    url = f"sqlite:///{folder / f'tick-{size}.db'}"
    clock = SimulatedClock(NOW)
    db = Database.open(url, clock)
    upgrade(db.engine)
    rt = Runtime(Settings(database_url=url, secret_key=SecretBox.new_key(), _env_file=None), db, clock)
    workspace_id, sequence_id, _ = make_campaign(rt, 2525)
    started = time.perf_counter()
    add_enrollments(db, workspace_id, sequence_id, size - 200, NOW + timedelta(days=1), spread=timedelta(days=30))
    add_enrollments(db, workspace_id, sequence_id, 200, NOW - timedelta(minutes=5), start=size)
    load = time.perf_counter() - started
    lease_ms, idle_ms = [], []
    for round_ in range(5):
        at = NOW + timedelta(minutes=round_ * 11)  # each round past the previous lease
        started = time.perf_counter()
        with db.transaction() as session:
            leased = lease_due(session, at, 200)
        lease_ms.append((time.perf_counter() - started) * 1000)
        assert len(leased) == 200, len(leased)
        with db.transaction() as session:  # give the batch back for the next round
            from sqlalchemy import update

            from outboard.db.models import Enrollment

            session.execute(update(Enrollment).where(Enrollment.id.in_([i for i, _ in leased]))
                            .values(next_due_at=at))
    for _ in range(5):
        started = time.perf_counter()
        with db.transaction() as session:
            lease_due(session, NOW - timedelta(days=1), 200)
        idle_ms.append((time.perf_counter() - started) * 1000)
    db.close()
    return {"load_s": load, "lease_ms": statistics.median(lease_ms), "lease_max_ms": max(lease_ms),
            "idle_ms": statistics.median(idle_ms)}


def main() -> None:
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for size in SIZES:
            results[size] = measure(size, Path(folder))
            r = results[size]
            print(f"{size:>9,} enrollments: lease 200 due {r['lease_ms']:.1f} ms (max {r['lease_max_ms']:.1f}), "
                  f"idle tick {r['idle_ms']:.2f} ms, rows loaded in {r['load_s']:.0f} s", flush=True)
    chart = plot("scheduler_tick", "Scheduler tick (lease 200 due) vs active enrollments", "active enrollments",
                 "milliseconds", {"lease 200 due": [(n, r["lease_ms"]) for n, r in results.items()],
                                  "idle tick": [(n, r["idle_ms"]) for n, r in results.items()]})
    rows = "\n".join(f"| {n:,} | {r['lease_ms']:.1f} ms | {r['lease_max_ms']:.1f} ms | {r['idle_ms']:.2f} ms |"
                     for n, r in results.items())
    write_section("Scheduler tick", f"""`.venv/bin/python -m bench.bench_scheduler` — SQLite, one email step per
enrollment, every enrollment active; 200 of them due, the rest spread over the next 30 days. Target: under
100 ms at 100,000 and flat at 1,000,000.

| Active enrollments | Lease 200 due (median of 5) | Max | Idle tick |
|---|---|---|---|
{rows}

{chart}
""")


if __name__ == "__main__":
    main()
