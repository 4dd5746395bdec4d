"""Time the sample-data generator: people + a fifth as many companies, per format, on one core.

    .venv/bin/python -m bench.bench_sample [--sizes 10000,100000,1000000] [--formats jsonl,csv,parquet]
                                           [--people N] [--no-doc]

For each size and format: prints wall and CPU time per stage, then rewrites the `## Sample data` section of
docs/benchmarks.md and its plot (CPU seconds against people, one line per format). `--people N` times a
single size. Files go to a temporary directory that is deleted afterwards. The defaults take 10 to 15
minutes of wall clock on a busy 2-core machine (about 3.5 minutes of CPU; the 1,000,000-people runs are most of it).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from outboard.sources.sample import SampleSpec, write_sample

TARGET_S = 60.0
HEADLINE = 1_000_000


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
    parser.add_argument("--sizes", default="10000,100000,1000000", help="people per run, comma-separated")
    parser.add_argument("--people", type=int, default=None, help="time this one size only")
    parser.add_argument("--formats", default="jsonl,csv,parquet")
    parser.add_argument("--no-doc", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args, _ = parser.parse_known_args(argv)  # `python -m bench bench_sample` passes the module name along
    sizes = [args.people] if args.people else [int(s) for s in args.sizes.split(",")]
    formats = args.formats.split(",")
    rows = []
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="outboard-bench-") as tmp:
        for people in sizes:
            for fmt in formats:
                r = run(people, fmt, Path(tmp))
                rows.append((fmt, r))
                print(f"{fmt}: {r['people']:,.0f} people + {r['companies']:,.0f} companies in {r['wall']:.1f} s "
                      f"wall, {r['cpu']:.1f} s CPU, load average {r['load']:.1f} (company table {r['core']:.1f} s, "
                      f"companies {r['companies_s']:.1f} s, people {r['people_s']:.1f} s), {r['mb']:,.0f} MB",
                      flush=True)
    took = time.perf_counter() - began
    if not args.no_doc:
        from bench.report import plot, write_section

        chart = plot("sample_generation", "Sample data generation, CPU time vs people", "people",
                     "CPU seconds", {f"{fmt} CPU": [(r["people"], r["cpu"]) for f, r in rows if f == fmt]
                                     for fmt in formats})
        write_section("Sample data", _section(rows, sizes, formats, took, chart))


def _section(rows: list[tuple[str, dict[str, float]]], sizes: list[int], formats: list[str], took: float,
             chart: str) -> str:
    command = "`.venv/bin/python -m bench.bench_sample`"
    if sizes != [10_000, 100_000, 1_000_000] or formats != ["jsonl", "csv", "parquet"]:
        command = (f"`.venv/bin/python -m bench.bench_sample --sizes {','.join(map(str, sizes))} "
                   f"--formats {','.join(formats)}`")
    lines = [f"{command} — `outboard index sample` backend: "
             f"{', '.join(f'{n:,}' for n in sizes)} people and a fifth as many companies generated (seed 1) and "
             f"written to a temporary directory, one process, per format ({', '.join(formats)}); the whole run "
             f"took {took / 60:.0f} min. Wall time includes writing the file; CPU time is the process's own: on a "
             f"shared machine (see the load average, on {os.cpu_count()} CPUs) it is the honest one-core figure. "
             f"Target: 1,000,000 people + 200,000 companies to JSONL in under {TARGET_S:.0f} s on one core.", "",
             "| Format | People | Companies | Company table | Companies | People | Total wall | Total CPU | Load avg "
             "| Size |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    ordered = sorted(rows, key=lambda row: (formats.index(row[0]), row[1]["people"]))
    for fmt, r in ordered:
        lines.append(f"| {fmt} | {r['people']:,.0f} | {r['companies']:,.0f} | {r['core']:.1f} s | "
                     f"{r['companies_s']:.1f} s | {r['people_s']:.1f} s | {r['wall']:.1f} s | **{r['cpu']:.1f} s** | "
                     f"{r['load']:.1f} | {r['mb']:,.0f} MB |")
    headline = [r for fmt, r in rows if fmt == "jsonl" and r["people"] == HEADLINE]
    if headline:
        verdict = "meets" if headline[0]["cpu"] < TARGET_S else "misses"
        lines += ["", f"1,000,000 people to JSONL: {headline[0]['cpu']:.1f} s CPU on one core ({verdict} the "
                      f"{TARGET_S:.0f} s target), {headline[0]['wall']:.1f} s wall clock at load average "
                      f"{headline[0]['load']:.1f}."]
    lines += ["", chart]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
