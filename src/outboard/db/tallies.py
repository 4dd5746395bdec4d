"""Read and fold the dashboard tallies that triggers append (see `outboard.db.models.tallies`)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, func, select, text
from sqlalchemy.orm import Session

from outboard.db.models import EnrollmentTally, MessageTally

# Each fold deletes the appended rows and inserts their sums, in one statement on PostgreSQL so that
# rows appended meanwhile by other transactions are neither lost nor counted twice. Sums of zero go, and
# so do the rows of a sequence or step deleted since.
_FOLDS = {
    "enrollment_tallies": ("sequence_id, next_position, state, stop_reason", "sequences", "sequence_id"),
    "message_tallies": ("step_id, send_state", "steps", "step_id"),
}


def _fold_postgresql(connection: Connection, table: str, keys: str, parent: str, parent_key: str) -> None:
    connection.execute(text(
        f"WITH gone AS (DELETE FROM {table} RETURNING {keys}, delta) "
        f"INSERT INTO {table} ({keys}, delta) SELECT {keys}, sum(delta) FROM gone "
        f"WHERE EXISTS (SELECT 1 FROM {parent} p WHERE p.id = gone.{parent_key}) "
        f"GROUP BY {keys} HAVING sum(delta) <> 0"))


def _fold_sqlite(connection: Connection, table: str, keys: str, parent: str, parent_key: str) -> None:
    # SQLite has one writer at a time: the two statements see the same rows.
    upto = connection.execute(text(f"SELECT max(id) FROM {table}")).scalar()
    if upto is None:
        return
    connection.execute(text(
        f"INSERT INTO {table} ({keys}, delta) SELECT {keys}, sum(delta) FROM {table} t "
        f"WHERE t.id <= :upto AND EXISTS (SELECT 1 FROM {parent} p WHERE p.id = t.{parent_key}) "
        f"GROUP BY {keys} HAVING sum(delta) <> 0"), {"upto": upto})
    connection.execute(text(f"DELETE FROM {table} WHERE id <= :upto"), {"upto": upto})


def compact(session: Session) -> None:
    """Fold every tally table to one row per value. Call it inside a write transaction; any worker may,
    at any time: the sums do not change."""
    connection = session.connection()
    fold = _fold_postgresql if connection.dialect.name == "postgresql" else _fold_sqlite
    for table, (keys, parent, parent_key) in _FOLDS.items():
        fold(connection, table, keys, parent, parent_key)


def enrollment_counts(session: Session, sequence_id: int) -> list[tuple[int, str, str | None, int]]:
    """(next position, state, stop reason, enrollments) of one sequence, without reading its enrollments."""
    t = EnrollmentTally
    rows = session.execute(select(t.next_position, t.state, t.stop_reason, func.sum(t.delta))
                           .where(t.sequence_id == sequence_id)
                           .group_by(t.next_position, t.state, t.stop_reason))
    return [(position, state, reason, int(count)) for position, state, reason, count in rows if count]


def enrollment_totals(session: Session, sequence_ids: list[int]) -> dict[int, int]:
    """Enrolled leads per sequence, without reading the enrollments."""
    if not sequence_ids:
        return {}
    t = EnrollmentTally
    rows = session.execute(select(t.sequence_id, func.sum(t.delta)).where(t.sequence_id.in_(sequence_ids))
                           .group_by(t.sequence_id))
    return {sequence_id: int(total) for sequence_id, total in rows if total}


def send_counts(session: Session, step_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Messages per send state for each step, without reading the messages."""
    counts: dict[int, dict[str, int]] = {}
    ids = list(step_ids)
    if not ids:
        return counts
    t = MessageTally
    for step_id, send_state, count in session.execute(
            select(t.step_id, t.send_state, func.sum(t.delta)).where(t.step_id.in_(ids))
            .group_by(t.step_id, t.send_state)):
        if count:
            counts.setdefault(step_id, {})[send_state] = int(count)
    return counts
