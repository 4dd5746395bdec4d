"""Time the sample-data generator: 1,000,000 people + 200,000 companies to JSONL on one core.

    .venv/bin/python -m bench.bench_sample [--people N] [--formats jsonl,csv,parquet] [--no-doc]

Prints wall and CPU time per stage and rewrites the `## Sample data` section of docs/benchmarks.md.
Files go to a temporary directory that is deleted afterwards.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from outboard.sources.sample import SampleSpec, write_sample

TARGET_S = 60.0


def run(people: int, fmt: str, directory: Path) -> dict[str, float]:
    timings: dict[str, float] = {}
    wall, cpu = time.perf_counter(), time.process_time()
    paths = write_sample(directory, SampleSpec(people=people, seed=1), fmt, timings)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    load = os.getloadavg()[0]  # the machine may be shared: wall time then overstates the generator's cost
    size = sum(path.stat().st_size for path in paths.values())
    for path in paths.values():
        path.unlink()
    return {"people": people, "companies": max(1, people // 5), "core": timings["company_table"],
            "companies_s": timings["companies"], "people_s": timings["people"], "wall": wall, "cpu": cpu,
            "mb": size / 1e6, "load": load}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--formats", default="jsonl")
    parser.add_argument("--no-doc", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args, _ = parser.parse_known_args(argv)  # `python -m bench bench_sample` passes the module name along
    rows = []
    with tempfile.TemporaryDirectory(prefix="outboard-bench-") as tmp:
        for fmt in args.formats.split(","):
            r = run(args.people, fmt, Path(tmp))
            rows.append((fmt, r))
            print(f"{fmt}: {r['people']:,.0f} people + {r['companies']:,.0f} companies in {r['wall']:.1f} s wall, "
                  f"{r['cpu']:.1f} s CPU, load average {r['load']:.1f} (company table {r['core']:.1f} s, "
                  f"companies {r['companies_s']:.1f} s, people {r['people_s']:.1f} s), {r['mb']:,.0f} MB", flush=True)
    if not args.no_doc:
        from bench.report import write_section

        write_section("Sample data", _section(rows, args.people))


def _section(rows: list[tuple[str, dict[str, float]]], people: int) -> str:
    lines = [f"`.venv/bin/python -m bench.bench_sample --people {people}` — `outboard index sample` backend: "
             f"{people:,} people and {people // 5:,} companies generated (seed 1) and written to a temporary "
             "directory, one process. Wall time includes writing the file; CPU time is the process's own: on a "
             f"shared machine (see the load average, on {os.cpu_count()} CPUs) it is the honest one-core figure. "
             f"Target: 1,000,000 people + 200,000 companies to JSONL in under {TARGET_S:.0f} s on one core.", "",
             "| Format | People | Companies | Company table | Companies | People | Total wall | Total CPU | Load avg "
             "| Size |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for fmt, r in rows:
        lines.append(f"| {fmt} | {r['people']:,.0f} | {r['companies']:,.0f} | {r['core']:.1f} s | "
                     f"{r['companies_s']:.1f} s | {r['people_s']:.1f} s | {r['wall']:.1f} s | **{r['cpu']:.1f} s** | "
                     f"{r['load']:.1f} | {r['mb']:,.0f} MB |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
