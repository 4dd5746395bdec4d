"""The contract between enrichment and the providers it asks, in a waterfall.

A profile provider answers a PersonQuery with the facts it knows, each field named like a
core.profile.LeadProfile field (`headline`, `title`, `company.size`, `posts`, ...). Providers are
registered by import path (`outboard.enrich.providers`), the local prospect index first; the offline
ones register exactly like the network ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class PersonQuery:
    """Who to look up: whatever identity the lead already has."""

    workspace_id: int
    full_name: str = ""
    first_name: str = ""
    last_name: str = ""
    company_name: str | None = None
    company_domain: str | None = None
    linkedin_id: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class ProfileFacts:
    """What one provider knows. `fields` uses the fact paths of LeadProfile; `company` holds the company's
    fields (name, domain, size, industry, city, country, funding_stage, milestones, hiring_for);
    lists (posts, positions, skills, education) use the shapes documented in db/profiles.py."""

    source: str  # provider name, recorded as provenance
    fields: dict[str, Any] = field(default_factory=dict)
    company: dict[str, Any] = field(default_factory=dict)
    is_sample: bool = False


class ProfileProvider(Protocol):
    name: str
    # Whether answers cost credits (the local index does not... but DESIGN.md meters every enriched field).
    metered: bool

    def lookup(self, query: PersonQuery) -> ProfileFacts | None:
        """The facts this provider has about the person, or None when it does not know them.
        Raises ProviderUnavailable (retryable) when it cannot answer now."""
        ...


class ProviderUnavailable(Exception):
    """The provider could not answer now (network, rate limit): retry later, the lead is not done."""
