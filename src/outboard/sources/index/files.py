"""Reading prospect-index files record by record, and turning raw records into rows, on every core.

`raw_items(path)` yields (line, raw) where raw is the undecoded JSON line (JSONL), a dict (CSV, Parquet)
or a RowError (a CSV row with extra cells). `converted(path, workers)` decodes and checks them
(records.py) in worker processes when the file is big, in this process otherwise, and yields the results
in file order with at most two chunks per worker in flight, so memory stays flat.
"""

from __future__ import annotations

import csv
import json
import os
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from outboard.core.errors import ValidationError
from outboard.sources.index.records import BadValue, CompanyRow, PersonRow, RowError, company_row, person_row
from outboard.sources.sample import read_records

CHUNK = 1_000
BIG_FILE = 8 << 20  # bytes: below this, converting in this process is cheaper than starting workers
SUFFIXES = (".jsonl", ".ndjson", ".csv", ".parquet")
Raw = str | dict[str, Any] | RowError
Row = CompanyRow | PersonRow | RowError


def kind_of_file(path: Path) -> str | None:
    """What a file holds when its records do not say: companies.* or people.*."""
    name = path.name.lower()
    if "compan" in name:
        return "company"
    if "people" in name or "person" in name:
        return "person"
    return None


def _jsonl(path: Path) -> Iterator[tuple[int, Raw]]:
    with path.open(encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, start=1):
            if line.strip():
                yield number, line


def _csv_cell(text: str) -> Any:
    if text == "":
        return None
    if text in ("true", "false"):
        return text == "true"
    if text[:1] in "[{":
        try:
            return json.loads(text)
        except ValueError:
            return text  # the field's check reports it ("must be a list")
    return text


def _csv(path: Path) -> Iterator[tuple[int, Raw]]:
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as f:
        for number, row in enumerate(csv.DictReader(f), start=2):
            if None in row:
                yield number, RowError(path.name, number, "row", "has more cells than the header")
            else:
                yield number, {k: _csv_cell(v or "") for k, v in row.items() if k}


def raw_items(path: Path) -> Iterator[tuple[int, Raw]]:
    """(line, raw record) for every record of a file; the format comes from the extension."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return _jsonl(path)
    if suffix == ".csv":
        return _csv(path)
    if suffix == ".parquet":
        return enumerate(read_records(path, "parquet"), start=1)
    raise ValidationError("file", "must end in .jsonl, .csv or .parquet", value=path.name)


def check_paths(paths: Sequence[str | Path]) -> list[Path]:
    """Absolute paths of readable index files (a folder means its index files, companies first);
    ValidationError naming the first that is not one."""
    if not paths:
        raise ValidationError("path", "name at least one file (people.jsonl, companies.csv, ...)")
    out = []
    for given in paths:
        path = Path(given).expanduser().resolve()
        if path.is_dir():
            found = [p for p in path.iterdir() if p.suffix.lower() in SUFFIXES]
            if not found:
                raise ValidationError("path", "folder holds no .jsonl, .csv or .parquet file", value=str(path))
            # Companies first: their people then find them in the writer's cache.
            out += sorted(found, key=lambda p: (kind_of_file(p) != "company", p.name))
            continue
        if not path.is_file():
            raise ValidationError("path", "no such file", value=str(path))
        if path.suffix.lower() not in SUFFIXES:
            raise ValidationError("file", "must end in .jsonl, .csv or .parquet", value=path.name)
        out.append(path)
    return out


def records_guess(path: Path) -> int:
    """How many records a file probably holds (for the progress bar only)."""
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    with path.open("rb") as f:
        head = f.read(1 << 20)
    lines = head.count(b"\n")
    return max(1, int(path.stat().st_size / (len(head) / lines))) if head and lines else 1


def convert(raw: Raw, kind: str | None, name: str, line: int) -> Row:
    """One raw record checked and turned into a row, or the reason it cannot be."""
    if isinstance(raw, RowError):
        return raw
    if isinstance(raw, str):
        try:
            decoded = json.loads(raw)
        except ValueError as exc:
            return RowError(name, line, "line", f"is not valid JSON ({exc.msg})", raw[:60].strip())
        if not isinstance(decoded, dict):
            return RowError(name, line, "line", "must be a JSON object", type(decoded).__name__)
        raw = decoded
    record_type = raw.get("record_type") or kind
    try:
        if record_type == "person":
            return person_row(raw)
        if record_type == "company":
            return company_row(raw)
    except BadValue as exc:
        return RowError(name, line, exc.field, exc.reason, "" if exc.value is None else str(exc.value)[:60])
    return RowError(name, line, "record_type", "must be 'person' or 'company' (or name the file people.* or "
                                               "companies.*)", str(raw.get("record_type") or "")[:40])


def convert_chunk(kind: str | None, name: str, items: list[tuple[int, Raw]]) -> list[tuple[int, Row]]:
    """A chunk of raw records converted (top level, so worker processes can run it)."""
    return [(line, convert(raw, kind, name, line)) for line, raw in items]


def default_workers(path: Path) -> int:
    if path.stat().st_size < BIG_FILE:
        return 0
    return max(1, min(3, os.cpu_count() or 1))  # the writer mostly waits on SQLite: workers can share its core


def _chunks(path: Path) -> Iterator[list[tuple[int, Raw]]]:
    chunk: list[tuple[int, Raw]] = []
    for item in raw_items(path):
        chunk.append(item)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def converted(path: Path, workers: int | None = None) -> Iterator[tuple[int, Row]]:
    """(line, row or RowError) for every record of the file, in file order."""
    kind, name = kind_of_file(path), path.name
    workers = default_workers(path) if workers is None else workers
    if workers <= 0:
        for chunk in _chunks(path):
            yield from convert_chunk(kind, name, chunk)
        return
    # spawn, not fork: the load may run in a job thread, and forking a threaded process is unsafe.
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
    pending: deque[Future[list[tuple[int, Row]]]] = deque()
    try:
        for chunk in _chunks(path):
            pending.append(pool.submit(convert_chunk, kind, name, chunk))
            if len(pending) >= 2 * workers:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
