"""The handle every stage receives: engine, sessions and clock together."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from outboard.core.clock import Clock, SystemClock
from outboard.db.engine import WRITE, make_engine
from outboard.db.session import make_sessionmaker


@dataclass
class Database:
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    write_sessions: sessionmaker[Session] | None = None

    @classmethod
    def open(cls, url: str, clock: Clock | None = None, *, check: bool = True, pool: bool = True) -> Database:
        clock = clock or SystemClock()
        engine = make_engine(url, check=check, pool=pool)
        writer = engine.execution_options(**{WRITE: True})
        return cls(engine, make_sessionmaker(engine, clock), clock, make_sessionmaker(writer, clock))

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits at the end, rolls back on any error so nothing is half-written."""
        with (self.write_sessions or self.sessions)() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()
