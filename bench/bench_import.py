"""CSV import into SQLite: rows/s and peak memory at 10,000, 100,000 and 1,000,000 rows.

    .venv/bin/python -m bench.bench_import [--sizes 10000,100000,1000000] [--keep]

The file comes from bench_normalize's row generator (Apollo / Sales Navigator / HubSpot-like rows, 5%
duplicates of earlier people in another case, 20,000 companies); the smaller files are the first rows of
the big one. Each size is imported by a fresh process into a fresh SQLite database through the service
`outboard import` runs (sources.importer.import_file), so its peak memory is the import's alone: the
maximum resident set of the importing process (RUSAGE_SELF) and of its worker processes (RUSAGE_CHILDREN).
CPU time is reported too, because this machine is shared: wall-clock rows/s depends on what else runs.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

SIZES = (10_000, 100_000, 1_000_000)
TARGET_ROWS_PER_S = 20_000
TARGET_PEAK_MIB = 1024


def write_file(path: Path, count: int) -> None:
    from bench.bench_normalize import make_rows

    rows = make_rows(count, seed=11)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def head(source: Path, target: Path, count: int) -> None:
    """The header and the first `count` rows (no quoted newlines in the generated file)."""
    with source.open(encoding="utf-8") as src, target.open("w", encoding="utf-8") as out:
        for number, line in enumerate(src):
            if number > count:
                break
            out.write(line)


def _status_kib(pid: int | str, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class MemoryWatch(threading.Thread):
    """Samples this process and its children (the worker processes) from /proc: each one's own peak
    (VmHWM, which starts afresh at exec; ru_maxrss would also count the parent's memory at fork time), and
    the largest sum of their resident sets seen at once."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.worker_peak_kib = 0
        self.total_peak_kib = 0

    def _children(self) -> list[str]:
        me, found = str(os.getpid()), []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if (entry / "stat").read_text().rsplit(")", 1)[1].split()[1] == me:
                        found.append(entry.name)
                except (OSError, IndexError):
                    continue
        return found

    def run(self) -> None:
        while not self.stop.wait(0.25):
            children = self._children()
            for pid in children:
                self.worker_peak_kib = max(self.worker_peak_kib, _status_kib(pid, "VmHWM"))
            total = _status_kib("self", "VmRSS") + sum(_status_kib(pid, "VmRSS") for pid in children)
            self.total_peak_kib = max(self.total_peak_kib, total)


def run_one(csv_path: str, db_path: str) -> None:
    """Child process: a fresh database, one workspace, the import; prints its figures as JSON."""
    from outboard.db.database import Database
    from outboard.db.migrate import upgrade
    from outboard.db.models import Workspace
    from outboard.sources.importer import ImportOptions, import_file

    db = Database.open(f"sqlite:///{db_path}")
    upgrade(db.engine)
    with db.transaction() as session:
        workspace = Workspace(name="Bench", slug="bench", preferences={})
        session.add(workspace)
        session.flush()
        workspace_id = workspace.id
    before = resource.getrusage(resource.RUSAGE_SELF)
    watch = MemoryWatch()
    watch.start()
    started = time.perf_counter()
    summary = import_file(db, workspace_id, csv_path, ImportOptions())
    wall = time.perf_counter() - started
    watch.stop.set()
    watch.join()
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    db.close()
    print(json.dumps({
        "rows": summary.rows, "new": summary.new, "duplicates": summary.duplicates, "rejected": summary.rejected,
        "wall": wall, "cpu_main": me.ru_utime + me.ru_stime - before.ru_utime - before.ru_stime,
        "cpu_workers": kids.ru_utime + kids.ru_stime,
        "peak_main_mib": _status_kib("self", "VmHWM") / 1024, "peak_worker_mib": watch.worker_peak_kib / 1024,
        "peak_total_mib": watch.total_peak_kib / 1024,
        "maxrss_self_mib": me.ru_maxrss / 1024, "maxrss_children_mib": kids.ru_maxrss / 1024,
        "db_mib": os.path.getsize(db_path) / 2**20,
    }))


def measure(csv_path: Path, folder: Path) -> dict[str, float]:
    db_path = folder / f"import-{csv_path.stem}.db"
    load = os.getloadavg()[0]
    done = subprocess.run([sys.executable, "-m", "bench.bench_import", "--run", str(csv_path), str(db_path)],
                          capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parent.parent)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["load"] = (load + os.getloadavg()[0]) / 2
    figures["rows_per_s"] = figures["rows"] / figures["wall"]
    figures["rows_per_cpu_s"] = figures["rows"] / (figures["cpu_main"] + figures["cpu_workers"])
    for name in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
        name.unlink(missing_ok=True)
    return figures


def report(results: dict[int, dict[str, float]], seconds_to_generate: float) -> None:
    from bench.report import plot, write_section
    from outboard.sources.importer import BATCH_ROWS

    lines = ["| Rows | Wall clock | Rows/s | CPU: main + workers | Rows per CPU-second | Peak memory: importer "
             "/ largest worker / all together | Load average |", "|---|---|---|---|---|---|---|"]
    for size, r in sorted(results.items()):
        lines.append(f"| {size:,} | {r['wall']:.1f} s | {r['rows_per_s']:,.0f} | {r['cpu_main']:.1f} s + "
                     f"{r['cpu_workers']:.1f} s | {r['rows_per_cpu_s']:,.0f} | {r['peak_main_mib']:.0f} / "
                     f"{r['peak_worker_mib']:.0f} / {r['peak_total_mib']:.0f} MiB | {r['load']:.1f} |")
    biggest = results[max(results)]
    peak = max(biggest["peak_main_mib"], biggest["peak_worker_mib"])
    total_peak = biggest["peak_total_mib"]
    verdict_speed = "meets" if biggest["rows_per_s"] >= TARGET_ROWS_PER_S else "misses"
    verdict_memory = "meets" if total_peak < TARGET_PEAK_MIB else "misses"
    cores = os.cpu_count() or 1
    idle = biggest["rows"] / max(biggest["cpu_main"], (biggest["cpu_main"] + biggest["cpu_workers"]) / cores)
    body = "\n".join([
        "`.venv/bin/python -m bench.bench_import` — rows from `bench/bench_normalize.py` (5% duplicates of an "
        "earlier person written in another case; 20,000 companies), imported by a fresh process into a fresh "
        "SQLite database through `sources.importer.import_file` (what `outboard import` runs): batches of "
        f"{BATCH_ROWS:,} rows, one worker process per core normalising rows, dedup against the database and within the "
        f"file, suppression check, provenance and source group. Generating the 1,000,000-row file took "
        f"{seconds_to_generate:.0f} s (not counted).",
        "",
        *lines,
        "",
        f"At {biggest['rows']:,} rows: {biggest['rows_per_s']:,.0f} rows/s wall clock ({verdict_speed} the "
        f"{TARGET_ROWS_PER_S:,} rows/s target on this machine as it was), peak memory {peak:.0f} MiB in one "
        f"process and {total_peak:.0f} MiB for the importer and its {cores} workers together ({verdict_memory} "
        f"the 1 GiB target). Peaks are each process's VmHWM and the largest sum of resident sets sampled every "
        f"250 ms (ru_maxrss would also count a parent's memory at the time it forked the process). "
        f"The machine was shared with other work during the run (load average "
        f"{biggest['load']:.1f} on {cores} cores), so wall clock is far above CPU time; with the cores to itself "
        f"the import would be bounded by its busiest process: about {idle:,.0f} rows/s from these CPU times "
        f"(an estimate, not a measurement).",
        "",
        plot("import_rows_per_s", "CSV import throughput vs rows", "rows", "rows/s",
             {"wall clock": [(s, r["rows_per_s"]) for s, r in results.items()],
              "per CPU-second": [(s, r["rows_per_cpu_s"]) for s, r in results.items()]}),
        "",
        plot("import_peak_memory", "CSV import peak memory vs rows", "rows", "MiB",
             {"all processes": [(s, r["peak_total_mib"]) for s, r in results.items()],
              "importer": [(s, r["peak_main_mib"]) for s, r in results.items()],
              "largest worker": [(s, r["peak_worker_mib"]) for s, r in results.items()]}),
    ])
    write_section("CSV import", body)


def main() -> None:
    if "--generate" in sys.argv:
        index = sys.argv.index("--generate")
        write_file(Path(sys.argv[index + 1]), int(sys.argv[index + 2]))
        return
    if "--run" in sys.argv:
        index = sys.argv.index("--run")
        run_one(sys.argv[index + 1], sys.argv[index + 2])
        return
    sizes = SIZES
    if "--sizes" in sys.argv:
        sizes = tuple(int(s) for s in sys.argv[sys.argv.index("--sizes") + 1].split(","))
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        folder = Path(tmp)
        big = folder / f"leads-{max(sizes)}.csv"
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bench.bench_import", "--generate", str(big), str(max(sizes))],
                       check=True, cwd=Path(__file__).resolve().parent.parent)
        generated = time.perf_counter() - started
        print(f"generated {max(sizes):,} rows ({big.stat().st_size / 2**20:.0f} MiB) in {generated:.0f} s", flush=True)
        results = {}
        for size in sorted(sizes):
            path = big if size == max(sizes) else folder / f"leads-{size}.csv"
            if path != big:
                head(big, path, size)
            results[size] = figures = measure(path, folder)
            print(f"{size:>9,} rows: {figures['wall']:.1f} s = {figures['rows_per_s']:,.0f} rows/s; CPU "
                  f"{figures['cpu_main']:.1f} s main + {figures['cpu_workers']:.1f} s workers = "
                  f"{figures['rows_per_cpu_s']:,.0f} rows per CPU-second; peak {figures['peak_main_mib']:.0f} MiB "
                  f"(workers {figures['peak_worker_mib']:.0f} MiB, together {figures['peak_total_mib']:.0f} MiB); "
                  f"{figures['new']:,} new, "
                  f"{figures['duplicates']:,} duplicates; load {figures['load']:.1f}", flush=True)
        report(results, generated)


if __name__ == "__main__":
    main()
