"""Rows of an open file, prepared in chunks on every core, in file order, with bounded memory.

The main process reads (CSV quoting makes the file impossible to split by bytes) and hands chunks of rows
to worker processes that normalise them; at most two chunks per worker and one batch are in flight, so
memory does not grow with the file, and results come back in file order, so batches and checkpoints follow the file.
Small files are prepared in this process: starting workers costs more than it saves. Workers are
started with "spawn", which imports the caller's __main__ again in each worker: a script that imports
files must keep its work under `if __name__ == "__main__":` (`outboard`, pytest and uvicorn do).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context

from outboard.sources.prepare import Prepared, Rejected, init_worker, prepare_chunk, prepare_rows
from outboard.sources.presets import ColumnMapping
from outboard.sources.reader import Table

CHUNK_ROWS = 1_000
SMALL_FILE = 2 << 20  # bytes: below this, one process


@dataclass
class Chunk:
    prepared: list[Prepared | Rejected] = field(default_factory=list)
    unreadable: list[Rejected] = field(default_factory=list)  # rows the reader could not read
    last_row: int = 0
    bytes_read: int = 0

    @property
    def rows(self) -> int:
        return len(self.prepared) + len(self.unreadable)


def default_workers(size: int) -> int:
    return 1 if size < SMALL_FILE else max(1, os.cpu_count() or 1)


def _read_chunks(table: Table, skip_through: int, chunk_rows: int) -> Iterator[tuple[list[tuple[int, dict[str, str]]],
                                                                                       Chunk]]:
    rows: list[tuple[int, dict[str, str]]] = []
    chunk = Chunk()
    for row in table:
        if row.number <= skip_through:
            continue
        chunk.last_row = row.number
        if row.error is not None:
            chunk.unreadable.append(Rejected(row.number, row.error.field, row.error.reason))
        else:
            rows.append((row.number, row.values))
        if len(rows) + len(chunk.unreadable) >= chunk_rows:
            chunk.bytes_read = table.bytes_read()
            yield rows, chunk
            rows, chunk = [], Chunk()
    if rows or chunk.unreadable:
        chunk.bytes_read = table.bytes_read()
        yield rows, chunk


def prepared_chunks(table: Table, mapping: ColumnMapping, *, workers: int = 1, skip_through: int = 0,
                    chunk_rows: int = CHUNK_ROWS, hashes: bool = True, ahead_rows: int = 0) -> Iterator[Chunk]:
    """Chunks of prepared rows in file order; rows numbered up to `skip_through` are skipped (a resumed
    import). `hashes`: compute the suppression keys now (see prepare.prepare_record). `ahead_rows`: how
    many rows the consumer takes before it comes back (a batch): that many more are kept in flight, so the
    workers prepare the next batch while the consumer writes this one instead of waiting for it."""
    source = _read_chunks(table, skip_through, chunk_rows)
    if workers <= 1:
        for rows, chunk in source:
            chunk.prepared = prepare_rows(mapping, rows, hashes=hashes)
            yield chunk
        return
    # spawn, not fork: the import may run in a job thread, and forking a threaded process is unsafe.
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"), initializer=init_worker,
                               initargs=(mapping, hashes))
    pending: deque[tuple[Future[list[Prepared | Rejected]], Chunk]] = deque()
    in_flight = 2 * workers + -(-ahead_rows // chunk_rows)
    try:
        for rows, chunk in source:
            pending.append((pool.submit(prepare_chunk, rows), chunk))
            if len(pending) >= in_flight:
                future, ready = pending.popleft()
                ready.prepared = future.result()
                yield ready
        while pending:
            future, ready = pending.popleft()
            ready.prepared = future.result()
            yield ready
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
