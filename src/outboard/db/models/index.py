"""The prospect index: people and companies a workspace loaded from files (docs/prospect-index.md).

A person is two rows. `index_people` is narrow and hot: only what discovery-search filters and the
pre-score read (seniority, function, location keys, dates, the company's facts copied from its row), so
a scan of a million of them stays in a few dozen megabytes. `index_person_details` holds what is read only
for the few hundred candidates that reach ranking: names, title and headline, the identity keys, and the
nested data as JSON, plus the text the full-text index covers (`skills_text`, `posts_text`).

Full-text search is dialect-specific DDL in migration 0002 (not in these models): on SQLite an FTS5
external-content table `index_people_fts` over the details kept in sync by triggers; on PostgreSQL a
generated, weighted `search_tsv` column on the details with a GIN index.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from outboard.db.models.base import Base, IdMixin


class IndexCompany(IdMixin, Base):
    __tablename__ = "index_companies"
    __table_args__ = (
        UniqueConstraint("workspace_id", "external_id"),
        Index("ix_index_companies_workspace_domain", "workspace_id", "domain"),
    )

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))  # `id` in the file
    is_sample: Mapped[bool] = mapped_column(default=False)
    name: Mapped[str] = mapped_column(String(300))
    domain: Mapped[str | None] = mapped_column(String(253))
    website: Mapped[str | None] = mapped_column(String(500))
    linkedin_id: Mapped[str | None] = mapped_column(String(200))
    industry: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int | None]
    size_range: Mapped[str | None] = mapped_column(String(20))
    founded_year: Mapped[int | None]
    city: Mapped[str | None] = mapped_column(String(120))
    region: Mapped[str | None] = mapped_column(String(120))
    country: Mapped[str | None] = mapped_column(String(2))
    timezone: Mapped[str | None] = mapped_column(String(64))
    funding_stage: Mapped[str | None] = mapped_column(String(20))
    funding_total_usd: Mapped[int | None] = mapped_column(BigInteger)
    last_funding_on: Mapped[date | None]
    raised_on: Mapped[date | None]  # the newest funding milestone (else last_funding_on): "recently raised"
    hiring_mask: Mapped[int] = mapped_column(default=0)  # one bit per function with open roles (index.fields)
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    milestones: Mapped[list[Any]] = mapped_column(default=list)
    hiring_for: Mapped[list[Any]] = mapped_column(default=list)
    hiring: Mapped[list[Any]] = mapped_column(default=list)
    loaded_at: Mapped[datetime]


class IndexPerson(IdMixin, Base):
    """The filter columns of one person, with their company's copied in (no join in the hot query)."""

    __tablename__ = "index_people"
    __table_args__ = (
        UniqueConstraint("workspace_id", "external_id"),
        Index("ix_index_people_function", "workspace_id", "function", "seniority"),
        Index("ix_index_people_seniority", "workspace_id", "seniority"),
        Index("ix_index_people_country", "workspace_id", "country"),
        Index("ix_index_people_city", "workspace_id", "city_key"),
        Index("ix_index_people_region", "workspace_id", "region_key"),
        Index("ix_index_people_industry", "workspace_id", "company_industry"),
        Index("ix_index_people_stage", "workspace_id", "company_funding_stage"),
        Index("ix_index_people_size", "workspace_id", "company_size"),
        Index("ix_index_people_raised", "workspace_id", "company_raised_on"),
        Index("ix_index_people_role_started", "workspace_id", "role_started_on"),
        Index("ix_index_people_last_post", "workspace_id", "last_post_on"),
    )

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))
    is_sample: Mapped[bool] = mapped_column(default=False)
    seniority: Mapped[str | None] = mapped_column(String(20))
    function: Mapped[str | None] = mapped_column(String(30))
    country: Mapped[str | None] = mapped_column(String(2))
    region_key: Mapped[str | None] = mapped_column(String(120))  # folded, as ranking compares them
    city_key: Mapped[str | None] = mapped_column(String(120))
    role_started_on: Mapped[date | None]
    last_post_on: Mapped[date | None]
    company_id: Mapped[int | None] = mapped_column(ForeignKey("index_companies.id", ondelete="SET NULL"),
                                                   index=True)
    company_industry: Mapped[str | None] = mapped_column(String(40))
    company_size: Mapped[int | None]
    company_funding_stage: Mapped[str | None] = mapped_column(String(20))
    company_raised_on: Mapped[date | None]
    company_hiring_mask: Mapped[int] = mapped_column(default=0)


class IndexPersonDetail(Base):
    """Everything else about an index person; read for ranking candidates, results and enrichment."""

    __tablename__ = "index_person_details"
    __table_args__ = (
        Index("ix_index_person_details_linkedin", "workspace_id", "linkedin_key"),
        Index("ix_index_person_details_email", "workspace_id", "email_key"),
        Index("ix_index_person_details_name", "workspace_id", "name_key"),
    )

    person_id: Mapped[int] = mapped_column(ForeignKey("index_people.id", ondelete="CASCADE"), primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    full_name: Mapped[str] = mapped_column(String(300))
    first_name: Mapped[str] = mapped_column(String(150), default="")
    last_name: Mapped[str] = mapped_column(String(150), default="")
    title: Mapped[str | None] = mapped_column(Text)
    headline: Mapped[str | None] = mapped_column(Text)
    company_external_id: Mapped[str | None] = mapped_column(String(200))
    company_name: Mapped[str | None] = mapped_column(String(300))
    company_domain: Mapped[str | None] = mapped_column(String(253))
    city: Mapped[str | None] = mapped_column(String(120))
    region: Mapped[str | None] = mapped_column(String(120))
    timezone: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    linkedin_id: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    # The keys leads are deduplicated on, computed like an import computes them (sources.index.keys).
    linkedin_key: Mapped[str | None] = mapped_column(String(200))
    email_key: Mapped[str | None] = mapped_column(String(320))
    name_key: Mapped[str | None] = mapped_column(String(600))
    skills: Mapped[list[Any]] = mapped_column(default=list)
    positions: Mapped[list[Any]] = mapped_column(default=list)
    posts: Mapped[list[Any]] = mapped_column(default=list)
    skills_text: Mapped[str] = mapped_column(Text, default="")  # full-text input: skills, one per line
    posts_text: Mapped[str] = mapped_column(Text, default="")  # full-text input: post texts, one per line
    loaded_at: Mapped[datetime]


class IndexBulkLoad(Base):
    """A workspace whose index is being bulk-loaded: full-text triggers skip its rows, and the load adds
    them to the full-text index in one statement at the end (SQLite; sources.index.bulk)."""

    __tablename__ = "index_bulk_loads"

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True)
    started_at: Mapped[datetime]
