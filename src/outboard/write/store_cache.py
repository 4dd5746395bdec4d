"""The draft cache kept in the database (the enrichment_cache table), so that regenerating an unchanged lead
costs no LLM call, across processes and restarts.

Rows: provider = "writer:<model>", key = "<workspace id>:<cache key>". The workspace prefix keeps one
tenant's drafts out of another's reach even when their inputs happen to be identical.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from outboard.core.writing import Draft
from outboard.db.database import Database
from outboard.db.models import EnrichmentCache
from outboard.write.writer import draft_from_dict, draft_to_dict


class DbDraftCache:
    """Implements write.cache.DraftCache. Each call is its own short transaction: the LLM writer calls `put`
    as soon as one lead's answer arrives, so a crash later in the batch loses no paid-for answer."""

    def __init__(self, db: Database, workspace_id: int, model: str):
        self.db, self.workspace_id = db, workspace_id
        self.provider = f"writer:{model}"[:60]
        self.hits = self.misses = 0

    def _key(self, key: str) -> str:
        return f"{self.workspace_id}:{key}"

    def get(self, key: str) -> list[Draft] | None:
        with self.db.sessions() as session:
            data = session.scalar(select(EnrichmentCache.data).where(
                EnrichmentCache.provider == self.provider, EnrichmentCache.key == self._key(key)))
        if data is None:
            self.misses += 1
            return None
        self.hits += 1
        return [draft_from_dict(d) for d in data.get("drafts", [])]

    def contains(self, keys: Iterable[str]) -> set[str]:
        """Which of these keys are cached (one query), for budget checks before any call."""
        wanted = {self._key(k): k for k in keys}
        if not wanted:
            return set()
        with self.db.sessions() as session:
            found = session.scalars(select(EnrichmentCache.key).where(
                EnrichmentCache.provider == self.provider, EnrichmentCache.key.in_(list(wanted))))
            return {wanted[k] for k in found}

    def put(self, key: str, drafts: Sequence[Draft]) -> None:
        values = {"provider": self.provider, "key": self._key(key), "fetched_at": self.db.clock.now(),
                  "data": {"drafts": [draft_to_dict(d) for d in drafts]}}
        insert = pg_insert if self.db.is_postgres else sqlite_insert
        # Two workers answering the same lead at once: the first answer stays, the second is dropped.
        statement = insert(EnrichmentCache).values(**values).on_conflict_do_nothing(
            index_elements=["provider", "key"])
        with self.db.transaction() as session:
            session.execute(statement)

    def discard(self, key: str) -> None:
        """Forget an answer (one that fails the guardrails must not be served again on regenerate)."""
        with self.db.transaction() as session:
            session.execute(delete(EnrichmentCache).where(EnrichmentCache.provider == self.provider,
                                                          EnrichmentCache.key == self._key(key)))
