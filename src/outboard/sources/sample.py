"""Sample prospect data: people and companies, deterministic from a seed, marked `is_sample` everywhere.

`SampleGenerator(SampleSpec(people=N, seed=S, reference_date=D))` streams company and person records in
the prospect-index format (docs/prospect-index.md); `write_sample()` writes them as JSONL, CSV or Parquet.
Every date is an offset from the reference date, never the wall clock, and every random draw comes
from a `random.Random` seeded by (seed, stream, chunk): the same spec gives byte-identical files.
"""

from __future__ import annotations

import json
import math
import random
import time
import unicodedata
from bisect import bisect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

from outboard.core.errors import ValidationError
from outboard.sources.icp.lexicon import country_name
from outboard.sources.icp.vocab import FUNDING_STAGES, VENTURE_STAGES, size_band

DEFAULT_REFERENCE_DATE = date(2026, 1, 15)
_CHUNK = 1000  # records per seeded random stream: any chunk can be regenerated on its own
_DAYS_BACK = 16 * 365  # the oldest date any record mentions, in days before the reference date


@dataclass(frozen=True)
class SampleSpec:
    people: int
    companies: int | None = None  # default: people // 5, at least 1
    seed: int = 42
    reference_date: date = DEFAULT_REFERENCE_DATE

    @property
    def company_count(self) -> int:
        return self.companies if self.companies is not None else max(1, self.people // 5)


def _data(name: str) -> Any:
    with resources.files("outboard.sources.data").joinpath(name).open(encoding="utf-8") as f:
        return json.load(f)


@cache
def _tables() -> tuple[dict, dict, dict, dict]:
    return (_data("sample_names.json"), _data("sample_places.json"), _data("sample_roles.json"),
            _data("sample_companies.json"))


def slug(text: str) -> str:
    """ASCII letters and digits only: `Müller & Söhne` → `mullersohne`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_text.lower() if ch.isalnum())


class _Weighted:
    """A weighted choice by bisection over cumulative weights (faster than `random.choices` per call)."""

    __slots__ = ("cum", "items", "total")

    def __init__(self, weights: dict[Any, float] | Sequence[tuple[Any, float]]):
        pairs = list(weights.items()) if isinstance(weights, dict) else list(weights)
        self.items = [item for item, _ in pairs]
        self.cum: list[float] = []
        total = 0.0
        for _, weight in pairs:
            total += weight
            self.cum.append(total)
        self.total = total

    def pick(self, rand: Callable[[], float]) -> Any:
        return self.items[bisect(self.cum, rand() * self.total)]


@dataclass(frozen=True)
class _City:
    name: str
    region: str
    timezone: str
    country: str
    language: str


class _World:
    """Data files turned into lookup tables once per process."""

    def __init__(self) -> None:
        names, places, roles, companies = _tables()
        self.names = names
        self.roles = roles
        self.industries: dict[str, dict] = companies["industries"]
        self.company_data = companies
        self.countries = _Weighted({cc: c["weight"] for cc, c in places["countries"].items()})
        self.cities: dict[str, _Weighted] = {}
        self.cultures: dict[str, _Weighted] = {}
        for cc, c in places["countries"].items():
            self.cities[cc] = _Weighted([(_City(n, r, tz, cc, c["language"]), w) for n, r, tz, w in c["cities"]])
            self.cultures[cc] = _Weighted(c["cultures"])
        self.tld = {cc: c["tld"] for cc, c in places["countries"].items()}
        self.industry_pick = _Weighted({k: v["weight"] for k, v in self.industries.items()})
        base = roles["function_weights"]
        # Function mix per industry: agencies are mostly marketing, manufacturers mostly operations.
        self.functions = {
            ind: _Weighted({f: w * spec["functions"].get(f, 1.0) for f, w in base.items()})
            for ind, spec in self.industries.items()
        }
        self.seniority = {band: _Weighted(w) for band, w in roles["seniority_weights"].items()}


@cache
def _world() -> _World:
    return _World()


def _size_class(size: int) -> str:
    return "tiny" if size <= 10 else "small" if size <= 50 else "mid" if size <= 1000 else "large"


def _stage_for(rng: random.Random, size: int, funded_share: float) -> str:
    """Latest funding round, plausible for the headcount: seed companies are small, public ones large."""
    if size > 2000 and rng.random() < 0.3:
        return "public"
    if rng.random() >= funded_share * (0.5 if size > 5000 else 1.0):
        return "bootstrapped"
    ladder = (("pre_seed", 0.25), ("seed", 0.6), ("series_a", 0.15)) if size <= 10 else \
        (("seed", 0.45), ("series_a", 0.45), ("series_b", 0.1)) if size <= 50 else \
        (("seed", 0.1), ("series_a", 0.45), ("series_b", 0.35), ("series_c", 0.1)) if size <= 200 else \
        (("series_a", 0.1), ("series_b", 0.35), ("series_c", 0.35), ("series_d_plus", 0.2)) if size <= 1000 \
        else (("series_b", 0.1), ("series_c", 0.35), ("series_d_plus", 0.55))
    return _Weighted(ladder).pick(rng.random)


# Round sizes in USD millions (low, high) and months between rounds.
_ROUND_USD = {"pre_seed": (0.2, 1.5), "seed": (1.0, 5.0), "series_a": (6.0, 25.0), "series_b": (20.0, 70.0),
              "series_c": (40.0, 150.0), "series_d_plus": (80.0, 400.0)}


@dataclass
class _Companies:
    """The compact per-company facts people need (parallel lists keep 200,000 companies small)."""

    ids: list[str]
    names: list[str]
    domains: list[str]
    handles: list[str]  # LinkedIn company ids
    industries: list[str]
    cities: list[_City]
    sizes: list[int]
    stages: list[str]
    founded: list[int]
    cum_weight: list[float]


class SampleGenerator:
    """Streams sample companies and people for one spec. Iterating twice gives the same records."""

    def __init__(self, spec: SampleSpec):
        if spec.people < 0 or spec.company_count < 1:
            raise ValidationError("people", "must be at least 0, with at least one company", value=spec.people)
        if spec.people > 50_000_000:
            raise ValidationError("people", "at most 50,000,000 sample people", value=spec.people)
        self.spec = spec
        self.world = _world()
        self._companies: _Companies | None = None
        ref = spec.reference_date
        # ISO strings for every day back from the reference date: a list lookup instead of isoformat().
        self._day = [(ref - timedelta(days=d)).isoformat() for d in range(_DAYS_BACK + 1)]

    def _rng(self, stream: str, chunk: int) -> random.Random:
        return random.Random(f"{self.spec.seed}/{stream}/{chunk}")

    # -- companies -------------------------------------------------------------------------------

    @property
    def core(self) -> _Companies:
        if self._companies is None:
            self._companies = self._build_core()
        return self._companies

    def _build_core(self) -> _Companies:
        w, n, seed = self.world, self.spec.company_count, self.spec.seed
        out = _Companies([], [], [], [], [], [], [], [], [], [])
        used_names: set[str] = set()
        used_domains: set[str] = set()
        used_handles: set[str] = set()
        weight = 0.0
        year = self.spec.reference_date.year
        for i in range(n):
            if i % _CHUNK == 0:
                rng = self._rng("company-core", i // _CHUNK)
                rand = rng.random
            industry = w.industry_pick.pick(rand)
            spec = w.industries[industry]
            country = w.countries.pick(rand)
            city = w.cities[country].pick(rand)
            # Long-tailed headcount: log-normal around 35 people, scaled by industry, 1 to 250,000.
            size = int(math.exp(math.log(35) + 1.55 * rng.normalvariate(0.0, 1.0)) * spec["size_scale"])
            size = min(max(size, 1), 250_000)
            stage = _stage_for(rng, size, spec["funded"])
            young = stage in VENTURE_STAGES
            age = 1 + int(rng.expovariate(1 / (4 if young else 14)) + math.log10(size + 1) * (1 if young else 4))
            name = self._company_name(rng, industry, country, used_names)
            out.ids.append(f"sample-{seed}-c{i:06d}")
            out.domains.append(self._domain(rng, name, industry, country, used_domains))
            # Some companies go by their registered name ("Nordlicht Werke GmbH"): dedup has to cope.
            form = w.company_data["legal_forms"].get(country)
            if form and rand() < (0.35 if industry in _TRADITIONAL else 0.12):
                name = f"{name} {form}"
            out.names.append(name)
            handle = slug(name) or "company"
            handle = handle if handle not in used_handles else f"{handle}-{i}"
            used_handles.add(handle)
            out.handles.append(handle)
            out.industries.append(industry)
            out.cities.append(city)
            out.sizes.append(size)
            out.stages.append(stage)
            out.founded.append(year - min(age, 120))
            weight += size ** 0.5  # bigger companies have more people in an index, sub-linearly
            out.cum_weight.append(weight)
        return out

    def _company_name(self, rng: random.Random, industry: str, country: str, used: set[str]) -> str:
        d = self.world.company_data
        suffixes = self.world.industries[industry]["suffixes"]
        for attempt in range(20):
            roll = rng.random()
            if roll < 0.45:
                root = rng.choice(d["name_onsets"]) + rng.choice(d["name_middles"]) + rng.choice(d["name_codas"])
            elif roll < 0.75:
                root = rng.choice(d["name_words"]) + rng.choice(d["name_words2"])
            elif roll < 0.9 and industry in _TRADITIONAL:
                culture = self.world.cultures[country].pick(rng.random)
                root = rng.choice(self.world.names[culture]["last"])
            else:
                root = rng.choice(d["name_words"]) + " " + rng.choice(d["name_words"])
            suffix = rng.choice(suffixes)
            name = f"{root} {suffix}".strip() if suffix else root
            if attempt >= 5:
                name = f"{name} {rng.choice(d['name_words'])}"
            if name not in used:
                used.add(name)
                return name
        name = f"{name} {len(used)}"
        used.add(name)
        return name

    def _domain(self, rng: random.Random, name: str, industry: str, country: str, used: set[str]) -> str:
        base = slug(name) or "company"
        roll = rng.random()
        tld = "io" if roll < 0.2 and industry in ("saas", "ai", "cybersecurity", "fintech") else \
            "com" if roll < 0.55 else self.world.tld.get(country, "com")
        for candidate in (base, f"get{base}", f"{base}hq", f"{base}{country.lower()}"):
            domain = f"{candidate}.{tld}"
            if domain not in used:
                used.add(domain)
                return domain
        domain = f"{base}{len(used)}.{tld}"
        used.add(domain)
        return domain

    def companies(self) -> Iterator[dict[str, Any]]:
        core, n = self.core, self.spec.company_count
        for chunk_start in range(0, n, _CHUNK):
            rng = self._rng("company", chunk_start // _CHUNK)
            for i in range(chunk_start, min(n, chunk_start + _CHUNK)):
                yield self._company(rng, core, i)

    def _company(self, rng: random.Random, core: _Companies, i: int) -> dict[str, Any]:
        w, day, rand = self.world, self._day, rng.random
        industry, city, size, stage = core.industries[i], core.cities[i], core.sizes[i], core.stages[i]
        name, founded = core.names[i], core.founded[i]
        spec = w.industries[industry]
        max_back = min(_DAYS_BACK - 1, (self.spec.reference_date.year - founded) * 365 + 180)
        milestones = self._funding_rounds(rng, stage, max_back)
        funding_total = sum(m["amount_usd"] for m in milestones)
        last_funding_on = milestones[0]["happened_on"] if milestones else None
        data = w.company_data
        for _ in range(int(rand() * 2.2)):
            template = data["launches"][int(rand() * len(data["launches"]))]
            where = w.cities[w.countries.pick(rand)].pick(rand)
            text = template.format(product=data["products"][int(rand() * len(data["products"]))], city=where.name,
                                   country=country_name(where.country), n=2 + int(rand() * 40))
            kind = "expansion" if ("office" in text or "expanded" in text) else \
                "acquisition" if "acquired" in text else "launch"
            milestones.append({"kind": kind, "text": text[0].upper() + text[1:],
                               "happened_on": day[min(max_back, int(rand() * 700))], "amount_usd": None,
                               "round": None})
        milestones.sort(key=lambda m: m["happened_on"], reverse=True)
        hiring = self._hiring(rng, industry, size, stage)
        return {
            "id": core.ids[i], "record_type": "company", "is_sample": True,
            "name": name, "domain": core.domains[i], "website": f"https://{core.domains[i]}",
            "linkedin_id": core.handles[i], "industry": industry,
            "description": _describe(name, rng.choice(spec["what"]), founded, city.name),
            "keywords": list(spec["skills"]),
            "size": size, "size_range": size_band(size), "founded_year": founded,
            "city": city.name, "region": city.region, "country": city.country, "timezone": city.timezone,
            "funding_stage": stage, "funding_total_usd": funding_total or None,
            "last_funding_on": last_funding_on,
            "milestones": milestones,
            "hiring_for": sorted(h["function"] for h in hiring),
            "hiring": hiring,
        }

    def _funding_rounds(self, rng: random.Random, stage: str, max_back: int) -> list[dict[str, Any]]:
        if stage not in VENTURE_STAGES:
            return []
        rand = rng.random
        # 15% raised within 90 days (the "recently raised" clue), the rest within about four years.
        back = int(rand() * 90) if rand() < 0.15 else 90 + int(rand() * 1300)
        back = min(back, max_back)  # a young company's latest round is still after its founding
        rounds = []
        ladder = VENTURE_STAGES[: VENTURE_STAGES.index(stage) + 1]
        for k, round_id in enumerate(reversed(ladder)):
            if back > max_back or (k > 0 and rand() < 0.2):  # some companies skip early rounds
                break
            low, high = _ROUND_USD[round_id]
            amount = int(round(low + (high - low) * rand() ** 1.6, 1) * 1_000_000)
            label = FUNDING_STAGES[round_id]
            investor = f"{rng.choice(self.world.company_data['name_words'])} {rng.choice(_INVESTOR_KINDS)}"
            rounds.append({"kind": "funding", "text": f"Raised ${amount / 1e6:.1f}M {label} led by {investor}",
                           "happened_on": self._day[back], "amount_usd": amount, "round": round_id})
            back += 300 + int(rand() * 500)
        return rounds

    def _hiring(self, rng: random.Random, industry: str, size: int, stage: str) -> list[dict[str, Any]]:
        rand = rng.random
        growth = {"series_a": 0.35, "series_b": 0.45, "series_c": 0.5, "series_d_plus": 0.5, "seed": 0.25,
                  "pre_seed": 0.1, "public": 0.35}.get(stage, 0.12)
        picks = self.world.functions[industry]
        hiring: dict[str, dict[str, Any]] = {}
        for _ in range(1 + int(math.log10(size + 1) * 1.5)):
            if rand() >= growth:
                continue
            function = picks.pick(rand)
            entry = hiring.get(function)
            if entry is None:
                titles = self.world.roles["titles"][function]
                options = titles["ic"] + titles["senior_ic"]
                entry = hiring[function] = {"function": function, "open_roles": 0,
                                            "posted_on": self._day[int(rand() * 60)],
                                            "title": options[int(rand() * len(options))]}
            entry["open_roles"] += 1 + int(rand() * max(1, size / 200))
        return [hiring[f] for f in sorted(hiring)]

    # -- people ----------------------------------------------------------------------------------

    def people(self) -> Iterator[dict[str, Any]]:
        n = self.spec.people
        for chunk_start in range(0, n, _CHUNK):
            yield from _PersonMaker(self, self._rng("person", chunk_start // _CHUNK)).run(
                chunk_start, min(n, chunk_start + _CHUNK))


class _PersonMaker:
    """People of one chunk, drawing from one seeded stream; lookups are bound once per chunk for speed."""

    def __init__(self, gen: SampleGenerator, rng: random.Random):
        self.rng, self.rand = rng, rng.random
        self.world, self.core, self.day, self.seed = gen.world, gen.core, gen._day, gen.spec.seed
        self.year = gen.spec.reference_date.year
        self.roles = gen.world.roles
        self.templates, self.events = self.roles["post_templates"], self.roles["events"]

    def pick(self, seq: Sequence[Any]) -> Any:  # rng.choice costs 1 µs; this is a fifth of that
        return seq[int(self.rand() * len(seq))]

    def run(self, start: int, stop: int) -> Iterator[dict[str, Any]]:
        w, core, rand, pick, day, seed = self.world, self.core, self.rand, self.pick, self.day, self.seed
        cum, total = core.cum_weight, core.cum_weight[-1]
        for i in range(start, stop):
            j = bisect(cum, rand() * total)
            industry, home, size = core.industries[j], core.cities[j], core.sizes[j]
            roll = rand()
            # Most people live where their company is; some elsewhere in the country; some abroad.
            city = home if roll < 0.72 else w.cities[home.country].pick(rand) if roll < 0.86 else \
                w.cities[w.countries.pick(rand)].pick(rand)
            first, last = self.name(city.country)
            function = w.functions[industry].pick(rand)
            seniority = w.seniority[_size_class(size)].pick(rand)
            title = self.title(function, seniority, industry, size, core.stages[j])
            # 9% are new in their role (started within 90 days); the rest have tenure up to ~12 years.
            max_tenure = min(12 * 365, max(30, (self.year - core.founded[j]) * 365))
            started = int(rand() * 90) if rand() < 0.09 else min(max_tenure, 90 + int(-_log(1.0 - rand()) * 900))
            skills = self.skills(function, industry)
            label = _INDUSTRY_WORDS[industry]
            company = core.names[j]
            posts = self.posts(function, title, company, city.name, label, started)
            tagline = pick(self.roles["taglines"][function]).format(industry=label)
            roll = rand()
            headline = f"{title} at {company}" if roll < 0.3 else \
                f"{title} @ {company} | {tagline}" if roll < 0.65 else \
                f"{title} at {company} | {', '.join(skills[:3])}" if roll < 0.85 else f"{tagline} | {title}"
            suffix = (i * 0x9E3779B1 + seed * 0x85EBCA77) & 0xFFFFFFFF  # odd multiplier: unique per i
            yield {
                "id": f"sample-{seed}-p{i:07d}", "record_type": "person", "is_sample": True,
                "first_name": first, "last_name": last, "full_name": f"{first} {last}",
                "headline": headline, "title": title, "seniority": seniority, "function": function,
                "role_started_on": day[started],
                "company_id": core.ids[j], "company_name": company, "company_domain": core.domains[j],
                "city": city.name, "region": city.region, "country": city.country, "timezone": city.timezone,
                "language": city.language,
                "linkedin_id": f"{_slug_cached(first)}-{_slug_cached(last)}-{suffix:08x}",
                "skills": skills, "positions": self.positions(j, title, function, seniority, started),
                "posts": posts, "last_post_on": posts[0]["posted_on"] if posts else None,
            }

    def name(self, country: str) -> tuple[str, str]:
        rand, pick = self.rand, self.pick
        culture = self.world.names[self.world.cultures[country].pick(rand)]
        female = rand() < 0.5
        first = pick(culture["female"] if female else culture["male"])
        last = pick(culture["last"])
        if female and "feminine_endings" in culture:  # Polish: Kowalski → Kowalska
            for ending, feminine in culture["feminine_endings"].items():
                if last.endswith(ending):
                    return first, last[: -len(ending)] + feminine
        return first, last

    def title(self, function: str, seniority: str, industry: str, size: int, stage: str) -> str:
        roles, rand, pick = self.roles, self.rand, self.pick
        founders = roles["founder_titles"]
        if seniority == "c_level" and function in founders and size <= 300 and stage != "public" \
                and rand() < 0.45:
            return pick(founders[function])
        special = roles["industry_titles"].get(industry, {}).get(function, {}).get(seniority)
        if special and rand() < 0.6:
            return pick(special)
        return pick(roles["titles"][function][seniority])

    def positions(self, j: int, title: str, function: str, seniority: str, started: int) -> list[dict[str, Any]]:
        """The current role first, then earlier roles one level down at other companies, back in time."""
        names, domains, day, rand = self.core.names, self.core.domains, self.day, self.rand
        positions = [{"title": title, "company": names[j], "company_domain": domains[j],
                      "started_on": day[started], "ended_on": None}]
        earlier = self.roles["titles"][function][_PREVIOUS[seniority]]
        back, n = started, len(names)
        for _ in range(int(rand() * _HISTORY[seniority])):
            end = back + 1 + int(rand() * 60)
            back = end + 240 + int(rand() * 1200)
            if back >= _DAYS_BACK:
                break
            k = int(rand() * n)
            positions.append({"title": earlier[int(rand() * len(earlier))], "company": names[k],
                              "company_domain": domains[k], "started_on": day[back], "ended_on": day[end]})
        return positions

    def skills(self, function: str, industry: str) -> list[str]:
        rand = self.rand
        pool = self.roles["skills"][function]
        skills = _distinct(pool, 3 + int(rand() * min(7, len(pool) - 3)), rand)
        extra = self.world.industries[industry]["skills"]
        extra_skill = extra[int(rand() * len(extra))]
        if rand() < 0.6 and extra_skill not in skills:
            skills.append(extra_skill)
        return skills

    def posts(self, function: str, title: str, company: str, city: str, label: str,
              started: int) -> list[dict[str, Any]]:
        """0–8 posts on topics of the person's function, newest first; most posts are weeks old."""
        rand, roles, day = self.rand, self.roles, self.day
        count = 0 if rand() < 0.35 else min(8, 1 + int(-_log(1.0 - rand()) / 0.55))
        backs = sorted(min(_DAYS_BACK, int(-_log(1.0 - rand()) * 45)) for _ in range(count))
        new_role = started < 90 and rand() < 0.6
        if not backs and not new_role:
            return []
        topics, metrics = roles["topics"][function], roles["metrics"][function]
        general, templates, events = roles["topics"]["general_management"], self.templates, self.events
        posts = []
        for back in backs:
            pool = topics if rand() < 0.85 else general
            topic = pool[int(rand() * len(pool))]
            text = templates[int(rand() * len(templates))].format(
                topic=topic, company=company, n=2 + int(rand() * 10), metric=metrics[int(rand() * len(metrics))],
                pct=5 + int(rand() * 60), event=events[int(rand() * len(events))], city=city, industry=label)
            posts.append({"text": text, "posted_on": day[back], "topic": topic, "kind": "post"})
        if new_role:
            back = max(0, started - int(rand() * 7))
            text = self.pick(roles["new_role_templates"]).format(title=title, company=company)
            at = sum(1 for b in backs if b <= back)  # keep newest first
            posts.insert(at, {"text": text, "posted_on": day[back], "topic": "new role", "kind": "post"})
        return posts


_TRADITIONAL = frozenset({"consulting", "marketing_agency", "manufacturing", "logistics", "retail", "media"})
_INVESTOR_KINDS = ("Ventures", "Capital", "Partners", "Growth", "Fund")
_HISTORY = {"c_level": 4.2, "vp": 4.2, "head": 4.2, "director": 4.2, "manager": 4.2, "senior_ic": 4.2, "ic": 2.5,
            "intern": 1.0}
_log = math.log
_PREVIOUS = {"c_level": "vp", "vp": "director", "head": "manager", "director": "manager", "manager": "senior_ic",
             "senior_ic": "ic", "ic": "ic", "intern": "intern"}
_INDUSTRY_WORDS = {
    "saas": "SaaS", "fintech": "fintech", "healthtech": "healthtech", "ecommerce": "e-commerce",
    "logistics": "logistics", "manufacturing": "manufacturing", "marketing_agency": "agency",
    "consulting": "consulting", "edtech": "edtech", "cybersecurity": "security", "insurtech": "insurtech",
    "proptech": "proptech", "hr_tech": "HR tech", "climate_tech": "climate tech", "ai": "AI", "gaming": "gaming",
    "media": "media", "travel": "travel", "biotech": "biotech", "automotive": "mobility", "telecom": "telecom",
    "retail": "retail", "legal_tech": "legal tech",
}


_STRIDES = (1, 3, 5, 7, 11, 13)


@cache
def _strides(n: int) -> tuple[int, ...]:
    return tuple(s for s in _STRIDES if math.gcd(s, n) == 1)


def _distinct(pool: Sequence[str], k: int, rand: Callable[[], float]) -> list[str]:
    """k different items of `pool`: a random start and a stride coprime to its length (cheaper than sample)."""
    n = len(pool)
    strides = _strides(n)
    start, step = int(rand() * n), strides[int(rand() * len(strides))]
    return [pool[(start + m * step) % n] for m in range(min(k, n))]


@cache
def _slug_cached(text: str) -> str:
    return slug(text)


def _describe(name: str, what: str, founded: int, city: str) -> str:
    verb = "is" if what.startswith(("a ", "an ")) else "provides"
    return f"{name} {verb} {what}. Founded in {founded}, based in {city}."


# -- the prospect-index file format (docs/prospect-index.md) -----------------------------------------

def _arrow_schemas() -> tuple[Any, Any]:
    import pyarrow as pa  # imported here: generating JSONL never pays for pyarrow

    s, d, i64 = pa.string(), pa.date32(), pa.int64()
    position = pa.struct([("title", s), ("company", s), ("company_domain", s), ("started_on", d),
                          ("ended_on", d)])
    post = pa.struct([("text", s), ("posted_on", d), ("topic", s), ("kind", s)])
    person = pa.schema([
        ("id", s), ("record_type", s), ("is_sample", pa.bool_()), ("first_name", s), ("last_name", s),
        ("full_name", s), ("headline", s), ("title", s), ("seniority", s), ("function", s),
        ("role_started_on", d), ("company_id", s), ("company_name", s), ("company_domain", s), ("city", s),
        ("region", s), ("country", s), ("timezone", s), ("language", s), ("linkedin_id", s),
        ("skills", pa.list_(s)), ("positions", pa.list_(position)), ("posts", pa.list_(post)),
        ("last_post_on", d),
    ])
    milestone = pa.struct([("kind", s), ("text", s), ("happened_on", d), ("amount_usd", i64), ("round", s)])
    hiring = pa.struct([("function", s), ("open_roles", i64), ("posted_on", d), ("title", s)])
    company = pa.schema([
        ("id", s), ("record_type", s), ("is_sample", pa.bool_()), ("name", s), ("domain", s), ("website", s),
        ("linkedin_id", s), ("industry", s), ("description", s), ("keywords", pa.list_(s)), ("size", i64),
        ("size_range", s), ("founded_year", i64), ("city", s), ("region", s), ("country", s),
        ("timezone", s), ("funding_stage", s), ("funding_total_usd", i64), ("last_funding_on", d),
        ("milestones", pa.list_(milestone)), ("hiring_for", pa.list_(s)), ("hiring", pa.list_(hiring)),
    ])
    return person, company


def record_columns(kind: str) -> list[str]:
    """The columns of a person or company file, in order."""
    person, company = _arrow_schemas()
    return list({"person": person, "company": company}[kind].names)


def _as_text_schema(schema: Any) -> Any:
    """The same schema with dates as strings: records hold ISO dates, Arrow casts them afterwards."""
    import pyarrow as pa

    def swap(t: Any) -> Any:
        if pa.types.is_date32(t):
            return pa.string()
        if pa.types.is_list(t):
            return pa.list_(swap(t.value_type))
        if pa.types.is_struct(t):
            return pa.struct([(f.name, swap(f.type)) for f in t])
        return t

    return pa.schema([(f.name, swap(f.type)) for f in schema])


def _format_of(path: Path, fmt: str | None) -> str:
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    fmt = {"json": "jsonl", "ndjson": "jsonl", "pq": "parquet"}.get(fmt, fmt)
    if fmt not in ("jsonl", "csv", "parquet"):
        raise ValidationError("format", "must be jsonl, csv or parquet", value=fmt)
    return fmt


def write_records(path: Path, records: Iterator[dict[str, Any]], kind: str, fmt: str | None = None,
                  *, batch: int = 20_000) -> int:
    """Write person or company records to `path` (JSONL, CSV or Parquet); returns how many."""
    if kind not in ("person", "company"):
        raise ValidationError("kind", "must be person or company", value=kind)
    fmt = _format_of(path, fmt)
    if fmt == "jsonl":
        return _write_jsonl(path, records)
    if fmt == "csv":
        return _write_csv(path, records, record_columns(kind))
    return _write_parquet(path, records, kind, batch)


def _write_jsonl(path: Path, records: Iterator[dict[str, Any]]) -> int:
    return _write_lines(path, map(json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode, records))


def _write_lines(path: Path, lines: Iterator[str]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as f:
        batch: list[str] = []
        for line in lines:
            batch.append(line)
            count += 1
            if len(batch) == 2000:  # one write per batch of lines: fewer calls into the file object
                batch.append("")
                f.write("\n".join(batch))
                batch = []
        if batch:
            batch.append("")
            f.write("\n".join(batch))
    return count


def person_json(p: dict[str, Any]) -> str:
    """A generated person as one compact JSON line, identical to `json.dumps(p, ensure_ascii=False,
    separators=(",", ":"))` (a test holds it to that) but twice as fast: the field order is known."""
    q = encode_basestring
    skills = ",".join(map(q, p["skills"]))
    positions = ",".join(
        f'{{"title":{q(x["title"])},"company":{q(x["company"])},"company_domain":{q(x["company_domain"])},'
        f'"started_on":"{x["started_on"]}","ended_on":{_nullable(x["ended_on"])}}}' for x in p["positions"])
    posts = ",".join(f'{{"text":{q(x["text"])},"posted_on":"{x["posted_on"]}","topic":{q(x["topic"])},'
                     f'"kind":"{x["kind"]}"}}' for x in p["posts"])
    return (f'{{"id":"{p["id"]}","record_type":"person","is_sample":true,"first_name":{q(p["first_name"])},'
            f'"last_name":{q(p["last_name"])},"full_name":{q(p["full_name"])},"headline":{q(p["headline"])},'
            f'"title":{q(p["title"])},"seniority":"{p["seniority"]}","function":"{p["function"]}",'
            f'"role_started_on":"{p["role_started_on"]}","company_id":"{p["company_id"]}",'
            f'"company_name":{q(p["company_name"])},"company_domain":{q(p["company_domain"])},'
            f'"city":{q(p["city"])},"region":{q(p["region"])},"country":"{p["country"]}",'
            f'"timezone":{q(p["timezone"])},"language":"{p["language"]}","linkedin_id":"{p["linkedin_id"]}",'
            f'"skills":[{skills}],"positions":[{positions}],"posts":[{posts}],'
            f'"last_post_on":{_nullable(p["last_post_on"])}}}')


def _nullable(value: str | None) -> str:
    return "null" if value is None else f'"{value}"'


def _write_csv(path: Path, records: Iterator[dict[str, Any]], columns: list[str]) -> int:
    import csv

    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    count = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns)
        for record in records:
            row = []
            for column in columns:
                value = record.get(column)
                row.append("" if value is None else "true" if value is True else "false" if value is False
                           else encode(value) if isinstance(value, list | dict) else value)
            writer.writerow(row)
            count += 1
    return count


def _write_parquet(path: Path, records: Iterator[dict[str, Any]], kind: str, batch: int) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _arrow_schemas()[0 if kind == "person" else 1]
    text_schema = _as_text_schema(schema)
    count = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        rows: list[dict[str, Any]] = []
        for record in records:
            rows.append(record)
            if len(rows) == batch:
                writer.write_table(pa.Table.from_pylist(rows, text_schema).cast(schema))
                count += len(rows)
                rows = []
        if rows or count == 0:
            writer.write_table(pa.Table.from_pylist(rows, text_schema).cast(schema))
            count += len(rows)
    return count


def read_records(path: Path, fmt: str | None = None) -> Iterator[dict[str, Any]]:
    """Records of a prospect-index file, in the same shape as written (dates as ISO strings)."""
    fmt = _format_of(path, fmt)
    if fmt == "jsonl":
        with path.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)
    elif fmt == "csv":
        yield from _read_csv(path)
    else:
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=10_000):
            for row in batch.to_pylist():
                yield _dates_to_text(row)


