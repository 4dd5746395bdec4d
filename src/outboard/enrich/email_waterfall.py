"""The email finder waterfall for one person: finders in order (the built-in pattern finder first by
default, then HTTP finder APIs), every answer checked by the SMTP verifier unless the finder checked it
itself, stopping at the first valid address.

- valid: found, stop.
- catch_all: nothing at that domain can be proven; the address is kept as the best guess. An address an
  API has seen somewhere beats a guess by pattern, so the next finders are asked until one gives one.
- unknown: the mail server cannot be asked now: stop, the lead is retried later (other finders' answers
  could not be checked either).
- invalid / nothing: the next finder.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from outboard.core.enrichment import EmailFinder, EmailQuery, FoundEmail, ProviderUnavailable
from outboard.core.verdicts import EmailVerdict
from outboard.enrich.cache import AnswerCache
from outboard.enrich.trace import Tracer
from outboard.enrich.verifier import Verifier

NO_LATIN = "no Latin spelling"


@dataclass
class EmailOutcome:
    """What happened for one lead. `kind`: verified (its own address was checked), found, catch_all,
    unknown, not_found, no_domain, no_name."""

    kind: str
    verdict: str | None = None
    address: str | None = None
    source: str | None = None  # the finder that gave the address, or "verifier"
    metered: bool = False
    pattern: str | None = None
    confidence: float | None = None
    detail: str = ""
    verification: dict[str, Any] | None = None
    tried: list[str] = field(default_factory=list)
    conversations: int = 0
    calls: int = 0
    cache_hits: int = 0
    unavailable: dict[str, str] = field(default_factory=dict)


class EmailWaterfall:
    """One per batch (one event loop, one verifier); remembers finders that refused our key."""

    def __init__(self, finders: Sequence[EmailFinder], verifier: Verifier, cache: AnswerCache | None,
                 tracer: Tracer):
        self.finders, self.verifier, self.cache, self.tracer = list(finders), verifier, cache, tracer
        self.disabled: dict[str, str] = {}

    async def verify_existing(self, address: str) -> EmailOutcome:
        result = await self.verifier.verify(address)
        return EmailOutcome("verified", result.verdict.value, result.normalized or address, "verifier",
                            detail=result.detail, verification=result.to_dict(), tried=[address],
                            conversations=result.attempts)

    async def find(self, query: EmailQuery, cache_keys: list[str]) -> EmailOutcome:
        outcome = EmailOutcome("not_found")
        best: tuple[FoundEmail, str, dict[str, Any] | None] | None = None
        details: list[str] = []
        for finder in self.finders:
            if finder.name in self.disabled:
                outcome.unavailable[finder.name] = self.disabled[finder.name]
                continue
            try:
                answer = await self._ask(finder, query, cache_keys, outcome)
            except ProviderUnavailable as exc:
                outcome.unavailable[finder.name] = str(exc)
                if exc.permanent:
                    self.disabled[finder.name] = str(exc)
                continue
            if answer is None or answer.address is None:
                if answer is not None and answer.detail:
                    details.append(answer.detail)
                continue
            verdict, evidence = answer.verdict, answer.verification
            outcome.tried.extend(answer.tried or (answer.address,))
            outcome.conversations += answer.conversations
            if verdict is None:  # an API's candidate: believe the mail server, not the API
                checked = await self.verifier.verify(answer.address)
                verdict, evidence = checked.verdict.value, checked.to_dict()
                outcome.conversations += checked.attempts
            metered = bool(getattr(finder, "metered", True))
            if verdict == EmailVerdict.VALID:
                return _settle(outcome, "found", answer, verdict, evidence, metered)
            if verdict == EmailVerdict.UNKNOWN:
                return _settle(outcome, "unknown", answer, verdict, evidence, False)
            if verdict == EmailVerdict.CATCH_ALL:
                if best is None or (best[0].confidence is None and answer.confidence is not None):
                    best = (answer, verdict, evidence)
                if best[0].confidence is not None:
                    break  # an address seen somewhere: nothing better is coming
                continue
            details.append(answer.detail or f"{answer.address} does not exist")
        if best is not None:
            return _settle(outcome, "catch_all", best[0], best[1], best[2], False)
        if outcome.unavailable:
            outcome.kind, outcome.detail = "unknown", "; ".join(f"{k}: {v}" for k, v in outcome.unavailable.items())
            return outcome
        outcome.kind = "no_name" if details and all(NO_LATIN in d for d in details) else "not_found"
        outcome.detail = "; ".join(details) or "no finder has an address for this person"
        return outcome

    async def _ask(self, finder: EmailFinder, query: EmailQuery, keys: list[str],
                   outcome: EmailOutcome) -> FoundEmail | None:
        started = time.monotonic()
        key = keys[0] if keys else None
        cacheable = getattr(finder, "cacheable", True) and self.cache is not None and keys
        if cacheable:
            stored = self.cache.get(finder.name, keys)  # type: ignore[union-attr]
            if stored is not None:
                outcome.cache_hits += 1
                self.tracer.call("finder", finder.name, key, "cache", time.monotonic() - started,
                                 found=stored.get("found"))
                if not stored.get("found"):
                    return None
                return FoundEmail(finder.name, stored["address"], confidence=stored.get("confidence"),
                                  pattern=stored.get("pattern"), detail=stored.get("detail", ""))
        outcome.calls += 1
        try:
            answer = await finder.find(query)
        except ProviderUnavailable as exc:
            self.tracer.call("finder", finder.name, key, "unavailable", time.monotonic() - started, error=str(exc))
            raise
        self.tracer.call("finder", finder.name, key, "found" if answer and answer.address else "not_found",
                         time.monotonic() - started, verdict=answer.verdict if answer else None,
                         conversations=answer.conversations if answer else None)
        if cacheable:
            found = answer is not None and answer.address is not None
            self.cache.put(finder.name, keys, {  # type: ignore[union-attr]
                "found": found, "address": answer.address if answer else None,
                "confidence": answer.confidence if answer else None, "pattern": answer.pattern if answer else None,
                "detail": answer.detail if answer else ""})
        return answer


def _settle(outcome: EmailOutcome, kind: str, answer: FoundEmail, verdict: str, evidence: dict[str, Any] | None,
            metered: bool) -> EmailOutcome:
    outcome.kind, outcome.verdict, outcome.source, outcome.metered = kind, verdict, answer.source, metered
    normalized = (evidence or {}).get("normalized")
    outcome.address = normalized or answer.address
    outcome.pattern, outcome.confidence, outcome.verification = answer.pattern, answer.confidence, evidence
    outcome.detail = answer.detail or (evidence or {}).get("detail", "")
    return outcome
