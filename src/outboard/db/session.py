"""Sessions that know the clock: timestamps come from it, so simulated time reaches every row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from outboard.core.clock import Clock, SystemClock


def make_sessionmaker(engine: Engine, clock: Clock | None = None) -> sessionmaker[Session]:
    factory = sessionmaker(engine, expire_on_commit=False, info={"clock": clock or SystemClock()})
    return factory


def clock_of(session: Session) -> Clock:
    return session.info["clock"]


@event.listens_for(Session, "before_flush")
def _stamp(session: Session, _context: Any, _instances: Any) -> None:
    clock = session.info.get("clock")
    if clock is None:
        return
    now = clock.now()
    for obj in session.new:
        for column in ("created_at", "occurred_at", "added_at", "observed_at", "received_at", "fetched_at",
                       "synced_at"):
            if hasattr(obj, column) and getattr(obj, column) is None:
                setattr(obj, column, now)
    for obj in session.dirty:
        if hasattr(obj, "updated_at") and session.is_modified(obj, include_collections=False):
            obj.updated_at = now
