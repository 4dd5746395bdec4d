"""Raw inbound messages, stored before anything reads them: one row per (account, Message-ID).

The unique key makes every re-fetch (a crash before the cursor moved, a UIDVALIDITY resync, a replayed
webhook) a no-op. What the sync learnt while storing (UID, size, why it was kept) goes under
`classification["sync"]` and survives processing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from outboard.db.models import InboundMessage

# Mail above this size keeps only its start: the parser reads the first 2 MB anyway, and a 300 MB
# attachment has no business in the database. The message is marked, never dropped.
MAX_STORED_BYTES = 30_000_000
KEEP_WHEN_TRUNCATED = 5_000_000


def stored_id(session: Session, account_id: int, message_id: str) -> int | None:
    return session.scalar(select(InboundMessage.id).where(InboundMessage.account_id == account_id,
                                                          InboundMessage.message_id == message_id))


def store_raw(session: Session, *, workspace_id: int, account_id: int, message_id: str, raw: bytes,
              channel: str = "email", state: str = "unprocessed", sync: dict[str, Any] | None = None,
              received_at: datetime | None = None, lead_id: int | None = None,
              thread_key: str | None = None) -> int | None:
    """Insert the message; returns its row id, or None when this account already has it.

    On PostgreSQL the insert runs in a savepoint, so a duplicate stored a moment ago by another worker
    leaves the caller's transaction usable. SQLite has one writer at a time: callers take the write lock
    first (their guarded UPDATE), so the check above sees every committed row (and pysqlite's SAVEPOINT
    handling is unreliable anyway).
    """
    message_id = message_id[:300]  # the column's size; ids that long are garbage anyway
    if stored_id(session, account_id, message_id) is not None:
        return None
    meta = dict(sync or {})
    if len(raw) > MAX_STORED_BYTES:
        meta["truncated_from"] = len(raw)
        raw = raw[:KEEP_WHEN_TRUNCATED]
    row = InboundMessage(workspace_id=workspace_id, account_id=account_id, channel=channel,
                         message_id=message_id, raw=raw, state=state, classification={"sync": meta},
                         received_at=received_at, lead_id=lead_id, thread_key=thread_key)
    if session.get_bind().dialect.name != "postgresql":
        session.add(row)
        session.flush()
        return row.id
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row.id