def _read_csv(path: Path) -> Iterator[dict[str, Any]]:
    import csv

    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            record: dict[str, Any] = {}
            for key, text in row.items():
                record[key] = None if text == "" else True if text == "true" else False if text == "false" \
                    else json.loads(text) if text[:1] in "[{" else int(text) if key in _INT_COLUMNS else text
            yield record


_INT_COLUMNS = frozenset({"size", "founded_year", "funding_total_usd"})


def _dates_to_text(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _dates_to_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_to_text(v) for v in value]
    return value


def write_sample(directory: Path, spec: SampleSpec, fmt: str = "jsonl",
                 timings: dict[str, float] | None = None) -> dict[str, Path]:
    """`companies.<ext>` and `people.<ext>` in `directory` (created if missing); returns their paths.
    `timings`, when given, receives the seconds spent on each stage (for the benchmark)."""
    fmt = _format_of(Path(f"x.{fmt}"), fmt)
    directory.mkdir(parents=True, exist_ok=True)
    generator = SampleGenerator(spec)
    companies, people = directory / f"companies.{fmt}", directory / f"people.{fmt}"
    clock = time.perf_counter()
    generator.core  # noqa: B018 - the company table every person draws from
    stages = {"company_table": time.perf_counter() - clock}
    clock = time.perf_counter()
    write_records(companies, generator.companies(), "company", fmt)
    stages["companies"] = time.perf_counter() - clock
    clock = time.perf_counter()
    if fmt == "jsonl":
        _write_lines(people, map(person_json, generator.people()))
    else:
        write_records(people, generator.people(), "person", fmt)
    stages["people"] = time.perf_counter() - clock
    if timings is not None:
        timings.update(stages)
    return {"companies": companies, "people": people}
