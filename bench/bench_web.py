"""Server time of the leads page and the sequence dashboard with 1,000,000 leads in the workspace (SQLite).

The rows are bulk-inserted with bench.campaign_rows (every lead enrolled in one sequence, the worst case for
its dashboard); a second, typical sequence holds 10,000 of the workspace's leads. Each page is requested 20
times through the ASGI app (TestClient, signed in) after one warm-up request; the figure is the time of the
whole request: routing, session, queries, template. The dashboard's counts come from the tallies that
triggers keep (outboard.db.models.tallies); they are folded once after loading, as a running worker does
every minute.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select, text

from bench.campaign_rows import add_enrollments, make_campaign
from bench.report import plot, write_section
from outboard.core.clock import SimulatedClock
from outboard.db import tallies
from outboard.db.database import Database
from outboard.db.migrate import upgrade
from outboard.db.models import Run, SenderAccount, SourceGroup, StrategyProfileRow, User
from outboard.runtime import Runtime, use_runtime
from outboard.secrets import SecretBox
from outboard.send.campaigns import StepInput, create_sequence
from outboard.settings import Settings
from outboard.team.sessions import SessionState, start
from outboard.web.app import create_app

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
REQUESTS = 20
TARGET_MS = 300
TYPICAL = 10_000
def timings(client: TestClient, url: str) -> dict[str, float]:
    assert client.get(url).status_code == 200  # warm-up: templates compiled, pages cached by SQLite
    samples = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    samples.sort()
    return {"median": statistics.median(samples), "p95": samples[int(len(samples) * 0.95) - 1],
            "max": samples[-1]}


def typical_sequence(rt: Runtime, workspace_id: int) -> int:
    """A second sequence in the same run's workspace, with its own leads (the campaign's helpers)."""
    with rt.db.transaction() as session:
        def first(model: type) -> int:
            return session.scalar(select(model.id).where(model.workspace_id == workspace_id))  # type: ignore[attr-defined]

        run_id, strategy_id, group_id, account_id = (first(m) for m in (Run, StrategyProfileRow, SourceGroup,
                                                                         SenderAccount))
        sequence = create_sequence(session, workspace_id, run_id, "typical", strategy_id, [group_id], [account_id],
                                   steps=[StepInput("email", 0, "always", "intro")])
        sequence.state = "active"
        return sequence.id


def signed_in(app, rt: Runtime, workspace_id: int) -> TestClient:
    client = TestClient(app)
    with rt.db.sessions() as session:
        user = session.scalars(select(User).where(User.workspace_id == workspace_id)).one()
        state = start(SessionState(), app.state.codec, user, rt.clock.now())
    client.cookies.set("outboard_session", app.state.codec.dumps(state))
    return client


def measure(leads: int) -> tuple[dict[str, dict[str, float]], float, float]:
    """Load `leads` leads into a fresh database and time each page; returns (timings, load s, fold s)."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'web.db'}"
        clock = SimulatedClock(NOW)
        db = Database.open(url, clock)
        upgrade(db.engine)
        settings = Settings(database_url=url, secret_key=SecretBox.new_key(), job_backend="immediate",
                            job_queue_path=str(Path(folder) / "jobs.db"), _env_file=None)  # type: ignore[call-arg]
        rt = Runtime(settings, db, clock)
        typical = min(TYPICAL, leads // 10)
        with use_runtime(rt):
            workspace_id, big_id, _ = make_campaign(rt, 2525)
            started = time.perf_counter()
            add_enrollments(db, workspace_id, big_id, leads - typical, NOW + timedelta(days=1),
                            spread=timedelta(days=30))
            small_id = typical_sequence(rt, workspace_id)
            add_enrollments(db, workspace_id, small_id, typical, NOW + timedelta(days=1), start=leads)
            load = time.perf_counter() - started
            folding = time.perf_counter()
            with db.transaction() as session:
                tallies.compact(session)  # as a running worker does every minute
            fold = time.perf_counter() - folding
            with db.engine.begin() as connection:
                connection.execute(text("ANALYZE"))
            print(f"{leads:,} leads loaded in {load:.0f} s", flush=True)
            client = signed_in(create_app(rt), rt, workspace_id)
            results = {
                "Leads page (`/leads`, all stages counted)": timings(client, "/leads"),
                "Leads page, one stage (`/leads?stage=outreach_active`)": timings(client,
                                                                                  "/leads?stage=outreach_active"),
                f"Dashboard of a typical sequence ({typical:,} leads)": timings(client, f"/sequences/{small_id}"),
                f"Dashboard of one sequence with {leads - typical:,} leads": timings(client, f"/sequences/{big_id}"),
            }
            db.close()
    for name, r in results.items():
        print(f"  {name}: median {r['median']:.0f} ms, p95 {r['p95']:.0f} ms, max {r['max']:.0f} ms", flush=True)
    return results, load, fold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000", help="lead counts, comma-separated")
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]
    load_before = os.getloadavg()[0]
    measured = {leads: measure(leads) for leads in sizes}
    largest = max(sizes)
    results, load, fold = measured[largest]
    rows = "\n".join(f"| {name} | {r['median']:.0f} ms | {r['p95']:.0f} ms | {'yes' if r['p95'] < TARGET_MS else 'no'}"
                     " |" for name, r in results.items())
    pages = ("Leads page", "Leads page, one stage", "Dashboard of a typical", "Dashboard of one sequence")
    labels = ("leads page", "leads page, one stage", "typical sequence", "the big sequence")
    series = {label: [(leads, next(r["median"] for name, r in measured[leads][0].items() if name.startswith(page)))
                      for leads in sizes] for page, label in zip(pages, labels, strict=True)}
    chart = plot("web_pages", "Server time of a page (median) vs leads in the workspace", "leads", "milliseconds",
                 series)
    sweep = "\n".join(f"| {leads:,} | {measured[leads][1]:.0f} s | "
                       + " | ".join(f"{values[i][1]:.0f} ms" for values in series.values()) + " |"
                       for i, leads in enumerate(sizes))
    write_section("Web pages", f"""`.venv/bin/python -m bench.bench_web [--sizes 10000,100000,1000000]` — SQLite, the
workspace filled with N leads (Core executemany), all but a typical sequence's enrolled in one sequence (the
worst case for its dashboard); the tallies folded once after loading, as a running worker does every
minute. {REQUESTS} requests per page through the ASGI app after a warm-up, signed in; the time of the whole
request (routing, session, queries, template). Target: under {TARGET_MS} ms with 1,000,000 leads. Load
average {load_before:.1f} at the start.

At {largest:,} leads (loaded in {load:.0f} s; the tallies folded in {fold:.1f} s):

| Page | Median | p95 | Under {TARGET_MS} ms (p95) |
|---|---|---|---|
{rows}

Median by size:

| Leads | Load | {" | ".join(labels)} |
|---|---|---|---|---|---|
{sweep}

{chart}

The leads page counts leads by stage from the `(workspace_id, stage, id)` index and pages by keyset; the
count reads the index, so it grows with the workspace (about a tenth of a microsecond per lead). A sequence
dashboard reads its counts from the tallies that database triggers append to on every enrollment and
message change, so a sequence of a million leads costs the same as one of ten.
""")


if __name__ == "__main__":
    main()
