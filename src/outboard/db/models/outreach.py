"""Sender accounts, enrollments, messages, manual LinkedIn tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from outboard.core.sequence import EnrollmentState, ReviewState, SendState
from outboard.db.models.base import Base, IdMixin

_ENROLLMENT = ", ".join(f"'{s.value}'" for s in EnrollmentState)
_REVIEW = ", ".join(f"'{s.value}'" for s in ReviewState)
_SEND = ", ".join(f"'{s.value}'" for s in SendState)


class SenderAccount(IdMixin, Base):
    """An email mailbox (SMTP + IMAP) or a LinkedIn account. Caps belong to the account, shared by runs."""

    __tablename__ = "sender_accounts"
    __table_args__ = (
        UniqueConstraint("workspace_id", "kind", "address"),
        CheckConstraint("kind IN ('email', 'linkedin')", name="kind"),
        CheckConstraint("status IN ('active', 'paused', 'disconnected')", name="status"),
    )

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(320))  # from address, or LinkedIn profile id
    # Connection settings (host, port, security, username, provider) without secrets.
    connection: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Encrypted with SecretBox: {"smtp_password": "...", "imap_password": "...", "api_key": "..."}.
    secrets: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Caps, ramp-up, minimum gap, window and timezone; see send.caps.
    limits: Mapped[dict[str, Any]] = mapped_column(default=dict)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    status: Mapped[str] = mapped_column(String(14), default="active")
    status_reason: Mapped[str | None] = mapped_column(String(500))
    first_send_at: Mapped[datetime | None]  # ramp-up counts from here
    last_send_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Enrollment(IdMixin, Base):
    """One lead in one sequence: where it is, when its next step is due, why it stopped."""

    __tablename__ = "enrollments"
    __table_args__ = (
        UniqueConstraint("sequence_id", "lead_id"),
        CheckConstraint(f"state IN ({_ENROLLMENT})", name="state"),
        # The scheduler's only query: active enrollments by due time. Partial, so its size follows the
        # number of due-able rows, not the history.
        Index("ix_enrollments_due", "next_due_at", postgresql_where=text("state = 'active'"),
              sqlite_where=text("state = 'active'")),
        # The sequence dashboard: leads per step and state, answered from the index alone.
        Index("ix_enrollments_sequence_position", "sequence_id", "next_position", "state", "stop_reason"),
    )

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    sequence_id: Mapped[int] = mapped_column(ForeignKey("sequences.id", ondelete="CASCADE"))
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(10), default=EnrollmentState.ACTIVE.value)
    next_position: Mapped[int] = mapped_column(default=1)
    next_due_at: Mapped[datetime | None]
    waiting_reason: Mapped[str | None] = mapped_column(String(200))
    stop_reason: Mapped[str | None] = mapped_column(String(20))
    email_account_id: Mapped[int | None] = mapped_column(ForeignKey("sender_accounts.id", ondelete="SET NULL"))
    linkedin_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("sender_accounts.id", ondelete="SET NULL"))
    invite_sent_at: Mapped[datetime | None]
    invite_accepted_at: Mapped[datetime | None]
    replied_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]


class Message(IdMixin, Base):
    """The copy for one enrollment and one step, its review and its send."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("enrollment_id", "step_id"),
        CheckConstraint(f"review_state IN ({_REVIEW})", name="review_state"),
        CheckConstraint(f"send_state IN ({_SEND})", name="send_state"),
        Index("ix_messages_smtp_message_id", "smtp_message_id"),
        Index("ix_messages_workspace_send", "workspace_id", "send_state"),
        # Cap counting: what an account sent in a time range.
        Index("ix_messages_account_sending_at", "sender_account_id", "sending_at"),
        Index("ix_messages_step_send_state", "step_id", "send_state"),
    )

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    step_id: Mapped[int] = mapped_column(ForeignKey("steps.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    hooks: Mapped[list[Any]] = mapped_column(default=list)  # each with the fact path it came from
    findings: Mapped[list[Any]] = mapped_column(default=list)  # guardrail findings
    generator: Mapped[str] = mapped_column(String(60))
    prompt_version: Mapped[str] = mapped_column(String(40), default="")
    review_state: Mapped[str] = mapped_column(String(10), default=ReviewState.DRAFT.value)
    send_state: Mapped[str] = mapped_column(String(10), default=SendState.SCHEDULED.value)
    sender_account_id: Mapped[int | None] = mapped_column(ForeignKey("sender_accounts.id", ondelete="SET NULL"))
    smtp_message_id: Mapped[str | None] = mapped_column(String(300))
    provider_id: Mapped[str | None] = mapped_column(String(300))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(1000))
    sending_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]


class MessageRevision(IdMixin, Base):
    """Edit history: every version of a message a person changed."""

    __tablename__ = "message_revisions"

    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    review_state: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class LinkedinTask(IdMixin, Base):
    """A manual LinkedIn action for a person to do; the system tracks done / accepted / replied."""

    __tablename__ = "linkedin_tasks"
    __table_args__ = (CheckConstraint("state IN ('open', 'done', 'accepted', 'replied', 'withdrawn')",
                                      name="state"),)

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), unique=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("sender_accounts.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(10), default="open")
    profile_url: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
