"""Leads, companies, where each fact came from, source groups and the suppression list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from outboard.core.stages import LeadStage, StopReason
from outboard.db.models.base import Base, BigId, IdMixin

_STAGES = ", ".join(f"'{s.value}'" for s in LeadStage)
_STOPS = ", ".join(f"'{s.value}'" for s in StopReason)


def _unique_when_set(name: str, *columns: str) -> Index:
    """Unique per workspace, ignoring NULL keys (a lead may have no email or no LinkedIn id)."""
    condition = text(f"{columns[-1]} IS NOT NULL")
    return Index(name, *columns, unique=True, sqlite_where=condition, postgresql_where=condition)


class Company(IdMixin, Base):
    __tablename__ = "companies"
    __table_args__ = (_unique_when_set("uq_companies_workspace_domain", "workspace_id", "domain"),)

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    domain: Mapped[str | None] = mapped_column(String(253))
    size: Mapped[int | None]
    industry: Mapped[str | None] = mapped_column(String(200))
    facts: Mapped[dict[str, Any]] = mapped_column(default=dict)  # milestones, hiring, funding stage, city
    is_sample: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]


class Lead(IdMixin, Base):
    __tablename__ = "leads"
    __table_args__ = (
        CheckConstraint(f"stage IN ({_STAGES})", name="stage"),
        CheckConstraint(f"stop_reason IS NULL OR stop_reason IN ({_STOPS})", name="stop_reason"),
        # Identity keys, normalised by the sources stage: one person per workspace.
        _unique_when_set("uq_leads_workspace_linkedin_key", "workspace_id", "linkedin_key"),
        _unique_when_set("uq_leads_workspace_email_key", "workspace_id", "email_key"),
        _unique_when_set("uq_leads_workspace_name_domain_key", "workspace_id", "name_domain_key"),
        Index("ix_leads_workspace_stage", "workspace_id", "stage", "id"),
        # A company's leads, and their name keys without reading the rows: an import looks for fuzzy
        # first-name matches ("Jon" / "Jonathan") among the leads of the same company and last name.
        Index("ix_leads_company_name_key", "company_id", "name_domain_key"),
    )

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"))
    full_name: Mapped[str] = mapped_column(String(300))
    first_name: Mapped[str] = mapped_column(String(150), default="")
    last_name: Mapped[str] = mapped_column(String(150), default="")
    headline: Mapped[str | None] = mapped_column(String(500))
    title: Mapped[str | None] = mapped_column(String(300))
    seniority: Mapped[str | None] = mapped_column(String(40))
    function: Mapped[str | None] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(320))
    email_verdict: Mapped[str | None] = mapped_column(String(20))
    email_checked_at: Mapped[datetime | None]
    linkedin_id: Mapped[str | None] = mapped_column(String(200))
    linkedin_connected_at: Mapped[datetime | None]  # 1st-degree since (invite accepted or imported)
    phone: Mapped[str | None] = mapped_column(String(40))
    city: Mapped[str | None] = mapped_column(String(120))
    region: Mapped[str | None] = mapped_column(String(120))
    country: Mapped[str | None] = mapped_column(String(2))
    timezone: Mapped[str | None] = mapped_column(String(64))
    # Posts, work history, skills, custom fields and signals: read into core.profile.LeadProfile.
    profile: Mapped[dict[str, Any]] = mapped_column(default=dict)
    stage: Mapped[str] = mapped_column(String(30), default=LeadStage.DISCOVERED.value)
    stop_reason: Mapped[str | None] = mapped_column(String(20))
    linkedin_key: Mapped[str | None] = mapped_column(String(200))
    email_key: Mapped[str | None] = mapped_column(String(320))
    name_domain_key: Mapped[str | None] = mapped_column(String(600))
    is_sample: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]


class FieldProvenance(IdMixin, Base):
    """Where and when each fact about a lead came from (GDPR Art. 14 notices, conflicts, erasure)."""

    __tablename__ = "field_provenance"
    __table_args__ = (Index("ix_field_provenance_lead_field", "lead_id", "field"),)

    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(100))
    value: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(300))  # import:file.csv#row=12, index, provider:name
    observed_at: Mapped[datetime]
    is_current: Mapped[bool] = mapped_column(default=True)
    conflict: Mapped[bool] = mapped_column(default=False)  # differs from the current value; not applied


class SourceGroup(IdMixin, Base):
    __tablename__ = "source_groups"
    __table_args__ = (
        UniqueConstraint("workspace_id", "name"),
        CheckConstraint("kind IN ('search', 'clue', 'import', 'manual')", name="kind"),
    )

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    query: Mapped[dict[str, Any]] = mapped_column(default=dict)  # filters of a search / clue, import summary
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class SourceGroupMember(Base):
    __tablename__ = "source_group_members"

    source_group_id: Mapped[int] = mapped_column(ForeignKey("source_groups.id", ondelete="CASCADE"),
                                                 primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True, index=True)
    # The clue signal or search fit that brought this lead in: it travels to the writer as a hook.
    reason: Mapped[dict[str, Any]] = mapped_column(default=dict)
    added_at: Mapped[datetime]


class Suppression(IdMixin, Base):
    """Blocklisted emails and domains, opt-outs, hard bounces, erased people. Stored hashed, so an entry
    survives the deletion of the lead without keeping readable personal data."""

    __tablename__ = "suppressions"
    __table_args__ = (
        UniqueConstraint("workspace_id", "kind", "value_hash"),
        CheckConstraint("kind IN ('email', 'domain', 'linkedin', 'name_domain')", name="kind"),
        CheckConstraint("reason IN ('blocklist', 'opt_out', 'hard_bounce', 'erasure', 'complaint')", name="reason"),
    )

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))
    value_hash: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime]


class Event(Base):
    """Append-only timeline of everything that happened to a lead, a message or an account."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_lead_time", "lead_id", "occurred_at"),
        Index("ix_events_workspace_time", "workspace_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str | None] = mapped_column(String(60))  # run:3, sequence:7, account:2, message:9
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    occurred_at: Mapped[datetime]
