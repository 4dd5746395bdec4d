"""Provider answers kept so that asking about the same person again costs no call (EnrichmentCache).

Keyed by provider name and the person's normalised identity (PersonQuery.identity_key), prefixed with the
workspace: one workspace never reads another's answers. "Not known" is an answer too and is kept, so a
person no provider knows costs one call per provider, not one per run. Answers older than the configured
age are asked again. Each read and write is its own short transaction, so an answer survives a job that
crashes before the lead is stored.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from outboard.core.enrichment import PersonQuery
from outboard.db.database import Database
from outboard.db.models import EnrichmentCache

_KEY_LENGTH = 300


def cache_keys(workspace_id: int, query: PersonQuery, extra: str = "") -> list[str]:
    """`ws<id>:<identity>[|extra]` for each identity the query has (hashed when longer than the column).
    An answer is stored under all of them and found by any, so a lead that gained a LinkedIn id or an
    email since it was last asked still finds its earlier answers."""
    keys = []
    for identity in query.identity_keys():
        key = f"ws{workspace_id}:{identity}" + (f"|{extra}" if extra else "")
        if len(key) > _KEY_LENGTH:
            key = f"ws{workspace_id}:sha256:" + hashlib.sha256(key.encode()).hexdigest()
        keys.append(key)
    return keys


class AnswerCache(Protocol):
    def get(self, provider: str, keys: list[str]) -> dict[str, Any] | None:
        """The stored answer under any of the keys, or None when there is none (or it is too old)."""
        ...

    def put(self, provider: str, keys: list[str], data: dict[str, Any]) -> None: ...


class MemoryAnswerCache:
    """For one process and no database (previews, the waterfall on its own)."""

    def __init__(self) -> None:
        self.answers: dict[tuple[str, str], dict[str, Any]] = {}

    def get(self, provider: str, keys: list[str]) -> dict[str, Any] | None:
        return next((self.answers[(provider, k)] for k in keys if (provider, k) in self.answers), None)

    def put(self, provider: str, keys: list[str], data: dict[str, Any]) -> None:
        for key in keys:
            self.answers[(provider, key)] = data


class DbAnswerCache:
    def __init__(self, db: Database, max_age: timedelta):
        self.db, self.max_age = db, max_age

    def get(self, provider: str, keys: list[str]) -> dict[str, Any] | None:
        if not keys:
            return None
        oldest = self.db.clock.now() - self.max_age
        with self.db.sessions() as session:
            rows = dict(session.execute(select(EnrichmentCache.key, EnrichmentCache.data).where(
                EnrichmentCache.provider == provider[:60], EnrichmentCache.key.in_(keys),
                EnrichmentCache.fetched_at >= oldest)).all())
        return next((rows[k] for k in keys if k in rows), None)

    def put(self, provider: str, keys: list[str], data: dict[str, Any]) -> None:
        for key in keys:
            self._put(provider[:60], key, data)

    def _put(self, provider: str, key: str, data: dict[str, Any]) -> None:
        now = self.db.clock.now()
        with self.db.transaction() as session:
            changed = session.execute(update(EnrichmentCache).where(
                EnrichmentCache.provider == provider, EnrichmentCache.key == key).values(
                data=data, fetched_at=now)).rowcount
            if changed:
                return
        try:
            with self.db.transaction() as session:
                session.add(EnrichmentCache(provider=provider, key=key, data=data, fetched_at=now))
        except IntegrityError:
            pass  # another worker stored the same answer a moment ago


def forget_workspace(db: Database, workspace_id: int) -> int:
    """Drop every answer kept for a workspace (erasure, or to force fresh answers). Returns how many."""
    with db.transaction() as session:
        result = session.execute(delete(EnrichmentCache).where(EnrichmentCache.key.like(f"ws{workspace_id}:%")))
        return int(result.rowcount or 0)
