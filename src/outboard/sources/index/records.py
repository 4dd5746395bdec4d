"""Prospect-index records (docs/prospect-index.md) checked and turned into the values of our rows.

Structural problems reject the record with a RowError naming the field (no id, no name, a date that is
not YYYY-MM-DD, a list that is not a list); values outside the closed vocabularies are kept out of the
filter columns and reported as warnings, because a person with an unknown industry is still a person.
Over-long texts are cut to their column.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from outboard.sources.icp.text import fold
from outboard.sources.icp.vocab import FUNCTIONS, FUNDING_STAGES, INDUSTRIES, SENIORITIES
from outboard.sources.index.keys import person_keys

# One bit per function with open roles: "hiring for engineering" is `hiring_mask & bit != 0`.
FUNCTION_BITS: dict[str, int] = {name: 1 << i for i, name in enumerate(FUNCTIONS)}
MAX_LIST = 200  # items kept of one nested list (posts, positions, skills, milestones)


class BadValue(Exception):
    def __init__(self, field: str, reason: str, value: object = None):
        super().__init__(f"{field}: {reason}")
        self.field, self.reason, self.value = field, reason, value


@dataclass(frozen=True)
class RowError:
    """A record that was not loaded: where it is, which field, why."""

    file: str
    line: int  # line in JSONL, data row in CSV (header is line 1), row number in Parquet
    field: str
    reason: str
    value: str = ""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "line": self.line, "field": self.field, "reason": self.reason}
        if self.value:
            out["value"] = self.value
        return out

    def __str__(self) -> str:
        shown = f" (got {self.value})" if self.value else ""
        return f"{self.file}:{self.line}: {self.field}: {self.reason}{shown}"


def _vocab(values: Mapping[str, str]) -> dict[str, str]:
    out = {k: k for k in values}
    out.update({label.lower(): k for k, label in values.items()})
    out.update({k.replace("_", " "): k for k in values})
    out.update({k.replace("_", "-"): k for k in values})
    return out


_SENIORITY, _FUNCTION = _vocab(SENIORITIES), _vocab(FUNCTIONS)
_INDUSTRY, _STAGE = _vocab(INDUSTRIES), _vocab(FUNDING_STAGES)


def _closed(record: Mapping[str, Any], key: str, vocab: dict[str, str], warnings: list[tuple[str, str]]) -> str | None:
    value = record.get(key)
    if value is None or value == "":
        return None
    found = vocab.get(str(value).strip().lower()) if isinstance(value, str) else None
    if found is None:
        warnings.append((key, f"unknown value {str(value)[:60]!r}: not used by search filters"))
    return found


def clean(value: object, key: str, limit: int) -> str | None:
    """A text value with runs of whitespace made one space, cut to `limit`; None when empty."""
    if value.__class__ is str:  # the common case, kept cheap: a million records call this 30 times each
        out = value.strip()  # type: ignore[attr-defined]
        if "  " in out or "\n" in out or "\t" in out or "\r" in out:
            out = " ".join(out.split())
        return out[:limit] or None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise BadValue(key, "must be text", type(value).__name__)
    return clean(str(value), key, limit)


def text(record: Mapping[str, Any], key: str, limit: int, *, required: bool = False) -> str | None:
    out = clean(record.get(key), key, limit)
    if required and out is None:
        raise BadValue(key, "is required")
    return out


def day(value: object, key: str) -> str | None:
    """An ISO date string, or None; BadValue for anything else."""
    if value is None or value == "":
        return None
    if value.__class__ is str:
        head = value[:10]  # type: ignore[index]
        if len(value) == 10 or (len(value) > 10 and value[10] in "T "):  # type: ignore[arg-type,index]
            try:
                date.fromisoformat(head)
                return head
            except ValueError:
                pass
    elif isinstance(value, date):
        return value.isoformat()
    raise BadValue(key, "must be a date YYYY-MM-DD", str(value)[:40])


def whole(value: object, key: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadValue(key, "must be a whole number", value)
    if isinstance(value, int):
        out = value
    elif isinstance(value, float) and value.is_integer():
        out = int(value)
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        out = int(value.strip())
    else:
        raise BadValue(key, "must be a whole number", str(value)[:40])
    if not 0 <= out < 2**62:
        raise BadValue(key, "must be zero or more", out)
    return out


def listing(record: Mapping[str, Any], key: str) -> list[Any]:
    value = record.get(key)
    if value is None or value == "":
        return []
    if isinstance(value, str):  # a CSV cell that was not JSON
        try:
            value = json.loads(value)
        except ValueError:
            raise BadValue(key, "must be a list (JSON array in CSV)", value[:40]) from None
    if not isinstance(value, list | tuple):
        raise BadValue(key, "must be a list", type(value).__name__)
    return list(value[:MAX_LIST])


def _objects(record: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    items = listing(record, key)
    for k, item in enumerate(items):
        if not isinstance(item, dict):
            raise BadValue(f"{key}.{k}", "must be an object", type(item).__name__)
    return items


def _strings(record: Mapping[str, Any], key: str, limit: int = 200) -> list[str]:
    out = []
    for item in listing(record, key):
        if isinstance(item, str | int | float) and not isinstance(item, bool):
            cleaned = " ".join(str(item).split())[:limit]
            if cleaned:
                out.append(cleaned)
        elif item is not None:
            raise BadValue(key, "must be a list of strings", type(item).__name__)
    return out


@lru_cache(maxsize=4096)
def country_code(value: str) -> str | None:
    cleaned = value.strip()
    if len(cleaned) == 2 and cleaned.isalpha() and cleaned.isascii():
        return cleaned.upper()
    import pycountry

    try:
        return str(pycountry.countries.lookup(cleaned).alpha_2)
    except LookupError:
        return None


def _country(record: Mapping[str, Any], warnings: list[tuple[str, str]]) -> str | None:
    value = text(record, "country", 100)
    if value is None:
        return None
    code = country_code(value)
    if code is None:
        warnings.append(("country", f"unknown country {value[:40]!r}: use an ISO 3166 code such as DE"))
    return code


def _identifier(record: Mapping[str, Any]) -> str:
    value = record.get("id")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value.strip():
        raise BadValue("id", "is required (a unique id per record)")
    if len(value.strip()) > 200:
        raise BadValue("id", "is longer than 200 characters", value[:40])
    return value.strip()


# -- companies -----------------------------------------------------------------------------------------


# Columns each row carries, in order (the writer adds workspace, ids and the load time).
COMPANY_FIELDS = ("is_sample", "name", "domain", "website", "linkedin_id", "industry", "description", "size",
                  "size_range", "founded_year", "city", "region", "country", "timezone", "funding_stage",
                  "funding_total_usd", "last_funding_on", "raised_on", "hiring_mask", "keywords", "milestones",
                  "hiring_for", "hiring")
PERSON_FIELDS = ("is_sample", "seniority", "function", "country", "region_key", "city_key", "role_started_on",
                 "last_post_on")
DETAIL_FIELDS = ("full_name", "first_name", "last_name", "title", "headline", "company_external_id", "company_name",
                 "company_domain", "city", "region", "timezone", "language", "linkedin_id", "email", "linkedin_key",
                 "email_key", "name_key", "skills", "positions", "posts", "skills_text", "posts_text")
_JSON_FIELDS = frozenset({"keywords", "milestones", "hiring_for", "hiring", "skills", "positions", "posts"})
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _pack(values: dict[str, Any], names: tuple[str, ...]) -> tuple[Any, ...]:
    """Values in column order, lists as JSON text: what executemany takes, and cheap to pickle."""
    return tuple(_dumps(values[n]) if n in _JSON_FIELDS else values[n] for n in names)


@dataclass(slots=True)
class CompanyRow:
    external_id: str
    values: tuple[Any, ...]  # COMPANY_FIELDS
    domain: str | None
    facts: tuple[Any, ...]  # industry, size, funding_stage, raised_on, hiring_mask: copied onto its people
    warnings: list[tuple[str, str]]


def company_row(record: Mapping[str, Any]) -> CompanyRow:
    warnings: list[tuple[str, str]] = []
    external_id = _identifier(record)
    milestones = []
    for k, m in enumerate(_objects(record, "milestones")):
        milestones.append({"kind": text(m, "kind", 40) or "milestone", "text": text(m, "text", 500) or "",
                           "happened_on": day(m.get("happened_on"), f"milestones.{k}.happened_on"),
                           "amount_usd": whole(m.get("amount_usd"), f"milestones.{k}.amount_usd"),
                           "round": _STAGE.get(str(m.get("round") or "").lower())})
    hiring = []
    for k, h in enumerate(_objects(record, "hiring")):
        hiring.append({"function": _FUNCTION.get(str(h.get("function") or "").lower()),
                       "open_roles": whole(h.get("open_roles"), f"hiring.{k}.open_roles"),
                       "posted_on": day(h.get("posted_on"), f"hiring.{k}.posted_on"),
                       "title": text(h, "title", 300)})
    hiring_for = []
    for value in _strings(record, "hiring_for"):
        function = _FUNCTION.get(value.lower())
        if function is None:
            warnings.append(("hiring_for", f"unknown function {value[:40]!r}"))
        elif function not in hiring_for:
            hiring_for.append(function)
    last_funding = day(record.get("last_funding_on"), "last_funding_on")
    rounds = [m["happened_on"] for m in milestones if m["kind"] == "funding" and m["happened_on"]]
    domain = text(record, "domain", 253)
    values = {
        "is_sample": record.get("is_sample") is True,
        "name": text(record, "name", 300, required=True),
        "domain": domain.lower().removeprefix("www.") if domain else None,
        "website": text(record, "website", 500), "linkedin_id": text(record, "linkedin_id", 200),
        "industry": _closed(record, "industry", _INDUSTRY, warnings),
        "description": text(record, "description", 5000),
        "size": whole(record.get("size"), "size"), "size_range": text(record, "size_range", 20),
        "founded_year": whole(record.get("founded_year"), "founded_year"),
        "city": text(record, "city", 120), "region": text(record, "region", 120),
        "country": _country(record, warnings), "timezone": text(record, "timezone", 64),
        "funding_stage": _closed(record, "funding_stage", _STAGE, warnings),
        "funding_total_usd": whole(record.get("funding_total_usd"), "funding_total_usd"),
        "last_funding_on": last_funding, "raised_on": max(rounds) if rounds else last_funding,
        "hiring_mask": sum(FUNCTION_BITS[f] for f in hiring_for),
        "keywords": _strings(record, "keywords"), "milestones": milestones, "hiring_for": hiring_for,
        "hiring": hiring,
    }
    facts = (values["industry"], values["size"], values["funding_stage"], values["raised_on"], values["hiring_mask"])
    return CompanyRow(external_id, _pack(values, COMPANY_FIELDS), values["domain"], facts, warnings)


# -- people --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class PersonRow:
    external_id: str
    person: tuple[Any, ...]  # PERSON_FIELDS
    detail: tuple[Any, ...]  # DETAIL_FIELDS
    company_ref: str | None  # the company record's id, when given
    company_domain: str | None
    warnings: list[tuple[str, str]]


def person_row(record: Mapping[str, Any]) -> PersonRow:
    warnings: list[tuple[str, str]] = []
    external_id = _identifier(record)
    first, last = text(record, "first_name", 150), text(record, "last_name", 150)
    full = text(record, "full_name", 300)
    if not (full or first or last):
        raise BadValue("full_name", "is required (or first_name and last_name)")
    posts = []
    for k, p in enumerate(_objects(record, "posts")):
        body = clean(p.get("text"), "posts.text", 5000)
        if body:
            post = {"text": body, "posted_on": day(p.get("posted_on"), f"posts.{k}.posted_on"),
                    "topic": clean(p.get("topic"), "posts.topic", 120),
                    "kind": clean(p.get("kind"), "posts.kind", 20) or "post"}
            if p.get("url"):
                post["url"] = clean(p["url"], "posts.url", 500)
            posts.append(post)
    positions = [{"title": clean(p.get("title"), "positions.title", 300) or "",
                  "company": clean(p.get("company"), "positions.company", 300) or "",
                  "company_domain": clean(p.get("company_domain"), "positions.company_domain", 253),
                  "started_on": day(p.get("started_on"), f"positions.{k}.started_on"),
                  "ended_on": day(p.get("ended_on"), f"positions.{k}.ended_on")}
                 for k, p in enumerate(_objects(record, "positions"))]
    skills = _strings(record, "skills")
    dates = [p["posted_on"] for p in posts if p["posted_on"]]
    last_post = max(dates) if dates else day(record.get("last_post_on"), "last_post_on")
    linkedin = text(record, "linkedin_id", 500) or text(record, "linkedin_url", 500)
    email = text(record, "email", 320)
    company_name = text(record, "company_name", 300)
    company_domain = text(record, "company_domain", 253)
    keys = person_keys(first_name=first, last_name=last, full_name=full, linkedin=linkedin, email=email,
                       company_domain=company_domain, company_name=company_name)
    if linkedin and keys.linkedin is None:
        warnings.append(("linkedin_id", f"not a LinkedIn profile id {linkedin[:60]!r}"))
    if email and keys.email is None:
        warnings.append(("email", f"not an email address {email[:60]!r}"))
    city, region = text(record, "city", 120), text(record, "region", 120)
    person = {
        "is_sample": record.get("is_sample") is True,
        "seniority": _closed(record, "seniority", _SENIORITY, warnings),
        "function": _closed(record, "function", _FUNCTION, warnings),
        "country": _country(record, warnings),
        "region_key": fold(region) if region else None, "city_key": fold(city) if city else None,
        "role_started_on": day(record.get("role_started_on"), "role_started_on"), "last_post_on": last_post,
    }
    detail = {
        "full_name": (full or keys.full_name or " ".join(x for x in (first, last) if x))[:300],
        "first_name": (first or keys.first_name)[:150], "last_name": (last or keys.last_name)[:150],
        "title": text(record, "title", 1000), "headline": text(record, "headline", 2000),
        "company_external_id": text(record, "company_id", 200), "company_name": company_name,
        "company_domain": keys.company_domain or (company_domain.lower() if company_domain else None),
        "city": city, "region": region, "timezone": text(record, "timezone", 64),
        "language": text(record, "language", 8), "linkedin_id": keys.linkedin or None, "email": keys.email,
        "linkedin_key": keys.linkedin, "email_key": keys.email, "name_key": keys.name_domain,
        "skills": skills, "positions": positions, "posts": posts,
        "skills_text": "\n".join(skills), "posts_text": "\n".join(p["text"] for p in posts),
    }
    return PersonRow(external_id, _pack(person, PERSON_FIELDS), _pack(detail, DETAIL_FIELDS),
                     detail["company_external_id"], detail["company_domain"], warnings)
