"""Importing a CSV or JSONL file into a workspace: the service behind `outboard import`, the "import" job
and the web upload.

Streaming: rows are read, prepared (pipeline) and written in batches of `batch_size` rows, one
transaction each, so memory stays flat and a crash or Ctrl-C leaves whole batches only. A batch the
database refuses (a value it will not take) is split in halves until the refused row is found; that row
is reported and the others are stored. Running the same import again stores nothing new: every row
matches the lead it made the first time (see store.py).
"""

from __future__ import annotations

import gc
import heapq
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from outboard.core.errors import ValidationError
from outboard.db.database import Database
from outboard.db.models import SourceGroup
from outboard.db.timeline import record
from outboard.sources.groups import group_for
from outboard.sources.pipeline import Chunk, default_workers, prepared_chunks
from outboard.sources.prepare import Prepared, Rejected
from outboard.sources.presets import ColumnMapping, build_mapping
from outboard.sources.reader import Table, open_table
from outboard.sources.store import LeadWriter
from outboard.sources.summary import ImportSummary

BATCH_ROWS = 8_000
SQLITE_CACHE_KIB = 256 * 1024
SQLITE_CHECKPOINT_PAGES = 25_000  # WAL pages (100 MiB) between checkpoints during an import
CONNECTIONS_PRESET = "linkedin_connections"

ProgressFn = Callable[[int, int | None, str], None]  # rows done, rows expected, message
CheckpointFn = Callable[[Session, dict[str, Any]], None]  # called inside each batch's transaction


@dataclass(frozen=True)
class ImportOptions:
    group: str | None = None  # source group name; default: the file name
    preset: str | None = None  # force a preset instead of detecting it from the header
    mapping: str | None = None  # path of a mapping file (TOML or JSON)
    encoding: str | None = None
    delimiter: str | None = None
    batch_size: int = BATCH_ROWS
    workers: int | None = None  # processes preparing rows; default: one per core for files over 2 MB


def open_import(path: str | Path, options: ImportOptions) -> tuple[Table, ColumnMapping]:
    """Open the file and map its columns; ValidationError when the file, preset or mapping is unusable."""
    path = Path(path)
    if not path.is_file():
        raise ValidationError("file", "no such file", value=str(path))
    if options.delimiter is not None and len(options.delimiter) != 1:
        raise ValidationError("delimiter", "must be one character (use \\t for tab)", value=options.delimiter)
    table = open_table(path, encoding=options.encoding, delimiter=options.delimiter)
    try:
        return table, build_mapping(table.header, preset=options.preset, mapping=options.mapping)
    except BaseException:
        table.close()
        raise


def _estimate(rows: int, bytes_read: int, size: int) -> int | None:
    return max(rows, round(rows * size / bytes_read)) if bytes_read and rows else None


def _warnings(item: Prepared) -> list[dict[str, Any]]:
    return [{"row": item.row, "field": p.field, "reason": p.reason, **({"value": p.value[:200]} if p.value else {})}
            for p in item.lead.problems]


class _Batches:
    """Collects prepared rows into batches and commits each in its own transaction."""

    def __init__(self, transaction: Callable[[], AbstractContextManager[Session]], writer: LeadWriter,
                 summary: ImportSummary, size: int, checkpoint: CheckpointFn | None):
        self.transaction, self.writer, self.summary = transaction, writer, summary
        self.size, self.checkpoint = size, checkpoint
        self.items: list[Prepared] = []
        self.rejected: list[Rejected] = []
        self.warnings: list[dict[str, Any]] = []
        self.rows = 0
        self.last_row = 0

    def add(self, chunk: Chunk) -> None:
        # Unreadable rows are merged back in file order, so a checkpoint never passes a row not yet counted.
        entries = heapq.merge(chunk.prepared, chunk.unreadable, key=lambda e: e.row) if chunk.unreadable \
            else chunk.prepared
        for entry in entries:
            if isinstance(entry, Rejected):
                self.rejected.append(entry)
            else:
                self.items.append(entry)
                if entry.lead.problems:
                    self.warnings.extend(_warnings(entry))
            self.rows += 1
            self.last_row = max(self.last_row, entry.row)
            if len(self.items) >= self.size or self.rows >= 4 * self.size:  # a file of bad rows too
                self.flush()

    def flush(self) -> None:
        if not (self.rows or self.items or self.rejected):
            return
        rejected = sorted(self.rejected, key=lambda r: r.row)
        items, warnings, rows = self.items, self.warnings, self.rows
        self.items, self.rejected, self.warnings, self.rows = [], [], [], 0
        self._write(items, [r.as_dict() for r in rejected], warnings, rows, self.last_row)

    def _write(self, items: list[Prepared], rejected: list[dict[str, Any]], warnings: list[dict[str, Any]],
               rows: int, last_row: int) -> None:
        try:
            with self.transaction() as session:
                result = self.writer.write_batch(session, items)
                result.rejected[:0] = rejected
                result.warnings.extend(warnings)
                result.last_row = last_row
                if self.checkpoint is not None:
                    after = ImportSummary.from_dict(self.summary.as_dict())
                    after.add(result, rows)
                    self.checkpoint(session, after.as_dict())
        except (IntegrityError, DataError) as exc:
            self.writer.rolled_back()
            if len(items) <= 1:  # the database refused this row: report it, keep going
                reason = f"the database refused this row: {str(exc.orig).strip().splitlines()[0][:200]}"
                refused = [{"row": item.row, "field": "record", "reason": reason} for item in items]
                bad = {item.row for item in items}
                self._write([], rejected + refused, [w for w in warnings if w["row"] not in bad], rows, last_row)
                return
            half = len(items) // 2
            self._write(items[:half], rejected, warnings, rows, items[half - 1].row)
            self._write(items[half:], [], [], 0, last_row)
            return
        except BaseException:
            self.writer.rolled_back()
            raise
        self.writer.committed(result)
        self.summary.add(result, rows)


