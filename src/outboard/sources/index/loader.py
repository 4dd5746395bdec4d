"""`outboard index load`: prospect-index files (JSONL, CSV, Parquet) into the workspace's index.

Streaming: records are read one at a time, checked (records.py) and written in batches of `batch_size`,
one transaction per batch, so memory stays flat and an interruption leaves whole batches. Loading the same
file again updates the same rows (keyed by the record's `id`): nothing is duplicated. A record that cannot
be read or checked is skipped and reported with its file, line and field; the others load.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from outboard.db.database import Database
from outboard.db.models import IndexCompany, IndexPerson
from outboard.db.timeline import record as record_event
from outboard.sources.index import bulk
from outboard.sources.index.files import check_paths, converted, records_guess
from outboard.sources.index.records import CompanyRow, PersonRow, RowError
from outboard.sources.index.store import IndexWriter

BATCH = 2_000
MAX_ERRORS_KEPT = 100  # errors listed in the summary; all are counted
ProgressFn = Callable[[int, int | None, str], None]  # records done, records expected, message


@dataclass
class LoadSummary:
    files: list[str] = field(default_factory=list)
    companies_new: int = 0
    companies_updated: int = 0
    people_new: int = 0
    people_updated: int = 0
    people_linked: int = 0  # people whose company arrived later in the load (or changed)
    rejected: int = 0
    warnings: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    warning_examples: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def loaded(self) -> int:
        return self.companies_new + self.companies_updated + self.people_new + self.people_updated

    def as_dict(self) -> dict[str, Any]:
        return {"files": self.files, "companies_new": self.companies_new, "companies_updated": self.companies_updated,
                "people_new": self.people_new, "people_updated": self.people_updated,
                "people_linked": self.people_linked, "rejected": self.rejected, "warnings": self.warnings,
                "errors": self.errors, "warning_examples": self.warning_examples, "seconds": round(self.seconds, 2)}


class _Batches:
    def __init__(self, db: Database, writer: IndexWriter, summary: LoadSummary, size: int):
        self.db, self.writer, self.summary, self.size = db, writer, summary, size
        self.companies: list[CompanyRow] = []
        self.people: list[PersonRow] = []

    def add(self, row: CompanyRow | PersonRow) -> None:
        (self.companies if isinstance(row, CompanyRow) else self.people).append(row)  # type: ignore[arg-type]
        if len(self.companies) + len(self.people) >= self.size:
            self.flush()

    def flush(self) -> None:
        if not (self.companies or self.people):
            return
        with self.db.transaction() as session:
            conn = session.connection()
            if self.writer.sqlite:  # a bigger page cache: the index B-trees stay in memory between batches
                conn.exec_driver_sql("PRAGMA cache_size = -262144")
            new, updated = self.writer.write_companies(conn, self.companies)
            self.summary.companies_new += new
            self.summary.companies_updated += updated
            new, updated = self.writer.write_people(conn, self.people)
            self.summary.people_new += new
            self.summary.people_updated += updated
        self.companies, self.people = [], []


def _warn(summary: LoadSummary, name: str, line: int, warnings: list[tuple[str, str]]) -> None:
    summary.warnings += len(warnings)
    for field_name, reason in warnings:
        if len(summary.warning_examples) < MAX_ERRORS_KEPT:
            summary.warning_examples.append({"file": name, "line": line, "field": field_name, "reason": reason})


def _note(summary: LoadSummary, error: RowError) -> None:
    summary.rejected += 1
    if len(summary.errors) < MAX_ERRORS_KEPT:
        summary.errors.append(error.as_dict())


def load_files(db: Database, workspace_id: int, paths: Sequence[str | Path], *, batch_size: int = BATCH,
               workers: int | None = None, progress: ProgressFn | None = None,
               bulk_threshold: int = bulk.BULK_MIN_RECORDS) -> LoadSummary:
    """Load index files into a workspace's index; returns what happened (errors listed, not raised).
    A first load of at least `bulk_threshold` records builds the search indexes at the end (bulk.py)."""
    started = time.perf_counter()
    files = check_paths(paths)
    summary = LoadSummary(files=[p.name for p in files])
    writer = IndexWriter(workspace_id, db.engine.dialect.name, db.clock.now())
    expected = sum(records_guess(p) for p in files)
    done = 0
    batches = _Batches(db, writer, summary, max(1, batch_size))
    writer.fresh = empty_index(db, workspace_id)
    bulk.repair(db, workspace_id)
    state = bulk.begin(db, workspace_id, expected, bulk_threshold)
    try:
        for path in files:
            rows = 0
            for line, row in converted(path, workers):
                if isinstance(row, RowError):
                    _note(summary, row)
                    continue
                if row.warnings:
                    _warn(summary, path.name, line, row.warnings)
                batches.add(row)
                rows += 1
                done += 1
                if progress is not None and done % (batch_size * 5) == 0:
                    expected = max(expected, done)
                    progress(done, expected, f"{path.name}: {rows:,} records")
            batches.flush()
            if progress is not None:
                note = "building the search indexes" if state is not None and path == files[-1] else ""
                progress(done, max(expected, done), note or f"{path.name}: {rows:,} records")
    finally:
        if state is not None:  # also after a failure: the indexes come back, loaded rows become searchable
            bulk.finish(db, state)
    with db.transaction() as session:
        summary.people_linked = writer.finish(session.connection())
        record_event(session, workspace_id, "index_loaded", files=summary.files, people=summary.people_new,
                     people_updated=summary.people_updated, companies=summary.companies_new,
                     rejected=summary.rejected, bulk=state is not None)
    analyze(db, summary.loaded)
    summary.seconds = time.perf_counter() - started
    return summary


def empty_index(db: Database, workspace_id: int) -> bool:
    with db.sessions() as session:
        return all(session.scalar(select(model.id).where(model.workspace_id == workspace_id).limit(1)) is None
                   for model in (IndexPerson, IndexCompany))


def analyze(db: Database, changed: int) -> None:
    """Refresh the planner's statistics after a load, so filters pick the right index."""
    if changed == 0:
        return
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "sqlite":
            # Exact statistics (a second at a million people: the rows are narrow); sampled ones misled the
            # planner into scanning a size range instead of the function index.
            conn.exec_driver_sql("PRAGMA analysis_limit = 0")
            conn.exec_driver_sql("ANALYZE index_people")
            conn.exec_driver_sql("ANALYZE index_companies")
        else:
            conn.exec_driver_sql("ANALYZE index_people, index_person_details, index_companies")
