"""The contract between enrichment and the providers it asks, in a waterfall. Pure: no I/O here.

Two kinds of provider, each a Protocol below:
- a **profile provider** answers a PersonQuery with the facts it knows (`ProfileFacts`), each field named by
  its fact path in core.profile.LeadProfile (`headline`, `title`, `company.size`, `posts`, ...);
- an **email finder** answers an EmailQuery with an address it found (`FoundEmail`).

Providers are registered by import path, `"package.module:Name"` (outboard.enrich.providers.registry), the
shipped ones exactly like plug-ins, the local prospect index first. The registry builds each one with
`Name.from_context(context)` when `Name` has that class method, else `Name(context)`; the result is the
provider, or None when it is not configured (it is then skipped, with a log line).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

# Fact paths a profile provider may fill, grouped as the product shows them. Lists use the shapes of
# db/profiles.py: posts [{text, posted_on, url, kind}], positions [{title, company, started_on, ended_on}],
# company.milestones [{kind, text, happened_on, amount_usd, round}]; dates are "YYYY-MM-DD" strings.
PERSON_FIELDS = ("full_name", "first_name", "last_name", "headline", "title", "seniority", "function",
                 "role_started_on", "city", "region", "country", "timezone", "linkedin_id", "language",
                 "posts", "positions", "skills", "education")
COMPANY_FIELDS = ("name", "domain", "size", "industry", "city", "country", "funding_stage", "milestones",
                  "hiring_for")
ENRICHABLE_FIELDS = PERSON_FIELDS + tuple(f"company.{name}" for name in COMPANY_FIELDS)
# What "enrich everything" asks for when no play names its fields: the Profile enriched stage's facts.
DEFAULT_WANTED = ("full_name", "headline", "title", "seniority", "function", "role_started_on", "company.name",
                  "company.size", "company.industry", "company.domain", "company.milestones",
                  "company.hiring_for", "company.funding_stage", "posts", "positions", "skills", "city",
                  "country", "timezone")


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

    def identity_keys(self) -> list[str]:
        """Every normalised identity the query has, strongest first (LinkedIn id, email, name + company):
        the same for every spelling of one person. Empty when there is nothing to look anyone up by."""
        keys = []
        if self.linkedin_id and self.linkedin_id.strip():
            keys.append("li:" + self.linkedin_id.strip().strip("/").lower())
        if self.email and "@" in self.email:
            keys.append("email:" + self.email.strip().lower())
        first, last = fold(self.first_name), fold(self.last_name)
        name = f"{first} {last}".strip() or fold(self.full_name)
        where = (self.company_domain or "").strip().lower().removeprefix("www.") or fold(self.company_name or "")
        if name and where:
            keys.append(f"name:{name}@{where}")
        return keys

    def identity_key(self) -> str | None:
        keys = self.identity_keys()
        return keys[0] if keys else None


@dataclass(frozen=True)
class ProfileFacts:
    """What one provider knows. `fields` uses the fact paths of LeadProfile; `company` holds the company's
    fields (COMPANY_FIELDS); values the waterfall cannot use are dropped, never guessed at."""

    source: str  # provider name, recorded as provenance
    fields: dict[str, Any] = field(default_factory=dict)
    company: dict[str, Any] = field(default_factory=dict)
    is_sample: bool = False

    def flat(self) -> dict[str, Any]:
        """Every fact by its path: `title`, `company.size`, ..."""
        return {**self.fields, **{f"company.{k}": v for k, v in self.company.items()}}


class ProfileProvider(Protocol):
    """Answers for one person. `name` is recorded as provenance ("provider:<name>") and used as cache key."""

    name: str
    # Whether the fields it fills are charged (`field_enriched` per field filled, on success only).
    metered: bool

    def lookup(self, query: PersonQuery) -> ProfileFacts | None:
        """The facts this provider has about the person, or None when it does not know them.
        Raises ProviderUnavailable when it cannot answer now (the lead is retried on a later run)."""
        ...


@dataclass(frozen=True)
class EmailQuery:
    """Whose work address to find: the person, the mail domain, and the patterns already proven there
    (most used first, names of outboard.enrich.finder.PATTERNS)."""

    person: PersonQuery
    domain: str
    proven_patterns: tuple[str, ...] = ()


@dataclass(frozen=True)
class FoundEmail:
    """One finder's answer. `verdict` is set (an EmailVerdict value) when the finder checked the address
    itself; an unverified answer is checked by the verifier before it is believed."""

    source: str
    address: str | None  # None: looked and found nothing usable (see verdict / detail)
    verdict: str | None = None
    confidence: float | None = None  # 0..1, as the provider rates its answer
    pattern: str | None = None
    detail: str = ""
    verification: dict[str, Any] | None = None  # the verifier's evidence (Verification.to_dict())
    tried: tuple[str, ...] = ()  # addresses checked on the way
    conversations: int = 0  # SMTP conversations spent


class EmailFinder(Protocol):
    """Finds a person's work address. Async, because the built-in finder talks SMTP while others wait."""

    name: str
    metered: bool

    async def find(self, query: EmailQuery) -> FoundEmail | None:
        """The address this finder has, or None when it has none. Raises ProviderUnavailable when it
        cannot answer now."""
        ...


@dataclass(frozen=True)
class ProviderContext:
    """What a provider factory receives when a waterfall is built. Typed loosely: core imports nothing of
    ours. `options` are this provider's own settings (url, api_key, timeout, ...)."""

    name: str
    workspace_id: int
    options: Mapping[str, Any] = field(default_factory=dict)
    settings: Any = None  # outboard.settings.Settings
    db: Any = None  # outboard.db.database.Database, for providers that read stored data
    clock: Any = None  # outboard.core.clock.Clock
    resources: Mapping[str, Any] = field(default_factory=dict)  # e.g. {"verifier": Verifier} for finders
    trace: bool = False


class ProviderUnavailable(Exception):
    """The provider could not answer now (network, rate limit, outage): the lead is not done and is asked
    again later. `permanent`: it will not answer in this run either (wrong key, misconfiguration), so the
    waterfall stops asking it; `retry_after`: seconds the provider asked us to wait."""

    def __init__(self, message: str, *, retry_after: float | None = None, permanent: bool = False):
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent


_NOT_LETTER = re.compile(r"[^\w]+")


def fold(text: str) -> str:
    """Lower case, accents and punctuation dropped, single spaces: "José  Müller-Lüdenscheidt" →
    "jose muller ludenscheidt"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NOT_LETTER.sub(" ", plain).split())