@contextmanager
def _import_connection(db: Database) -> Iterator[Callable[[], AbstractContextManager[Session]]]:
    """One connection for the whole import, its batches one transaction each. On SQLite it gets a page
    cache big enough for the leads' indexes (the default 2 MB makes every insert read index pages back
    from the OS) and checkpoints the WAL less often: every batch rewrites pages all over the identity
    indexes, and a checkpoint after each batch copied each page back again (a checkpoint every 100 MiB
    copies a page once for several batches). Both are set back when the import ends."""
    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            connection.exec_driver_sql(f"PRAGMA wal_autocheckpoint={SQLITE_CHECKPOINT_PAGES}")
            connection.commit()

        @contextmanager
        def transaction() -> Iterator[Session]:
            with db.sessions(bind=connection) as session, session.begin():
                yield session

        try:
            yield transaction
        finally:
            if sqlite:
                connection.rollback()
                connection.exec_driver_sql("PRAGMA cache_size=-2000")
                connection.exec_driver_sql("PRAGMA wal_autocheckpoint=1000")
                connection.commit()


@contextmanager
def _few_collections() -> Iterator[None]:
    """Rows live for one batch, but the cyclic garbage collector's full passes walk every object of the
    process, again and again: a third of an import's time. Freeze what exists and collect less often."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(threshold[0], 50_000), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def import_file(db: Database, workspace_id: int, path: str | Path, options: ImportOptions = ImportOptions(), *,
                progress: ProgressFn | None = None, checkpoint: CheckpointFn | None = None,
                resume: dict[str, Any] | None = None) -> ImportSummary:
    """Import one file into a source group. `resume` is a checkpoint (a summary dict with last_row) from an
    interrupted run of the same job: rows up to it are skipped and counting goes on from it."""
    started = time.perf_counter()
    path = Path(path)
    table, mapping = open_import(path, options)
    with table:
        name = path.name[:200]
        with db.transaction() as session:
            group = group_for(session, workspace_id, options.group or name, "import")
            group_id, group_name = group.id, group.name
            writer = LeadWriter(workspace_id, group_id, f"import:{name}"[:250],
                                connections=mapping.preset == CONNECTIONS_PRESET)
            hashes = writer.has_suppressions(session)  # else they are computed only if a list appears
        summary = ImportSummary.from_dict(resume) if resume else ImportSummary()
        summary.file, summary.group, summary.group_id = name, group_name, group_id
        summary.preset, summary.mapping = mapping.preset, mapping.describe()
        spent = summary.seconds
        size = path.stat().st_size
        workers = options.workers if options.workers is not None else default_workers(size)
        with _import_connection(db) as transaction, _few_collections():
            batches = _Batches(transaction, writer, summary, max(1, options.batch_size), checkpoint)
            for chunk in prepared_chunks(table, mapping, workers=workers, skip_through=summary.last_row,
                                          hashes=hashes, ahead_rows=batches.size):
                before = summary.rows
                batches.add(chunk)
                if progress is not None and summary.rows != before:
                    progress(summary.rows, _estimate(summary.rows, chunk.bytes_read, size), _message(summary))
            batches.flush()
    summary.companies_created += writer.companies.created
    summary.seconds = spent + time.perf_counter() - started
    _finish(db, workspace_id, summary)
    if progress is not None:
        progress(summary.rows, summary.rows, _message(summary))
    return summary


def _message(summary: ImportSummary) -> str:
    return (f"{summary.new:,} new, {summary.merged + summary.duplicates:,} merged, {summary.suppressed:,} suppressed,"
            f" {summary.rejected:,} rejected")


def _finish(db: Database, workspace_id: int, summary: ImportSummary) -> None:
    """The source group remembers its last import; the timeline records that it happened."""
    counts = summary.counts()
    with db.transaction() as session:
        group = session.get(SourceGroup, summary.group_id)
        query = dict(group.query or {}) if group is not None else {}
        query.update(source="import", file=summary.file, preset=summary.preset,
                     imports=int(query.get("imports", 0)) + 1, last_import=counts)
        session.execute(update(SourceGroup).where(SourceGroup.id == summary.group_id).values(query=query))
        record(session, workspace_id, "import_finished", subject=f"source_group:{summary.group_id}",
               **{k: counts[k] for k in ("file", "rows", "new", "merged", "duplicates", "suppressed", "rejected",
                                         "conflicts")})
