"""Inbound mail stored raw before anything reads it, IMAP cursors, outbound webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from outboard.db.models.base import Base, IdMixin


class InboundMessage(IdMixin, Base):
    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("account_id", "message_id"),
        CheckConstraint("state IN ('unprocessed', 'processed', 'ignored', 'failed')", name="state"),
        Index("ix_inbound_messages_state", "state"),
    )

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("sender_accounts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20), default="email")
    message_id: Mapped[str] = mapped_column(String(300))
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(12), default="unprocessed")
    kind: Mapped[str | None] = mapped_column(String(20))  # bounce, out_of_office, opt_out, reply, ...
    label: Mapped[str | None] = mapped_column(String(30))
    classification: Mapped[dict[str, Any]] = mapped_column(default=dict)
    classifier_version: Mapped[str | None] = mapped_column(String(20))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("enrollments.id", ondelete="SET NULL"))
    thread_key: Mapped[str | None] = mapped_column(String(300))
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]


class MailboxCursor(Base):
    """How far the IMAP sync got: it only moves past messages that were stored."""

    __tablename__ = "mailbox_cursors"

    account_id: Mapped[int] = mapped_column(ForeignKey("sender_accounts.id", ondelete="CASCADE"),
                                            primary_key=True)
    folder: Mapped[str] = mapped_column(String(200), primary_key=True)
    # IMAP allows 32-bit unsigned values: beyond PostgreSQL's int4.
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    synced_at: Mapped[datetime]


class WebhookEndpoint(IdMixin, Base):
    __tablename__ = "webhook_endpoints"

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(1000))
    secret: Mapped[str] = mapped_column(String(500))  # encrypted
    events: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class WebhookDelivery(IdMixin, Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (CheckConstraint("state IN ('pending', 'delivered', 'failed')", name="state"),)

    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True)
    event_kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime]


class EnrichmentCache(IdMixin, Base):
    """Provider answers kept so that enriching the same person again costs nothing."""

    __tablename__ = "enrichment_cache"
    __table_args__ = (UniqueConstraint("provider", "key"),)

    provider: Mapped[str] = mapped_column(String(60))
    key: Mapped[str] = mapped_column(String(300))
    data: Mapped[dict[str, Any]]
    fetched_at: Mapped[datetime]
