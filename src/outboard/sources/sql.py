"""SQL helpers for bulk work that SQLite and PostgreSQL both run fast.

- `one_of(column, values)`: `column IN (values)` with ONE bound parameter (a JSON array read by json_each on
  SQLite, an array with = ANY on PostgreSQL). A batch looks up thousands of keys; thousands of separate
  parameters cost more to bind than the lookups themselves, and would meet the drivers' parameter limits.
- `allocate_ids(session, table, n)`: ids for rows about to be inserted, so that a bulk INSERT needs no
  RETURNING (which SQLite cannot return in parameter order: SQLAlchemy would fall back to one statement per
  row). PostgreSQL takes them from the table's sequence; SQLite, which has one writer at a time, takes
  the write lock first and continues after the largest id.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import ColumnElement, Integer, String, Table, any_, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def one_of(session: Session, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    items = list(values)
    numeric = isinstance(column.type, Integer)
    if is_postgres(session):
        return column == any_(bindparam(None, items, type_=ARRAY(Integer if numeric else String)))
    rows = func.json_each(bindparam(None, json.dumps(items), type_=String)).table_valued("value")
    return column.in_(select(rows.c.value))


def allocate_ids(session: Session, table: Table, count: int, lock_row: tuple[Table, int, str]) -> list[int]:
    """`count` fresh ids for `table`. On SQLite `lock_row` (a table, the id of a row of ours and a column
    that is not a key) is rewritten unchanged first: that write takes the database's write lock, so no one
    inserts between MAX(id) and our INSERT."""
    if count <= 0:
        return []
    if is_postgres(session):
        statement = text(f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
                         "FROM generate_series(1, :n)")
        return list(session.execute(statement, {"n": count}).scalars())
    lock_table, lock_id, column = lock_row
    session.execute(lock_table.update().where(lock_table.c.id == lock_id).values({column: lock_table.c[column]}))
    start = session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    return list(range(start + 1, start + 1 + count))


class BulkInsert:
    """INSERT of many rows straight through the driver's executemany: SQLAlchemy's per-row parameter
    handling costs more than SQLite's insert itself at a million rows. The statement is compiled once; the
    column types' own bind processors (JSON, UTC datetimes) are applied here, column by column, so what
    is stored is exactly what the ORM would store."""

    def __init__(self, session: Session, table: Table, columns: Iterable[str], *,
                 skip_conflicts_on: Sequence[str] = (), conflict_where: ColumnElement[bool] | None = None):
        dialect = session.get_bind().dialect
        self.columns = list(columns)
        statement: Any = table.insert()
        if skip_conflicts_on:  # a row that would break this unique key is left out, silently
            if is_postgres(session):
                from sqlalchemy.dialects.postgresql import insert
            else:
                from sqlalchemy.dialects.sqlite import insert
            statement = insert(table).on_conflict_do_nothing(index_elements=list(skip_conflicts_on),
                                                             index_where=conflict_where)
        compiled = statement.values({c: bindparam(c) for c in self.columns}).compile(dialect=dialect)
        names = list(compiled.positiontup) if compiled.positional and compiled.positiontup else list(compiled.params)
        if set(names) != set(self.columns):  # column defaults would be left out of a driver-level insert
            missing = sorted(set(names) - set(self.columns))
            raise ValueError(f"BulkInsert into {table.name} needs every column; missing {missing}")
        self.sql = compiled.string
        self.order = names if compiled.positional else None
        self.processors = [(c, p) for c in self.columns
                           if (p := table.c[c].type._cached_bind_processor(dialect)) is not None]

    def run(self, session: Session, rows: list[dict[str, Any]]) -> int:
        """Insert the rows (dicts with every column); returns how many were inserted. Parameters are built
        column by column (itemgetter and zip run in C); a converted column's values are converted once per
        distinct value (the same timestamp, None, the same flag repeat over a batch)."""
        if not rows:
            return 0
        names = self.order or self.columns
        columns: list[Any] = [list(map(itemgetter(name), rows)) for name in names]
        for name, process in self.processors:
            index = names.index(name)
            values = columns[index]
            if values.count(None) == len(values) and process(None) is None:
                continue
            # A dict or list is keyed by identity (it stays referenced by its row meanwhile).
            done: dict[Any, Any] = {}
            out = []
            for value in values:
                key = (type(value), id(value)) if isinstance(value, dict | list) else value
                hit = done.get(key, done)
                if hit is done:
                    hit = done[key] = process(value)
                out.append(hit)
            columns[index] = out
        params: list[Any] = list(zip(*columns, strict=True))
        if not self.order:
            params = [dict(zip(names, values, strict=True)) for values in params]
        return session.connection().exec_driver_sql(self.sql, params).rowcount
