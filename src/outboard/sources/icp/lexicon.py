"""The parser's phrase book: every word or phrase it knows, mapped to the filter values it sets.

Built once from data/icp_lexicon.json, the sample places (cities and their regions), the shared
vocabularies and pycountry's country names. Keys are folded, singular word tuples (text.phrase_key);
a few entries only count when written with the same capitals ("US" is a country, "us" is not).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from outboard.sources.icp.text import fold, phrase_key, word_spans
from outboard.sources.icp.vocab import REGION_GROUPS

Entry = tuple[tuple[str, Any], ...]  # ((field, value), ...): ("seniority", "head"), ("size", (1, 50))


@dataclass(frozen=True)
class Lexicon:
    phrases: dict[tuple[str, ...], Entry]
    cased: dict[tuple[str, ...], Entry]
    stop_words: frozenset[str]
    longest: int
    titles: dict[str, tuple[tuple[str, ...], ...]]  # canonical title → variant word tuples
    title_functions: dict[str, str]
    city_countries: dict[str, str]
    region_countries: dict[str, str]  # sub-national region → country


def _load(name: str) -> Any:
    with resources.files("outboard.sources.data").joinpath(name).open(encoding="utf-8") as f:
        return json.load(f)


def cased_key(phrase: str) -> tuple[str, ...]:
    """Word tuple of a phrase with its capitals kept (spans of the folded text, cut from the original)."""
    return tuple(phrase[s:e] for _, s, e in word_spans(fold(phrase)))


class _Builder:
    def __init__(self) -> None:
        self.phrases: dict[tuple[str, ...], list[tuple[str, Any]]] = {}
        self.cased: dict[tuple[str, ...], list[tuple[str, Any]]] = {}

    def add(self, phrases: Iterable[str], *pairs: tuple[str, Any], override: bool = False) -> None:
        for phrase in phrases:
            key = phrase_key(phrase)
            if not key:
                continue
            if override or key not in self.phrases:
                self.phrases[key] = list(pairs)
            elif all(p not in self.phrases[key] for p in pairs):
                # Two meanings for one phrase: keep the first kind only (more specific files come first).
                kinds = {k for k, _ in self.phrases[key]}
                self.phrases[key].extend(p for p in pairs if p[0] in kinds)

    def add_cased(self, phrases: Iterable[str], *pairs: tuple[str, Any]) -> None:
        for phrase in phrases:
            self.cased.setdefault(cased_key(phrase), []).extend(pairs)


@cache
def lexicon() -> Lexicon:
    data, places = _load("icp_lexicon.json"), _load("sample_places.json")
    b = _Builder()
    match_only = set(data["match_only_titles"])  # reached through "roles", which set seniority + function
    for title, variants in data["titles"].items():
        if title not in match_only:
            b.add([title, *variants], ("title", title))
    for phrase, pairs in data["roles"].items():
        b.add([phrase], *(tuple(p) for p in pairs), override=True)
    for kind in ("seniority", "function", "industry", "funding"):
        for value, phrases in data[kind].items():
            b.add(phrases, (kind, value))
    for phrase, values in data["seniority_groups"].items():
        b.add([phrase], *(("seniority", v) for v in values))
    for phrase, values in data["funding_groups"].items():
        b.add([phrase], *(("funding", v) for v in values))
    for phrase, (low, high) in data["size_words"].items():
        b.add([phrase], ("size", (low, high)), override=True)
    b.add(data["ignore_phrases"], ("ignore", None), override=True)
    city_countries, region_countries = _places(b, data, places)
    for group, aliases in data["region_aliases"].items():
        b.add([group, *aliases], ("region", group), override=True)
    _countries(b, data)
    for code, phrases in data["case_sensitive"].items():
        if code in ("SF", "LA"):
            b.add_cased(phrases, ("city", "San Francisco" if code == "SF" else "Los Angeles"))
        else:
            b.add_cased(phrases, ("country", code))
    phrases = {k: tuple(v) for k, v in b.phrases.items()}
    cased = {k: tuple(v) for k, v in b.cased.items()}
    titles = {t: tuple(dict.fromkeys(phrase_key(v) for v in [t, *vs])) for t, vs in data["titles"].items()}
    longest = max(len(k) for k in [*phrases, *cased])
    return Lexicon(phrases, cased, frozenset(data["stop_words"]), longest, titles, data["title_functions"],
                   city_countries, region_countries)


def _places(b: _Builder, data: dict, places: dict) -> tuple[dict[str, str], dict[str, str]]:
    city_countries: dict[str, str] = {}
    region_countries: dict[str, str] = {}
    for code, country in places["countries"].items():
        for city, region, _tz, _w in country["cities"]:
            city_countries[city] = code
            b.add([city], ("city", city), override=True)
            if fold(region) != fold(city):
                region_countries[region] = code
    for city, code in data["extra_cities"]:
        city_countries[city] = code
        b.add([city], ("city", city), override=True)
    for city, aliases in data["city_aliases"].items():
        b.add(aliases, ("city", city), override=True)
    for region in region_countries:
        b.add([region], ("region", region))
    return city_countries, region_countries


def _countries(b: _Builder, data: dict) -> None:
    import pycountry

    ambiguous = set(data["ambiguous_country_names"])
    for country in pycountry.countries:
        names = {country.name, getattr(country, "common_name", country.name)}
        for name in names:
            if fold(name) in ambiguous:
                if phrase_key(name) not in b.phrases:  # "Georgia" stays the US state of the sample cities
                    b.add_cased([name], ("country", country.alpha_2))
            elif phrase_key(name) not in b.phrases:
                b.add([name], ("country", country.alpha_2))
    for code, aliases in data["country_aliases"].items():
        b.add(aliases, ("country", code), override=True)


def title_variants(title: str) -> tuple[tuple[str, ...], ...]:
    """The word tuples a record's title may contain to match `title` (itself when it is not a known group)."""
    known = lexicon().titles.get(title.lower())
    return known if known else (phrase_key(title),)


def region_members(region: str) -> tuple[str, ...]:
    """Countries of a region group; empty for a sub-national region."""
    return REGION_GROUPS.get(region, ())


@cache
def country_name(code: str) -> str:
    import pycountry

    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return {"GB": "United Kingdom", "US": "United States", "KR": "South Korea", "RU": "Russia", "VN": "Vietnam",
            "IR": "Iran", "TW": "Taiwan", "CZ": "Czechia"}.get(code, getattr(country, "common_name", country.name))
