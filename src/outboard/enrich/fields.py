"""The enrichable fields: where each is stored, how a provider's value is cleaned into the layout of
db/profiles.py, when two values say the same thing, and what a lead already has.

A provider's value that cannot be cleaned (a country that is no country, a post without text) is dropped:
the waterfall never stores what it cannot read back.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pycountry

from outboard.core.enrichment import ENRICHABLE_FIELDS, fold
from outboard.db.models import Company, Lead

# Lead columns with their lengths; Lead.profile keys; Company columns; Company.facts keys.
LEAD_COLUMNS = {"full_name": 300, "first_name": 150, "last_name": 150, "headline": 500, "title": 300,
                "seniority": 40, "function": 60, "city": 120, "region": 120, "country": 2, "timezone": 64,
                "linkedin_id": 200}
PROFILE_KEYS = ("posts", "positions", "skills", "education", "role_started_on", "language")
COMPANY_COLUMNS = {"company.name": ("name", 300), "company.domain": ("domain", 253), "company.size": ("size", 0),
                   "company.industry": ("industry", 200)}
COMPANY_FACT_KEYS = ("company.milestones", "company.hiring_for", "company.funding_stage", "company.city",
                     "company.country")
_TEXT_LENGTHS = {**LEAD_COLUMNS, "company.name": 300, "company.industry": 200, "company.city": 120}
_SLUG_FIELDS = {"seniority", "function", "company.funding_stage"}
_LIST_LIMIT = 50
_DOMAIN = re.compile(r"^[^\s/@:]+\.[^\s/@:]+$")
_LINKEDIN = re.compile(r"linkedin\.com/in/([^/?#\s]+)", re.IGNORECASE)


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {} or value == ()


def _text(value: Any, limit: int | None = None) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = " ".join(str(value).split())
    if limit:
        text = text[:limit].rstrip()
    return text or None


def _slug(value: Any, limit: int) -> str | None:
    text = _text(value)
    if not text:
        return None
    return re.sub(r"[^a-z0-9]+", "_", fold(text)).strip("_")[:limit] or None


def iso_date(value: Any) -> str | None:
    """"YYYY-MM-DD" from a date, a datetime, an ISO string (time part ignored) or "YYYY-MM" (first day)."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = _text(value)
    if not text:
        return None
    if re.fullmatch(r"\d{4}-\d{2}", text):
        text += "-01"
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        return None


def _country(value: Any) -> str | None:
    text = _text(value)
    if not text:
        return None
    try:
        return str(pycountry.countries.lookup(text).alpha_2)
    except LookupError:
        return None


def _timezone(value: Any) -> str | None:
    text = _text(value, 64)
    if not text or "/" not in text:
        return None
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return text


def _domain(value: Any) -> str | None:
    text = (_text(value) or "").lower()
    text = re.sub(r"^[a-z]+://", "", text).split("/", 1)[0].removeprefix("www.").rstrip(".")
    return text[:253] if _DOMAIN.match(text) else None


def _linkedin(value: Any) -> str | None:
    text = _text(value, 200)
    if not text:
        return None
    match = _LINKEDIN.search(text)
    return (match.group(1) if match else text).strip("/") or None


