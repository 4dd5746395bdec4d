"""The preview: the best N results of a search, with fit signals and a fast total, metered as a preview.

Results that are already leads of the workspace, or suppressed, are left out and counted. The total is
what the filters match in the index: exact when the SQL conditions are the whole check and there are at
most COUNT_CAP of them; "at_least" past the cap; an "estimate" when full-text filters or text exclusions
make SQL a superset (the SQL count times the share of the examined candidates that passed).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from outboard.core.errors import ValidationError
from outboard.db.database import Database
from outboard.db.usage import PRICES, charge, ensure_budget
from outboard.sources.icp.filters import SearchFilters
from outboard.sources.icp.lexicon import country_name
from outboard.sources.index.people_api import PeopleSearchProvider
from outboard.sources.index.screen import NEW, Excluded, screen
from outboard.sources.index.search import COUNT_CAP, build_plan, gather, rank_page
from outboard.sources.ranking import Embedder, HashedNgramEmbedder, Hit, rank

MAX_LIMIT = 100
MAX_PAGES = 4  # pages read to fill a preview when exclusions and dedup thin them out


@dataclass(frozen=True)
class PreviewHit:
    id: str  # the index record's id
    name: str
    title: str | None
    company: str | None
    company_domain: str | None
    location: str
    linkedin_url: str | None
    score: float
    signals: tuple[dict[str, Any], ...]
    is_sample: bool

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "title": self.title, "company": self.company,
                "company_domain": self.company_domain, "location": self.location, "linkedin_url": self.linkedin_url,
                "score": self.score, "signals": list(self.signals), "is_sample": self.is_sample}


@dataclass
class Preview:
    filters: SearchFilters
    total: int
    total_kind: str  # exact | at_least | estimate
    hits: list[PreviewHit] = field(default_factory=list)
    excluded: Excluded = field(default_factory=Excluded)
    examined: int = 0
    credits: int = 0
    source: str = "index"
    milliseconds: float = 0.0

    @property
    def total_text(self) -> str:
        return {"exact": f"{self.total:,}", "at_least": f"{self.total:,}+"}.get(self.total_kind,
                                                                                f"about {self.total:,}")

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "total_kind": self.total_kind, "total_text": self.total_text,
                "hits": [h.to_dict() for h in self.hits], "excluded": self.excluded.as_dict(),
                "examined": self.examined, "credits": self.credits, "source": self.source,
                "milliseconds": round(self.milliseconds, 1), "filters": self.filters.to_dict()}


def _hit(hit: Hit) -> PreviewHit:
    r = hit.record
    company = r.get("company") or {}
    place = ", ".join(x for x in (r.get("city"), country_name(str(r["country"])) if r.get("country") else None) if x)
    linkedin = r.get("linkedin_id")
    return PreviewHit(str(r.get("id")), str(r.get("full_name") or ""), r.get("title"),
                      r.get("company_name") or company.get("name"), r.get("company_domain") or company.get("domain"),
                      place, f"https://www.linkedin.com/in/{linkedin}" if linkedin else None, hit.score,
                      tuple({"kind": s.kind, "text": s.text, "fact_path": s.fact_path} for s in hit.signals),
                      bool(r.get("is_sample")))


def preview(db: Database, workspace_id: int, filters: SearchFilters, *, limit: int = 25, today: date | None = None,
            query: str | None = None, semantic: bool | Embedder = False, meter: bool = True,
            provider: PeopleSearchProvider | None = None) -> Preview:
    """The preview of `filters` (already validated: use `parse_description` or SearchFilters.from_dict)."""
    started = time.perf_counter()
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError("limit", f"must be between 1 and {MAX_LIMIT}", value=limit)
    if filters.is_empty():
        raise ValidationError("filters", "found nothing to search for; name roles, industries, locations, company "
                                         "sizes or topics")
    today = today or db.clock.now().date()
    embedder = semantic if not isinstance(semantic, bool) else HashedNgramEmbedder() if semantic else None
    if meter:
        with db.sessions() as session:
            ensure_budget(session, workspace_id, PRICES["preview"])
    if provider is not None:
        result = _from_api(db, workspace_id, filters, provider, limit=limit, today=today)
    else:
        result = _from_index(db, workspace_id, filters, limit=limit, today=today, query=query, embedder=embedder)
    if meter:
        with db.transaction() as session:
            charge(session, workspace_id, "preview", f"preview:{uuid.uuid4().hex}", known_new=True)
        result.credits = PRICES["preview"]
    result.milliseconds = (time.perf_counter() - started) * 1000
    return result


def _from_index(db: Database, workspace_id: int, filters: SearchFilters, *, limit: int, today: date,
                query: str | None, embedder: Embedder | None) -> Preview:
    plan = build_plan(db.engine.dialect.name, workspace_id, filters, today)
    size = max(4 * limit, 100)  # candidates ranked per page: the top N come from the best of them
    with db.sessions() as session:
        total, capped = gather(session, plan)
        result = Preview(filters, total, "at_least" if capped else "exact")
        offset, passed = 0, 0
        for _ in range(MAX_PAGES):
            page = rank_page(session, plan, filters, today=today, offset=offset, size=size, query=query,
                             embedder=embedder, keep=2 * limit + 10)  # fit signals only for what may be shown
            verdicts = screen(session, workspace_id, [h.record for h in page.ranking.hits])
            wanted = limit - len(result.hits)
            if sum(v.status == NEW for v in verdicts) < wanted and page.ranking.total > len(verdicts):
                # Most of the best were left out (already leads): the rest of the page is needed too.
                page = rank_page(session, plan, filters, today=today, offset=offset, size=size, query=query,
                                 embedder=embedder)
                verdicts = screen(session, workspace_id, [h.record for h in page.ranking.hits])
            result.examined += page.candidates
            passed += page.ranking.total
            hits = list(page.ranking.hits)
            for hit, verdict in zip(hits, verdicts, strict=True):
                if verdict.status == NEW:
                    if len(result.hits) < limit:
                        result.hits.append(_hit(hit))
                else:
                    result.excluded.add(verdict)
            offset += page.candidates
            if len(result.hits) >= limit or page.exhausted:
                break
    if not plan.exact:
        if not capped and offset >= total:  # every candidate was checked: the count is exact
            result.total, result.total_kind = passed, "exact"
        elif result.examined:
            estimate = round(total * passed / result.examined)
            result.total, result.total_kind = estimate, "at_least" if capped and passed == result.examined \
                else "estimate"
        result.total = max(result.total, len(result.hits))
    return result


def _from_api(db: Database, workspace_id: int, filters: SearchFilters, provider: PeopleSearchProvider, *,
              limit: int, today: date) -> Preview:
    page = provider.search(filters, limit=min(100, max(limit * 2, 25)))
    ranked = rank(page.records, filters, today=today, limit=len(page.records))
    total = page.total if page.total is not None else ranked.total
    result = Preview(filters, total, "exact" if page.total is not None or page.next_cursor is None else "at_least",
                     source=provider.name, examined=len(page.records))
    with db.sessions() as session:
        hits = list(ranked.hits)
        for hit, verdict in zip(hits, screen(session, workspace_id, [h.record for h in hits]), strict=True):
            if verdict.status == NEW:
                if len(result.hits) < limit:
                    result.hits.append(_hit(hit))
            else:
                result.excluded.add(verdict)
    return result


def estimate_note(result: Preview) -> str:
    """One line on how the total was counted (the CLI and the web page show it under the total)."""
    if result.total_kind == "exact":
        return "exact count"
    if result.total_kind == "at_least":
        return f"counted up to {COUNT_CAP:,}" if result.source == "index" else "more pages are available"
    return (f"estimated from the {result.examined:,} candidates checked (full-text conditions are checked "
            "exactly only for those)")
