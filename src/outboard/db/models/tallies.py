"""Running counts behind the sequence dashboard, kept by database triggers (migration 0003).

Each change to an enrollment's position or state, or to a message's send state, appends a row with
+1 for the new value and -1 for the old one. Appending never waits on another writer, which matters with
many workers on PostgreSQL (a shared counter row would serialise them); `outboard.db.tallies.compact`
folds the rows back into one per value from the worker loop. No foreign keys: a key check per append
would lock the parent row; the rows of a deleted sequence or step are dropped by triggers and compaction.
"""

from __future__ import annotations

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from outboard.db.models.base import Base, BigId


class EnrollmentTally(Base):
    """How many enrollments of a sequence wait at a position in a state (summed over rows)."""

    __tablename__ = "enrollment_tallies"
    __table_args__ = (Index("ix_enrollment_tallies_sequence", "sequence_id", "next_position", "state",
                            "stop_reason", "delta"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sequence_id: Mapped[int]
    next_position: Mapped[int]
    state: Mapped[str] = mapped_column(String(10))
    stop_reason: Mapped[str | None] = mapped_column(String(20))
    delta: Mapped[int]


class MessageTally(Base):
    """How many messages of a step are in a send state (summed over rows)."""

    __tablename__ = "message_tallies"
    __table_args__ = (Index("ix_message_tallies_step", "step_id", "send_state", "delta"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    step_id: Mapped[int]
    send_state: Mapped[str] = mapped_column(String(10))
    delta: Mapped[int]
