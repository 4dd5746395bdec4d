"""The profile waterfall: ask providers in order until the wanted fields are filled, merging field by field.

- The first provider to give a field wins; later ones only fill gaps.
- A later value that disagrees with what is known (the lead's own data or an earlier provider) is kept
  as a conflict, never applied.
- Answers come from the cache when it has them (no call); new answers, "not known" included, go into it.
- A provider that cannot answer now is noted (the lead is retried later); one that refuses our key is
  not asked again in this run.

No database writes here: the caller stores what `run` returns (profile_store.py).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from outboard.core.enrichment import PersonQuery, ProfileFacts, ProfileProvider, ProviderUnavailable
from outboard.enrich.cache import AnswerCache
from outboard.enrich.fields import clean_facts, same
from outboard.enrich.trace import Tracer


@dataclass(frozen=True)
class Conflict:
    path: str
    value: Any
    provider: str


@dataclass
class WaterfallResult:
    filled: dict[str, tuple[Any, str]] = field(default_factory=dict)  # path → (value, provider): new facts
    conflicts: list[Conflict] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)  # providers consulted, live or from the cache
    answered: list[str] = field(default_factory=list)  # of those, the ones that knew the person
    calls: int = 0  # live provider calls
    cache_hits: int = 0
    unavailable: dict[str, str] = field(default_factory=dict)  # provider → why it could not answer
    missing: list[str] = field(default_factory=list)  # wanted fields still empty
    metered: set[str] = field(default_factory=set)  # providers whose fields are charged
    sample: set[str] = field(default_factory=set)  # providers that answered with sample data


class ProfileWaterfall:
    """One per batch: remembers providers that refused our key, so they are not asked for every lead."""

    def __init__(self, providers: Sequence[ProfileProvider], cache: AnswerCache | None = None,
                 tracer: Tracer | None = None):
        self.providers = list(providers)
        self.cache = cache
        self.tracer = tracer or Tracer(False)
        self.disabled: dict[str, str] = {}

    def run(self, query: PersonQuery, current: dict[str, Any], wanted: Sequence[str],
            cache_keys: Sequence[str] = ()) -> WaterfallResult:
        result = WaterfallResult()
        known = dict(current)
        for provider in self.providers:
            if all(path in known for path in wanted):
                break  # the stop rule: everything the run needs is there
            if provider.name in self.disabled:
                result.unavailable[provider.name] = self.disabled[provider.name]
                continue
            try:
                answer = self._answer(provider, query, list(cache_keys), result)
            except ProviderUnavailable as exc:
                result.unavailable[provider.name] = str(exc)
                if exc.permanent:
                    self.disabled[provider.name] = str(exc)
                continue
            result.asked.append(provider.name)
            if answer is None:
                continue
            facts, is_sample = answer
            result.answered.append(provider.name)
            if getattr(provider, "metered", True):
                result.metered.add(provider.name)
            if is_sample:
                result.sample.add(provider.name)
            for path, value in facts.items():
                if path not in known:
                    known[path] = value
                    result.filled[path] = (value, provider.name)
                elif not same(path, known[path], value):
                    result.conflicts.append(Conflict(path, value, provider.name))
        result.missing = [path for path in wanted if path not in known]
        return result

    def _answer(self, provider: ProfileProvider, query: PersonQuery, keys: list[str],
                result: WaterfallResult) -> tuple[dict[str, Any], bool] | None:
        started = time.monotonic()
        key = keys[0] if keys else None  # for the trace
        if keys and self.cache is not None:
            stored = self.cache.get(provider.name, keys)
            if stored is not None:
                result.cache_hits += 1
                self.tracer.call("profile", provider.name, key, "cache", time.monotonic() - started,
                                 found=stored.get("found"))
                return (stored.get("facts") or {}, bool(stored.get("is_sample"))) if stored.get("found") else None
        result.calls += 1
        try:
            facts: ProfileFacts | None = provider.lookup(query)
        except ProviderUnavailable as exc:
            self.tracer.call("profile", provider.name, key, "unavailable", time.monotonic() - started,
                             error=str(exc), permanent=exc.permanent or None)
            raise
        cleaned = clean_facts(facts.flat()) if facts is not None else {}
        found = facts is not None and bool(cleaned)
        self.tracer.call("profile", provider.name, key, "found" if found else "not_found",
                         time.monotonic() - started, fields=len(cleaned) or None)
        if keys and self.cache is not None:
            self.cache.put(provider.name, keys, {"found": found, "facts": cleaned,
                                                "is_sample": bool(facts and facts.is_sample)})
        return (cleaned, bool(facts and facts.is_sample)) if found else None
