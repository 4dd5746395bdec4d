"""Plays, runs, strategy profiles, sequences and their steps."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from outboard.core.lifecycle import Lifecycle
from outboard.core.sequence import Channel, Condition
from outboard.db.models.base import Base, IdMixin

_LIFECYCLE = ", ".join(f"'{s.value}'" for s in Lifecycle)
_CHANNELS = ", ".join(f"'{c.value}'" for c in Channel)
_CONDITIONS = ", ".join(f"'{c.value}'" for c in Condition)


class WorkspacePlay(IdMixin, Base):
    """A workspace's own play; the shipped library lives in the package as data files."""

    __tablename__ = "plays"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    spec: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class Run(IdMixin, Base):
    __tablename__ = "runs"
    __table_args__ = (CheckConstraint(f"state IN ({_LIFECYCLE})", name="state"),)

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    play_key: Mapped[str] = mapped_column(String(100))
    # The play as it was when chosen: later edits to the library do not change a running campaign.
    play_snapshot: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String(10), default=Lifecycle.DRAFT.value)
    created_at: Mapped[datetime]
    activated_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]


run_source_groups = Table(
    "run_source_groups",
    Base.metadata,
    Column("run_id", ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("source_group_id", ForeignKey("source_groups.id", ondelete="CASCADE"), primary_key=True),
)


class StrategyProfileRow(IdMixin, Base):
    __tablename__ = "strategy_profiles"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict[str, Any]]  # fields of core.writing.StrategyProfile
    created_at: Mapped[datetime]


class Sequence(IdMixin, Base):
    __tablename__ = "sequences"
    __table_args__ = (CheckConstraint(f"state IN ({_LIFECYCLE})", name="state"),)

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    strategy_profile_id: Mapped[int] = mapped_column(ForeignKey("strategy_profiles.id", ondelete="RESTRICT"))
    state: Mapped[str] = mapped_column(String(10), default=Lifecycle.DRAFT.value)
    stop_on_reply: Mapped[bool] = mapped_column(default=True)
    stop_colleagues_on_reply: Mapped[bool] = mapped_column(default=False)
    allow_risky_emails: Mapped[bool] = mapped_column(default=False)  # send to catch_all addresses
    # Sending schedule: working days, window, holidays; see send.schedule.
    schedule: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    launched_at: Mapped[datetime | None]


sequence_source_groups = Table(
    "sequence_source_groups",
    Base.metadata,
    Column("sequence_id", ForeignKey("sequences.id", ondelete="CASCADE"), primary_key=True),
    Column("source_group_id", ForeignKey("source_groups.id", ondelete="CASCADE"), primary_key=True),
)

sequence_senders = Table(
    "sequence_senders",
    Base.metadata,
    Column("sequence_id", ForeignKey("sequences.id", ondelete="CASCADE"), primary_key=True),
    Column("sender_account_id", ForeignKey("sender_accounts.id", ondelete="CASCADE"), primary_key=True),
)


class Step(IdMixin, Base):
    __tablename__ = "steps"
    __table_args__ = (
        UniqueConstraint("sequence_id", "position"),
        CheckConstraint(f"channel IN ({_CHANNELS})", name="channel"),
        CheckConstraint(f"condition IN ({_CONDITIONS})", name="condition"),
        CheckConstraint("delay_days >= 0", name="delay_days"),
        CheckConstraint("position >= 1", name="position"),
    )

    sequence_id: Mapped[int] = mapped_column(ForeignKey("sequences.id", ondelete="CASCADE"))
    position: Mapped[int]
    channel: Mapped[str] = mapped_column(String(20))
    delay_days: Mapped[int]
    condition: Mapped[str] = mapped_column(String(10), default=Condition.NO_REPLY.value)
    intent: Mapped[str] = mapped_column(String(20), default="intro")  # what the step is for (core.plays)
    purpose: Mapped[str] = mapped_column(String(300), default="")
