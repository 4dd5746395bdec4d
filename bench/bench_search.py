"""Discovery search on SQLite: loading the prospect index, previews, and a saved search of 10,000 results.

    .venv/bin/python -m bench.bench_search [--sizes 10000,100000,1000000] [--queries 100] [--no-doc]

For each size: sample people (a fifth as many companies) are generated into a temporary folder (not
timed), loaded with `outboard index load`'s code into a fresh SQLite database, then 100 varied previews
are timed (metered, as the command runs them), with and without semantic re-ranking (hashed n-grams),
and a saved search of 10,000 results runs where the index has that many matches. Wall and CPU time are
both reported: the machine may be shared, and CPU time is what the code itself costs. Rewrites the
`## Discovery search` section of docs/benchmarks.md and its plot.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from outboard.core.clock import SimulatedClock
from outboard.db.database import Database
from outboard.db.migrate import upgrade
from outboard.sources.icp import parse_query
from outboard.sources.index.loader import load_files
from outboard.sources.index.preview import preview
from outboard.sources.index.saved import create_group, run_saved_search
from outboard.sources.sample import SampleSpec, write_sample
from outboard.team.workspaces import create_workspace

REF = date(2026, 1, 15)
TARGETS = {"load_s": 300.0, "p95_ms": 150.0, "p95_semantic_ms": 300.0, "saved_s": 20.0}
SAVED_QUERY = "engineers in Europe"
SAVED_COUNT = 10_000

_ROLES = ["heads of sales", "VPs of engineering", "marketing directors", "CFOs", "founders", "product managers",
          "customer success managers", "data scientists", "HR directors", "CTOs", "account executives",
          "engineering managers", "operations managers", "sales people", "recruiters", "designers"]
_WHERE = ["in Germany", "in the US", "in the Nordics", "in France", "in the UK", "in DACH", "in Europe", "in India",
          "in Berlin", "in Spain"]
_COMPANIES = ["at fintech startups", "at SaaS companies", "at companies with 50-200 employees", "at Series A companies",
              "at cybersecurity companies", "at e-commerce companies", "at large companies", "not at agencies",
              "at healthtech companies", "at seed-stage startups"]
_SIGNALS = ["who posted about pipeline recently", "new in role", "at companies that recently raised",
            "at companies hiring engineers", "who posted about kubernetes", "who posted about hiring",
            "excluding consultants", "with Salesforce experience", "who talk about AI", "no interns"]


def queries(n: int) -> list[str]:
    """`n` varied descriptions: roles with places, company kinds and signals, deterministic."""
    out = []
    for i in range(n):
        role = _ROLES[i % len(_ROLES)]
        parts = [role]
        if i % 3 != 2:
            parts.append(_WHERE[(i * 7) % len(_WHERE)])
        if i % 2 == 0:
            parts.append(_COMPANIES[(i * 3) % len(_COMPANIES)])
        if i % 4 == 1:
            parts.append(_SIGNALS[(i * 5) % len(_SIGNALS)])
        out.append(" ".join(parts))
    return out


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the load's worker processes)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(people: int, n_queries: int, directory: Path) -> dict[str, Any]:
    spec = SampleSpec(people=people, seed=1, reference_date=REF)
    files = write_sample(directory / "files", spec, "jsonl")
    db = Database.open(f"sqlite:///{directory / 'bench.db'}",
                       SimulatedClock(datetime(REF.year, REF.month, REF.day, 9, tzinfo=UTC)))
    upgrade(db.engine)
    with db.transaction() as session:
        workspace, _, _ = create_workspace(session, "Bench", "bench@acme.test", "correct horse battery")
    out: dict[str, Any] = {"people": people, "companies": spec.company_count}
    wall, cpu, load_before = time.perf_counter(), _cpu(), os.getloadavg()[0]
    summary = load_files(db, workspace.id, [files["companies"], files["people"]])
    out.update(load_s=time.perf_counter() - wall, load_cpu_s=_cpu() - cpu,
               load_avg=(load_before + os.getloadavg()[0]) / 2, rejected=summary.rejected,
               db_mb=(directory / "bench.db").stat().st_size / 1e6)
    for path in files.values():
        path.unlink()  # the index is in the database now: give the disk back
    print(f"{people:,} people: loaded in {out['load_s']:.1f} s wall, {out['load_cpu_s']:.1f} s CPU "
          f"(load average {out['load_avg']:.1f}), {out['db_mb']:,.0f} MB", flush=True)
    described = [parse_query(q).filters for q in queries(n_queries)]
    for filters in described:  # one untimed pass: the page cache warm, as a running server has it
        preview(db, workspace.id, filters, limit=25, today=REF, meter=False)
    for semantic in (False, True):
        times, cpus, totals = [], [], []
        for filters in described:
            wall, cpu = time.perf_counter(), time.process_time()
            result = preview(db, workspace.id, filters, limit=25, today=REF, semantic=semantic)
            times.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
            totals.append(result.total)
        key = "semantic_" if semantic else ""
        out.update({f"{key}p50_ms": statistics.median(times), f"{key}p95_ms": _percentile(times, 0.95),
                    f"{key}cpu_p50_ms": statistics.median(cpus), f"{key}cpu_p95_ms": _percentile(cpus, 0.95),
                    f"{key}max_ms": max(times), "with_results": sum(t > 0 for t in totals)})
        print(f"  previews{' (semantic)' if semantic else ''}: p50 {out[key + 'p50_ms']:.0f} ms, p95 "
              f"{out[key + 'p95_ms']:.0f} ms wall; CPU p50 {out[key + 'cpu_p50_ms']:.0f} ms, p95 "
              f"{out[key + 'cpu_p95_ms']:.0f} ms; {out['with_results']} of {len(described)} with results", flush=True)
    filters = parse_query(SAVED_QUERY).filters
    group = create_group(db, workspace.id, "bench saved", filters, SAVED_COUNT, today=REF)
    wall, cpu = time.perf_counter(), time.process_time()
    result = run_saved_search(db, workspace.id, group)
    out.update(saved_s=time.perf_counter() - wall, saved_cpu_s=time.process_time() - cpu,
               saved=result["collected"])
    print(f"  saved search {SAVED_QUERY!r}: {out['saved']:,} results in {out['saved_s']:.1f} s wall, "
          f"{out['saved_cpu_s']:.1f} s CPU", flush=True)
    db.close()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--no-doc", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args, _ = parser.parse_known_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    for people in sizes:
        with tempfile.TemporaryDirectory(prefix="outboard-bench-search-") as tmp:
            rows.append(run(people, args.queries, Path(tmp)))
    if not args.no_doc:
        from bench.report import plot, write_section

        charts = [plot("search_load", "Loading the prospect index (SQLite)", "people", "seconds",
                       {"wall": [(r["people"], r["load_s"]) for r in rows],
                        "CPU": [(r["people"], r["load_cpu_s"]) for r in rows]}),
                  plot("search_preview", "Preview latency, 100 queries (SQLite)", "people", "milliseconds",
                       {"p95": [(r["people"], r["p95_ms"]) for r in rows],
                        "p95 semantic": [(r["people"], r["semantic_p95_ms"]) for r in rows],
                        "p50": [(r["people"], r["p50_ms"]) for r in rows]})]
        write_section("Discovery search", _section(rows, args.queries, charts))


def _mark(value: float, target: float) -> str:
    return f"**{value:,.1f}**" if value <= target else f"{value:,.1f} (over {target:,.0f})"


def _section(rows: list[dict[str, Any]], n_queries: int, charts: list[str]) -> str:
    lines = [
        f"`.venv/bin/python -m bench.bench_search --sizes {','.join(str(r['people']) for r in rows)}` — sample "
        f"people (seed 1) and a fifth as many companies loaded from JSONL into a fresh SQLite database with "
        f"`outboard index load`'s code; then {n_queries} varied previews (`outboard search \"…\"`: parse not "
        f"timed, top 25 with fit signals, total, dedup against the workspace, metered; after one untimed pass "
        f"over the same queries, as a running server has its page cache warm), the same with semantic "
        f"re-ranking (hashed n-grams, top 100), and a saved search of {SAVED_COUNT:,} results "
        f"({SAVED_QUERY!r}). Wall time on a shared machine (the load average is given, on {os.cpu_count()} CPUs) "
        "overstates the code's cost; CPU time is the process's own (the load's includes its worker processes). "
        f"Targets: load 1,000,000 people in {TARGETS['load_s']:.0f} s, preview p95 {TARGETS['p95_ms']:.0f} ms "
        f"({TARGETS['p95_semantic_ms']:.0f} ms with re-ranking), saved search {TARGETS['saved_s']:.0f} s.",
        "",
        "| People | Companies | Load wall | Load CPU | Load avg | DB size | Preview p50 / p95 | CPU p50 / p95 | "
        "Semantic p50 / p95 | Semantic CPU p95 | Saved search | Saved CPU |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        saved = f"{r['saved']:,} in {r['saved_s']:.1f} s"
        lines.append(
            f"| {r['people']:,} | {r['companies']:,} | {_mark(r['load_s'], TARGETS['load_s'])} s | "
            f"{r['load_cpu_s']:.1f} s | {r['load_avg']:.1f} | {r['db_mb']:,.0f} MB | {r['p50_ms']:.0f} / "
            f"{_mark(r['p95_ms'], TARGETS['p95_ms'])} ms | {r['cpu_p50_ms']:.0f} / {r['cpu_p95_ms']:.0f} ms | "
            f"{r['semantic_p50_ms']:.0f} / {_mark(r['semantic_p95_ms'], TARGETS['p95_semantic_ms'])} ms | "
            f"{r['semantic_cpu_p95_ms']:.0f} ms | {saved} | {r['saved_cpu_s']:.1f} s |")
    lines += ["", *charts]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
