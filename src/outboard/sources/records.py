"""Normalised leads to database rows and back.

Where the facts of a NormalizedLead go (db/profiles.py defines the JSON layouts; these keys extend them):

    Lead columns      full_name, first_name, last_name, headline, title, email, linkedin_id, phone, city,
                      region, country, timezone; identity keys linkedin_key, email_key, name_domain_key
    Lead.profile      "custom": {column: value} (read by build_profile), "name": {"middle", "honorific",
                      "suffix"}, "location": the location as written, "phone_checked": false when the phone
                      could not be read as E.164 (kept as written)
    Company           name (as the company writes itself), domain, industry, size (lower bound of the band)
    Company.facts     "clean_name" (legal suffix removed), "website", "size_band" (as written: "51-200")

"" in a NormalizedLead means unknown and is stored as NULL (or left out of the JSON).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from operator import attrgetter
from typing import Any

from outboard.sources.normalize.company import clean_company_name
from outboard.sources.normalize.email import email_domain, is_free_domain
from outboard.sources.normalize.phone import is_e164
from outboard.sources.normalize.record import NormalizedLead

# Columns of `leads` that hold facts of a NormalizedLead (besides the profile JSON).
LEAD_FACTS = ("full_name", "first_name", "last_name", "headline", "title", "email", "linkedin_id", "phone",
              "city", "region", "country", "timezone")
_NOT_NULL = frozenset({"full_name", "first_name", "last_name"})
_facts_of = attrgetter(*LEAD_FACTS)
_SIZE = re.compile(r"\d{1,3}(?:[.,\u00a0\u202f ]\d{3})+(?!\d)|\d+")


def company_size(text: str) -> int | None:
    """Headcount for Company.size from what exports write: "51-200" -> 51 (the band's lower bound, so a
    size filter never overstates), "10,001+" -> 10001, "1.000-5.000" -> 1000, "120" -> 120."""
    match = _SIZE.search(text or "")
    if not match:
        return None
    value = int(re.sub(r"\D", "", match.group(0)))
    return value if 0 < value < 10_000_000 else None


def lead_columns(lead: NormalizedLead, profile: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The `leads` columns for a lead's facts; `profile` is the stored profile to keep (posts, skills...)."""
    values: dict[str, Any] = {name: value if value or name in _NOT_NULL else None
                              for name, value in zip(LEAD_FACTS, _facts_of(lead), strict=True)}
    values["profile"] = lead_profile(lead, profile)
    return values


def lead_profile(lead: NormalizedLead, base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    out = dict(base or {})
    for key in ("custom", "name", "location", "phone_checked"):
        out.pop(key, None)
    if lead.custom:
        out["custom"] = dict(lead.custom)
    name = {k: v for k, v in (("middle", lead.middle_name), ("honorific", lead.honorific),
                              ("suffix", lead.name_suffix)) if v}
    if name:
        out["name"] = name
    if lead.location:
        out["location"] = lead.location
    if lead.phone and not lead.phone_valid:
        out["phone_checked"] = False
    return out


def company_facts(lead: NormalizedLead, base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    out = dict(base or {})
    for key, value in (("clean_name", lead.company_clean), ("website", lead.company_website),
                       ("size_band", lead.company_size)):
        if value and not out.get(key):
            out[key] = value
    return out


def normalized_from_row(row: Mapping[str, Any]) -> NormalizedLead:
    """A stored lead (lead columns plus company_name, company_domain, company_industry, company_size,
    company_facts) as a NormalizedLead, so that dedup.merge can compare it with incoming records."""
    profile = row.get("profile") or {}
    name = profile.get("name") or {}
    facts = row.get("company_facts") or {}
    company = row.get("company_name") or ""
    email = row.get("email") or ""
    phone = row.get("phone") or ""
    size = row.get("company_size")
    return NormalizedLead(
        full_name=row.get("full_name") or "", first_name=row.get("first_name") or "",
        middle_name=name.get("middle", ""), last_name=row.get("last_name") or "",
        honorific=name.get("honorific", ""), name_suffix=name.get("suffix", ""),
        email=email, email_free=bool(email) and is_free_domain(email_domain(email)),
        linkedin_id=row.get("linkedin_id") or "", title=row.get("title") or "", headline=row.get("headline") or "",
        company_name=company, company_clean=facts.get("clean_name") or clean_company_name(company)[1],
        company_website=facts.get("website", ""), company_domain=row.get("company_domain") or "",
        industry=row.get("company_industry") or "",
        company_size=facts.get("size_band") or (str(size) if size else ""),
        phone=phone, phone_valid=bool(phone) and is_e164(phone) and profile.get("phone_checked", True),
        location=profile.get("location", ""), city=row.get("city") or "", region=row.get("region") or "",
        country=row.get("country") or "", timezone=row.get("timezone") or "",
        custom={str(k): str(v) for k, v in (profile.get("custom") or {}).items()},
    )


def fact_value(lead: NormalizedLead, field: str) -> str:
    """The value of a field named as dedup.merge names them ("title", "custom.Segment")."""
    if field.startswith("custom."):
        return lead.custom.get(field[7:], "")
    value = getattr(lead, field)
    return value if isinstance(value, str) else str(value)


def fact_fields(lead: NormalizedLead) -> list[str]:
    """Every field with a value, in the order of the provenance "*" row."""
    names = ("full_name", "first_name", "middle_name", "last_name", "honorific", "name_suffix", "email",
             "linkedin_id", "title", "headline", "company_name", "company_domain", "company_website", "industry",
             "company_size", "phone", "location", "city", "region", "country", "timezone")
    return [n for n in names if getattr(lead, n)] + [f"custom.{k}" for k in lead.custom]
