"""`SearchFilters`: what a discovery search asks for, as plain data the user can read, edit and send back.

Semantics (ranking.matches() is the reference): every non-empty field must hold; inside a field any value
may match. Locations (countries, regions, cities) are one field: any of them. `keywords` only rank, they
never filter. Exclusions remove a candidate when any excluded value matches. Locations are the person's.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, fields, replace
from typing import Any

from outboard.core.errors import ValidationError
from outboard.sources.icp.vocab import FUNCTIONS, FUNDING_STAGES, INDUSTRIES, REGION_GROUPS, SENIORITIES

MAX_VALUES = 50
MAX_DAYS = 3650
MAX_SIZE = 10_000_000
# Free-text values (titles, cities, topics, keywords) are words, never query syntax: no quotes, `*`,
# parentheses, `:` or `;`, so they can be handed to SQLite FTS5 or PostgreSQL tsquery as quoted terms.
_TEXT = re.compile(r"^[\w][\w &'./+#-]{0,79}$")


@dataclass(frozen=True)
class Exclusions:
    titles: tuple[str, ...] = ()
    seniorities: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    funding_stages: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))


@dataclass(frozen=True)
class SearchFilters:
    titles: tuple[str, ...] = ()
    seniorities: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()  # ISO 3166-1 alpha-2
    regions: tuple[str, ...] = ()  # a group from vocab.REGION_GROUPS, or a state/province name
    cities: tuple[str, ...] = ()
    size_min: int | None = None  # employees, inclusive
    size_max: int | None = None
    funding_stages: tuple[str, ...] = ()  # the company's latest round
    raised_within_days: int | None = None
    hiring_for: tuple[str, ...] = ()  # functions with open roles, or "any"
    posted_about: tuple[str, ...] = ()
    posted_within_days: int | None = None
    new_in_role_days: int | None = None
    keywords: tuple[str, ...] = ()
    exclude: Exclusions = field(default_factory=Exclusions)

    def is_empty(self) -> bool:
        """No criterion at all (a search over everything)."""
        return all(getattr(self, f.name) in (None, ()) for f in fields(self) if f.name != "exclude") \
            and self.exclude.is_empty()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "exclude":
                out["exclude"] = {g.name: list(getattr(value, g.name)) for g in fields(value)}
            else:
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    @classmethod
    def from_dict(cls, data: object) -> SearchFilters:
        """Filters from (possibly hand-edited) data; ValidationError names the field that is wrong."""
        if not isinstance(data, dict):
            raise ValidationError("filters", "must be an object of filter fields", value=type(data).__name__)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValidationError(unknown[0], f"unknown filter; known filters: {', '.join(sorted(known))}")
        values: dict[str, Any] = {}
        for name, raw in data.items():
            if name == "exclude":
                values[name] = _exclusions(raw)
            elif name in _INTS:
                values[name] = _int(name, raw, *_INTS[name])
            else:
                values[name] = _clean_list(name, raw)
        return cls(**values).validated()

    @classmethod
    def from_json(cls, text: str) -> SearchFilters:
        try:
            data = json.loads(text)
        except (ValueError, TypeError) as exc:
            raise ValidationError("filters", f"is not valid JSON: {exc}") from None
        return cls.from_dict(data)

    def validated(self) -> SearchFilters:
        """The same filters with values normalised; ValidationError on contradictions."""
        clean = replace(self, **{f.name: _clean_list(f.name, getattr(self, f.name)) for f in fields(self)
                                 if f.name not in _INTS and f.name != "exclude"},
                        exclude=_exclusions(self.exclude))
        for name, (low, high) in _INTS.items():
            _int(name, getattr(clean, name), low, high)
        _check_contradictions(clean)
        return clean


_INTS = {"size_min": (1, MAX_SIZE), "size_max": (1, MAX_SIZE), "raised_within_days": (1, MAX_DAYS),
         "posted_within_days": (1, MAX_DAYS), "new_in_role_days": (1, MAX_DAYS)}


def _int(name: str, raw: object, low: int, high: int) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int):
        if isinstance(raw, str) and raw.strip().isdigit():
            raw = int(raw.strip())
        else:
            raise ValidationError(name, "must be a whole number or null", value=raw)
    assert isinstance(raw, int)
    if not low <= raw <= high:
        raise ValidationError(name, f"must be between {low:,} and {high:,}", value=raw)
    return raw


def _exclusions(raw: object) -> Exclusions:
    if isinstance(raw, Exclusions):
        raw = {f.name: getattr(raw, f.name) for f in fields(raw)}
    if raw is None:
        return Exclusions()
    if not isinstance(raw, dict):
        raise ValidationError("exclude", "must be an object of excluded values", value=type(raw).__name__)
    known = {f.name for f in fields(Exclusions)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ValidationError(f"exclude.{unknown[0]}", f"cannot be excluded; excludable: {', '.join(sorted(known))}")
    return Exclusions(**{k: _clean_list(f"exclude.{k}", v) for k, v in raw.items()})


def _clean_list(name: str, raw: object) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list | tuple):
        raise ValidationError(name, "must be a list of strings", value=raw)
    if len(raw) > MAX_VALUES:
        raise ValidationError(name, f"at most {MAX_VALUES} values", value=len(raw))
    base = name.removeprefix("exclude.")
    out: list[str] = []
    for item in raw:
        if not isinstance(item, str):
            raise ValidationError(name, "must be a list of strings", value=item)
        value = _normalise(name, base, item.strip())
        if value not in out:
            out.append(value)
    return tuple(out)


_CLOSED = {"seniorities": SENIORITIES, "functions": FUNCTIONS, "industries": INDUSTRIES,
           "funding_stages": FUNDING_STAGES, "hiring_for": {**FUNCTIONS, "any": "any"}}


def _normalise(name: str, base: str, value: str) -> str:
    if base in _CLOSED:
        vocab = _CLOSED[base]
        key = value.lower().replace("-", "_").replace(" ", "_")
        if key in vocab:
            return key
        by_label = {label.lower(): k for k, label in vocab.items()}
        if value.lower() in by_label:
            return by_label[value.lower()]
        raise ValidationError(name, f"unknown value; one of: {', '.join(vocab)}", value=value)
    if base == "countries":
        return _country_code(name, value)
    if base == "regions":
        groups = {g.lower(): g for g in REGION_GROUPS}
        value = groups.get(value.lower(), value)
    if not _TEXT.match(value):
        raise ValidationError(name, "use words only (letters, digits, spaces, & ' . / + # -), at most 80 "
                                    "characters", value=value)
    return value.lower() if base in ("titles", "keywords", "posted_about") else value


def _country_code(name: str, value: str) -> str:
    import pycountry

    if len(value) == 2 and value.isalpha():
        if pycountry.countries.get(alpha_2=value.upper()):
            return value.upper()
    else:
        try:
            return str(pycountry.countries.lookup(value).alpha_2)
        except LookupError:
            pass
    raise ValidationError(name, "unknown country; use an ISO 3166 code such as DE or a country name", value=value)


def _country_label(code: str) -> str:
    import pycountry

    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or getattr(country, "name", code)


def _check_contradictions(f: SearchFilters) -> None:
    if f.size_min is not None and f.size_max is not None and f.size_min > f.size_max:
        raise ValidationError("company_size", f"minimum {f.size_min:,} is above maximum {f.size_max:,} employees")
    for name in ("titles", "seniorities", "functions", "industries", "countries", "regions", "cities",
                 "funding_stages", "keywords"):
        both = [v for v in getattr(f, name) if v in getattr(f.exclude, name)]
        if both:
            shown = _country_label(both[0]) if name == "countries" else both[0]
            raise ValidationError(name, f"{shown!r} is both included and excluded")
    for name in ("seniorities", "functions", "industries", "funding_stages"):
        wanted = getattr(f, name)
        if wanted and set(wanted) <= set(getattr(f.exclude, name)):
            raise ValidationError(name, "every included value is also excluded")
    included = set(f.countries).union(*(REGION_GROUPS.get(r, ()) for r in f.regions))
    excluded = set(f.exclude.countries).union(*(REGION_GROUPS.get(r, ()) for r in f.exclude.regions))
    only_groups = all(r in REGION_GROUPS for r in f.regions) and not f.cities
    if included and only_groups and included <= excluded:
        raise ValidationError("countries", "every included location is also excluded")
    if f.raised_within_days and f.funding_stages and set(f.funding_stages) <= {"bootstrapped"}:
        raise ValidationError("funding_stages", "bootstrapped companies have not raised a round")
