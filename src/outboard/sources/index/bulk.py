"""Bulk mode for big first loads on SQLite: build the filter indexes and the full-text index at the end.

Keeping fifteen B-tree indexes and the FTS5 index up to date row by row costs about 110 µs per person;
building them once at the end costs about 20 µs. So a load of at least BULK_MIN_RECORDS records into a
workspace whose index is empty:

- lists the workspace in `index_bulk_loads`, which the full-text triggers skip (migration 0002): none of
  its rows is in the full-text index while it is listed, so catching up is one INSERT ... SELECT of them;
- drops the secondary indexes of the index tables when the tables hold few rows of any workspace (the
  indexes are shared), and creates them again at the end.

`finish` does both catch-ups; `repair` does them at the start of the next load if a load was killed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Index, delete, func, insert, select

from outboard.db.database import Database
from outboard.db.models import IndexBulkLoad, IndexPerson, IndexPersonDetail

BULK_MIN_RECORDS = 50_000
_TABLES = (IndexPerson.__table__, IndexPersonDetail.__table__)


def _secondary_indexes() -> list[Index]:
    return [index for table in _TABLES for index in sorted(table.indexes, key=lambda i: str(i.name))
            if not index.unique]


@dataclass
class BulkLoad:
    workspace_id: int
    dropped_indexes: bool


def begin(db: Database, workspace_id: int, expected: int, threshold: int = BULK_MIN_RECORDS) -> BulkLoad | None:
    """Enter bulk mode when it pays (SQLite, an empty workspace index, a big load); None otherwise."""
    if db.engine.dialect.name != "sqlite" or expected < threshold:
        return None
    with db.transaction() as session:
        mine = session.scalar(select(IndexPerson.id).where(IndexPerson.workspace_id == workspace_id).limit(1))
        if mine is not None:
            return None
        total = session.scalar(select(func.count()).select_from(IndexPerson)) or 0
        if session.get(IndexBulkLoad, workspace_id) is None:
            session.execute(insert(IndexBulkLoad).values(workspace_id=workspace_id, started_at=db.clock.now()))
    drop = total < expected // 4  # other workspaces' rows would have to be indexed again: only when few
    if drop:
        with db.engine.begin() as conn:
            for index in _secondary_indexes():
                index.drop(conn, checkfirst=True)
    return BulkLoad(workspace_id, drop)


def create_indexes(conn: Connection) -> None:
    for index in _secondary_indexes():
        index.create(conn, checkfirst=True)


def catch_up(conn: Connection, workspace_id: int) -> int:
    """Add every row of a bulk-loaded workspace to the full-text index and leave bulk mode."""
    listed = conn.execute(select(IndexBulkLoad.workspace_id).where(IndexBulkLoad.workspace_id == workspace_id))
    if listed.first() is None:
        return 0
    added = conn.exec_driver_sql(
        "INSERT INTO index_people_fts(rowid, title, headline, skills_text, posts_text) "
        "SELECT person_id, title, headline, skills_text, posts_text FROM index_person_details "
        "WHERE workspace_id = ?", (workspace_id,)).rowcount
    conn.execute(delete(IndexBulkLoad).where(IndexBulkLoad.workspace_id == workspace_id))
    return added or 0


def finish(db: Database, state: BulkLoad) -> None:
    with db.engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA cache_size = -262144")
        if state.dropped_indexes:
            create_indexes(conn)
        catch_up(conn, state.workspace_id)


def repair(db: Database, workspace_id: int) -> None:
    """Undo what a killed bulk load left: missing indexes, rows missing from the full-text index."""
    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.begin() as conn:
        create_indexes(conn)
        catch_up(conn, workspace_id)
