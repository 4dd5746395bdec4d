"""The built-in email finder: candidate addresses from the name and the domain, ranked by the patterns the
workspace has proven at that domain, checked with the SMTP verifier one conversation per candidate
(enrich/finder.py). Works offline; registered like any other finder, first by default."""

from __future__ import annotations

from typing import Any

from outboard.core.enrichment import EmailQuery, FoundEmail, ProviderContext
from outboard.enrich.finder import candidates, find_email
from outboard.enrich.verifier import Verifier


class PatternFinder:
    metered = True  # a valid find is charged as "email found", whoever found it
    cacheable = False  # its answer is a live SMTP check, not a stored fact

    def __init__(self, verifier: Verifier, *, name: str = "pattern", max_candidates: int = 8):
        self.name, self.verifier, self.max_candidates = name, verifier, max_candidates

    @classmethod
    def from_context(cls, context: ProviderContext) -> PatternFinder | None:
        verifier = context.resources.get("verifier")
        if verifier is None:
            return None
        return cls(verifier, name=context.name, max_candidates=int(context.options.get("max_candidates", 8)))

    async def find(self, query: EmailQuery) -> FoundEmail | None:
        person = query.person
        if not candidates(person.first_name, person.last_name, query.domain, limit=1):
            return FoundEmail(self.name, None, detail="no Latin spelling of the name to build addresses from")
        result = await find_email(person.first_name, person.last_name, query.domain,
                                  proven=query.proven_patterns, verifier=self.verifier,
                                  max_candidates=self.max_candidates)
        evidence: dict[str, Any] | None = result.verification.to_dict() if result.verification else None
        return FoundEmail(self.name, result.address, verdict=result.verdict.value, pattern=result.pattern,
                          detail=result.detail, verification=evidence, tried=tuple(v.address for v in result.tried),
                          conversations=result.conversations)