def _size(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        size = int(value)
    except (TypeError, ValueError):
        return None
    return size if size > 0 else None


def _strings(value: Any, *, slug: bool = False) -> list[str] | None:
    if not isinstance(value, list | tuple):
        return None
    seen: dict[str, str] = {}
    for item in value:
        if isinstance(item, dict):  # education {"school": ...}, hiring {"function": ...}
            item = item.get("school") or item.get("name") or item.get("function")
        text = _slug(item, 60) if slug else _text(item, 200)
        if text and fold(text) not in seen:
            seen[fold(text)] = text
    return list(seen.values())[:_LIST_LIMIT] or None


def _posts(value: Any) -> list[dict[str, Any]] | None:
    if not isinstance(value, list | tuple):
        return None
    posts = []
    for item in value:
        if not isinstance(item, dict) or not _text(item.get("text")):
            continue
        kind = "article" if str(item.get("kind") or "").lower() == "article" else "post"
        posts.append({"text": str(item["text"]).strip(), "posted_on": iso_date(item.get("posted_on")),
                      "url": _text(item.get("url"), 500), "kind": kind})
    posts.sort(key=lambda p: p["posted_on"] or "", reverse=True)  # newest first, undated last
    return posts[:_LIST_LIMIT] or None


def _positions(value: Any) -> list[dict[str, Any]] | None:
    if not isinstance(value, list | tuple):
        return None
    positions = []
    for item in value:
        if not isinstance(item, dict):
            continue
        title, company = _text(item.get("title"), 300) or "", _text(item.get("company"), 300) or ""
        if title or company:
            positions.append({"title": title, "company": company, "started_on": iso_date(item.get("started_on")),
                              "ended_on": iso_date(item.get("ended_on"))})
    return positions[:_LIST_LIMIT] or None


def _milestones(value: Any) -> list[dict[str, Any]] | None:
    if not isinstance(value, list | tuple):
        return None
    items = []
    for item in value:
        if isinstance(item, dict) and _text(item.get("text")):
            items.append({"kind": _slug(item.get("kind"), 30) or "milestone", "text": _text(item["text"], 500),
                          "happened_on": iso_date(item.get("happened_on")), "amount_usd": _size(item.get("amount_usd")),
                          "round": _slug(item.get("round"), 30)})
    items.sort(key=lambda m: m["happened_on"] or "", reverse=True)
    return items[:_LIST_LIMIT] or None


def clean(path: str, value: Any) -> Any:
    """The value in the stored layout, or None when it is unusable."""
    if path not in ENRICHABLE_FIELDS or is_empty(value):
        return None
    if path in _SLUG_FIELDS:
        return _slug(value, LEAD_COLUMNS.get(path, 30))
    if path in ("country", "company.country"):
        return _country(value)
    if path == "timezone":
        return _timezone(value)
    if path == "linkedin_id":
        return _linkedin(value)
    if path == "language":
        text = (_text(value) or "").lower()
        return text if re.fullmatch(r"[a-z]{2}", text) else None
    if path in ("role_started_on",):
        return iso_date(value)
    if path == "company.domain":
        return _domain(value)
    if path == "company.size":
        return _size(value)
    if path == "posts":
        return _posts(value)
    if path == "positions":
        return _positions(value)
    if path == "company.milestones":
        return _milestones(value)
    if path in ("skills", "education"):
        return _strings(value)
    if path == "company.hiring_for":
        return _strings(value, slug=True)
    return _text(value, _TEXT_LENGTHS.get(path))


def clean_facts(flat: dict[str, Any]) -> dict[str, Any]:
    cleaned = {path: clean(path, value) for path, value in flat.items()}
    return {path: value for path, value in cleaned.items() if value is not None}


def _key(path: str, value: Any) -> Any:
    if path == "posts":
        return frozenset(fold(p["text"])[:200] for p in value)
    if path == "positions":
        return frozenset((fold(p["title"]), fold(p["company"])) for p in value)
    if path == "company.milestones":
        return frozenset(fold(m["text"]) for m in value)
    if isinstance(value, list):
        return frozenset(fold(str(v)) for v in value)
    if isinstance(value, str):
        return fold(value)
    return value


def same(path: str, a: Any, b: Any) -> bool:
    """Whether two cleaned values say the same thing (case, accents, list order ignored)."""
    try:
        return bool(_key(path, a) == _key(path, b))
    except (KeyError, TypeError):
        return a == b


def as_text(value: Any) -> str:
    """A value as FieldProvenance stores it."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def current_facts(lead: Lead, company: Company | None) -> dict[str, Any]:
    """What the lead already has, by fact path (empty values left out)."""
    facts: dict[str, Any] = {name: getattr(lead, name) for name in LEAD_COLUMNS}
    profile = lead.profile or {}
    facts.update({key: profile.get(key) for key in PROFILE_KEYS})
    if company is not None:
        facts.update({path: getattr(company, column) for path, (column, _) in COMPANY_COLUMNS.items()})
        stored = company.facts or {}
        facts.update({path: stored.get(path.removeprefix("company.")) for path in COMPANY_FACT_KEYS})
    return {path: value for path, value in facts.items() if not is_empty(value)}
