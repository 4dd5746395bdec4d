"""One mapped row in, one normalised lead out: the per-row work of the importer.

`normalize_record` takes a row whose keys are our field names (FIELDS; presets map a file's columns to
them) and treats every other key as a custom field. It never raises on bad data: a bad value is dropped
or kept as written and reported in `problems`, so a row with one bad phone number still imports.

Idempotent: normalize_record(lead.as_raw()) == lead, checked by property tests. Every text field is a
str and "" means unknown. Top-level functions only, so that `normalize_many` runs in a process pool.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from zoneinfo import available_timezones

from outboard.core.errors import ValidationError
from outboard.sources.normalize.company import clean_company_name, domain_from_url, domain_of_host
from outboard.sources.normalize.email import email_domain, is_free_domain, normalize_email
from outboard.sources.normalize.linkedin import parse_linkedin
from outboard.sources.normalize.location import resolve_place
from outboard.sources.normalize.names import NameParts, name_from_parts, name_key, split_full_name
from outboard.sources.normalize.phone import normalize_phone
from outboard.sources.normalize.text import squash

FIELDS: tuple[str, ...] = (
    "full_name", "first_name", "middle_name", "last_name", "honorific", "name_suffix",
    "email", "linkedin_url", "title", "headline",
    "company_name", "company_website", "company_domain", "industry", "company_size",
    "phone", "location", "city", "region", "country", "timezone",
)
# Accepted in input as a synonym of linkedin_url (a bare public id is fine there too).
_ALIASES = {"linkedin_id": "linkedin_url"}
_KNOWN = frozenset(FIELDS) | frozenset(_ALIASES)
# Longest value kept per field, so that every result fits the database columns (PostgreSQL enforces
# VARCHAR lengths); name parts are capped so that the composed full name stays under 300.
LIMITS: dict[str, int] = {
    "full_name": 290, "first_name": 80, "middle_name": 80, "last_name": 80, "honorific": 40, "name_suffix": 40,
    "email": 320, "linkedin_url": 500, "title": 300, "headline": 500, "company_name": 300,
    "company_website": 500, "company_domain": 253, "industry": 200, "company_size": 50, "phone": 40,
    "location": 300, "city": 120, "region": 120, "country": 100, "timezone": 64,
}
_SHORTEST_LIMIT = min(LIMITS.values())


@dataclass(frozen=True, slots=True)
class Problem:
    """A field-level problem: the value was dropped or kept as written, and the row still imports."""

    field: str
    reason: str
    value: str = ""

    def to_error(self, row: int | None = None) -> ValidationError:
        return ValidationError(self.field, self.reason, row=row, value=self.value or None)


@dataclass(frozen=True, slots=True)
class Identity:
    """The keys leads are deduplicated on ("" when unknown)."""

    linkedin_id: str
    email: str
    first_key: str  # folded first name: case, accents, spaces and hyphens ignored
    last_key: str  # folded last name, "ue" = "ü" and so on
    company_domain: str

    def __reduce__(self) -> tuple[object, tuple[str, ...]]:
        # Positional pickling: import workers send millions of these back to the main process.
        return Identity, (self.linkedin_id, self.email, self.first_key, self.last_key, self.company_domain)

    @property
    def name_domain_key(self) -> str:
        """Exact name + company key for a unique index ("" when a part is missing). Fuzzy first-name
        matches ("Jon" / "Jonathan") are dedup.first_names_match's job, not this key's."""
        if self.first_key and self.last_key and self.company_domain:
            return f"{self.first_key} {self.last_key}@{self.company_domain}"
        return ""


@dataclass(slots=True)  # not frozen: a frozen dataclass sets 27 fields through object.__setattr__, 2x slower
class NormalizedLead:
    full_name: str = ""
    first_name: str = ""
    middle_name: str = ""
    last_name: str = ""
    honorific: str = ""
    name_suffix: str = ""
    email: str = ""
    email_free: bool = False  # a consumer mailbox (gmail.com, web.de...)
    linkedin_id: str = ""
    title: str = ""
    headline: str = ""
    company_name: str = ""  # as the company writes itself: "Acme GmbH"
    company_clean: str = ""  # without legal suffix: "Acme"
    company_website: str = ""
    company_domain: str = ""
    industry: str = ""
    company_size: str = ""
    phone: str = ""  # E.164 when phone_valid, else as written
    phone_valid: bool = False
    location: str = ""  # the free text, as written
    city: str = ""
    region: str = ""
    country: str = ""  # ISO 3166-1 alpha-2
    timezone: str = ""  # IANA
    custom: dict[str, str] = field(default_factory=dict)
    problems: tuple[Problem, ...] = field(default=(), compare=False)

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        # Positional pickling, about three times faster than the default for a slots dataclass: import
        # workers send every normalised row back to the main process.
        return NormalizedLead, _lead_values(self)

    @property
    def linkedin_url(self) -> str:
        return f"https://www.linkedin.com/in/{self.linkedin_id}" if self.linkedin_id else ""

    def identity(self) -> Identity:
        first, last = name_key(NameParts(self.first_name, self.middle_name, self.last_name))
        return Identity(self.linkedin_id, self.email, first, last, self.company_domain)

    def as_raw(self) -> dict[str, str]:
        """Back to an input row (our field names, non-empty values, custom fields by their names)."""
        raw = {name: getattr(self, name) for name in FIELDS if name != "linkedin_url" and getattr(self, name)}
        if self.linkedin_id:
            raw["linkedin_url"] = self.linkedin_id
        raw.update(self.custom)
        return raw


_LEAD_FIELDS = tuple(f.name for f in dataclasses.fields(NormalizedLead))
_lead_values = operator.attrgetter(*_LEAD_FIELDS)  # every field, in order, as a tuple (in C)


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _names(raw: Mapping[str, str]) -> NameParts:
    first, middle, last = raw.get("first_name") or "", raw.get("middle_name") or "", raw.get("last_name") or ""
    honorific, suffix = raw.get("honorific") or "", raw.get("name_suffix") or ""
    if first.strip() or middle.strip() or last.strip():
        return name_from_parts(first, middle, last, honorific, suffix)
    parts = split_full_name(raw.get("full_name") or "")
    if honorific.strip() or suffix.strip():
        extra = name_from_parts("", "", "", honorific, suffix)
        parts = NameParts(parts.first, parts.middle, parts.last, extra.honorific or parts.honorific,
                          extra.suffix or parts.suffix)
    return parts


def _company_domain(raw: Mapping[str, str], email: str, free: bool, problems: list[Problem]) -> str:
    for key in ("company_domain", "company_website"):
        text = (raw.get(key) or "").strip()
        if text:
            found = domain_from_url(text)
            if found:
                return found
            problems.append(Problem(key, "no company domain in this value", text))
    return (domain_of_host(email_domain(email)) or "") if email and not free else ""


def _cut_long_values(raw: Mapping[str, str], problems: list[Problem]) -> dict[str, str]:
    out = dict(raw)
    for name, value in raw.items():
        limit = LIMITS.get(_ALIASES.get(name, name))
        if limit and value and len(value.strip()) > limit:
            out[name] = value.strip()[:limit]
            problems.append(Problem(name, f"longer than {limit} characters; cut", value.strip()[:200]))
    return out


def normalize_record(raw: Mapping[str, str]) -> NormalizedLead:
    """Normalise one mapped row; never raises on bad values (see `problems`)."""
    problems: list[Problem] = []
    if any(len(v) > _SHORTEST_LIMIT for v in raw.values() if v):
        raw = _cut_long_values(raw, problems)
    get = raw.get
    names = _names(raw)

    email_text = get("email") or ""
    email, note = normalize_email(email_text)
    if note:
        problems.append(Problem("email", note, email_text.strip()))
    email = email or ""
    free = bool(email) and is_free_domain(email_domain(email))

    linkedin_text = get("linkedin_url") or get("linkedin_id") or ""
    linkedin, note = parse_linkedin(linkedin_text)
    if note:
        problems.append(Problem("linkedin_url", note, linkedin_text.strip()))

    company_name, company_clean = clean_company_name(get("company_name") or "")
    domain = _company_domain(raw, email, free, problems)

    location = squash(get("location"))
    place, bad_country = resolve_place(location, get("city") or "", get("region") or "", get("country") or "")
    if bad_country:
        problems.append(Problem("country", "unknown country", squash(get("country"))))
    timezone = squash(get("timezone"))
    if timezone and timezone not in _zones():
        problems.append(Problem("timezone", "not an IANA timezone name", timezone))
        timezone = ""

    phone_text = get("phone") or ""
    phone, note = normalize_phone(phone_text, place.country or None)
    if note:
        problems.append(Problem("phone", note, phone_text.strip()))

    if not (names.first or names.last or email or linkedin):
        problems.append(Problem("identity", "no name, email or LinkedIn profile identifies this person"))

    custom = {k: v.strip() for k, v in raw.items() if k not in _KNOWN and v and v.strip()}
    return NormalizedLead(
        full_name=names.full, first_name=names.first, middle_name=names.middle, last_name=names.last,
        honorific=names.honorific, name_suffix=names.suffix,
        email=email, email_free=free, linkedin_id=linkedin or "",
        title=squash(get("title")), headline=squash(get("headline")),
        company_name=company_name, company_clean=company_clean,
        company_website=squash(get("company_website")), company_domain=domain,
        industry=squash(get("industry")), company_size=squash(get("company_size")),
        phone=phone or "", phone_valid=bool(phone) and note is None,
        location=location, city=place.city, region=place.region, country=place.country,
        timezone=timezone or place.timezone,
        custom=custom, problems=tuple(problems),
    )


def normalize_many(rows: Iterable[Mapping[str, str]]) -> list[NormalizedLead]:
    """Normalise a chunk of rows; a top-level function, so `pool.map(normalize_many, chunks)` works."""
    return [normalize_record(row) for row in rows]
