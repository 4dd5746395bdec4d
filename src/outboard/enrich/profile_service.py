"""Profile enrichment of chosen leads: the waterfall for each, the result stored, the stage moved.

What happens to a lead (its status is kept in Lead.profile["enrichment"]["profile"], an event says why):
- **complete**: every wanted field is filled → Profile enriched.
- **partial**: every provider was asked, some wanted fields stay empty, but a provider knew the person or
  the lead has a headline, a title, posts or a work history of its own → Profile enriched (the missing
  fields are listed in the event; the run's readiness checks flag them). Holding such a lead back would
  only block its LinkedIn steps.
- **empty**: no provider knew the person and the lead has none of those facts (a name and a company are
  what discovery gave, not a profile) → stays Discovered.
- **retry**: a provider could not answer now, or the budget ran out mid-lead → stays where it is; the next
  run asks again (cached answers cost nothing).

Safe to run again: leads whose status is current are skipped, answers come from the cache, and charges
carry refs, so a restarted job neither calls providers again nor charges twice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from outboard.core.enrichment import PersonQuery, ProfileProvider
from outboard.core.stages import LeadStage
from outboard.db.models import Company, Lead
from outboard.db.timeline import reach_lead_stage, record
from outboard.db.usage import PRICES, BudgetSpent, remaining
from outboard.enrich.cache import DbAnswerCache, cache_keys
from outboard.enrich.config import EnrichConfig
from outboard.enrich.fields import current_facts
from outboard.enrich.profile_store import CHARGE_KIND, store_profile
from outboard.enrich.providers.registry import ProviderRegistry
from outboard.enrich.queries import checked_lead_ids, split_name, wanted_fields, workspace_play
from outboard.enrich.trace import Tracer
from outboard.enrich.waterfall import ProfileWaterfall, WaterfallResult
from outboard.runtime import Runtime

ProgressFn = Callable[[int, int | None, str | None], None]
CORE_FACTS = ("headline", "title", "posts", "positions")  # a profile, beyond what discovery gives
_DONE = ("complete", "partial", "empty")
_EVENTS = {"complete": "profile_enriched", "partial": "profile_enriched", "empty": "profile_not_found",
           "retry": "profile_enrichment_incomplete"}


@dataclass
class ProfileReport:
    play: str | None
    wanted: list[str]
    providers: list[str]  # the waterfall, in order
    providers_skipped: dict[str, str] = field(default_factory=dict)
    leads: int = 0
    complete: int = 0
    partial: int = 0
    empty: int = 0
    retry: int = 0
    current: int = 0  # skipped: already enriched for these fields
    stopped: int = 0  # skipped: opted out, blocked, bounced
    fields_filled: int = 0
    conflicts: int = 0
    credits: int = 0
    calls: int = 0  # live provider calls
    cache_hits: int = 0
    unavailable: dict[str, str] = field(default_factory=dict)  # provider → last problem

    @property
    def enriched(self) -> int:
        return self.complete + self.partial

    def as_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "enriched": self.enriched}


@dataclass
class _Item:
    lead_id: int
    query: PersonQuery
    current: dict[str, Any]
    keys: list[str]
    ask: bool  # False: nothing is missing, only the stage and status are written


def enrich_profiles(rt: Runtime, workspace_id: int, lead_ids: Iterable[int], *, play_id: str | None = None,
                    force: bool = False, providers: Sequence[ProfileProvider] | None = None,
                    config: EnrichConfig | None = None, registry: ProviderRegistry | None = None,
                    progress: ProgressFn | None = None) -> ProfileReport:
    """Enrich these leads' profiles for a play (its required fields) or for every field. `providers`
    replaces the configured waterfall (previews, tests); `force` asks again even when the status is current.
    Raises BudgetSpent (after storing what the budget covered) when the credit budget runs out."""
    config = config or EnrichConfig.from_settings(rt.settings)
    with rt.db.sessions() as session:
        ids = checked_lead_ids(session, workspace_id, lead_ids)
        play = workspace_play(session, workspace_id, play_id) if play_id else None
    skipped: dict[str, str] = {}
    built = providers is None
    if providers is None:
        chain = (registry or ProviderRegistry()).build("profile", config.providers, config=config,
                                                        workspace_id=workspace_id, settings=rt.settings, db=rt.db,
                                                        clock=rt.clock)
        providers, skipped = chain.providers, chain.skipped
    run = _Run(rt, workspace_id, play.id if play else None, wanted_fields(play), list(providers), config, force,
               progress)
    run.report.providers_skipped = skipped
    try:
        return run.run(ids)
    finally:
        for provider in providers if built else ():  # the caller's own providers stay open
            close = getattr(provider, "close", None)
            if callable(close):
                close()


def enrich_profile(rt: Runtime, workspace_id: int, lead_id: int, **options: Any) -> ProfileReport:
    """One lead (the lead page's "Enrich" button): the batch path with one id."""
    return enrich_profiles(rt, workspace_id, [lead_id], **options)


class _Run:
    def __init__(self, rt: Runtime, workspace_id: int, play: str | None, wanted: tuple[str, ...],
                 providers: list[ProfileProvider], config: EnrichConfig, force: bool, progress: ProgressFn | None):
        self.rt, self.workspace_id, self.play, self.wanted = rt, workspace_id, play, wanted
        self.config, self.force, self.progress = config, force, progress
        cache = DbAnswerCache(rt.db, timedelta(days=config.cache_days))
        self.waterfall = ProfileWaterfall(providers, cache, Tracer(config.trace))
        self.metered = any(getattr(p, "metered", True) for p in providers)
        self.report = ProfileReport(play=play, wanted=list(wanted), providers=[p.name for p in providers])

    def run(self, ids: list[int]) -> ProfileReport:
        total = len(ids)
        self._progress(0, total, f"enriching {total} profiles")
        for start in range(0, total, self.config.batch_size):
            batch = ids[start:start + self.config.batch_size]
            items = self._prepare(batch)
            asking = [i for i in items if i.ask]
            if asking and self.metered:
                self._check_budget()
            with ThreadPoolExecutor(max_workers=self.config.concurrency) as pool:
                results = list(pool.map(self._lookup, asking))
            answers = {item.lead_id: result for item, result in zip(asking, results, strict=True)}
            short = False
            for item in items:
                short |= self._store(item, answers.get(item.lead_id, WaterfallResult()))
            done = start + len(batch)
            r = self.report
            self._progress(done, total, f"{done} of {total}: {r.enriched} enriched, {r.empty} not found, "
                           f"{r.retry} to retry, {r.current} current")
            if short:
                self._budget_spent()
        return self.report

    def _progress(self, done: int, total: int, message: str) -> None:
        if self.progress is not None:
            self.progress(done, total, message)

    def _check_budget(self) -> None:
        with self.rt.db.sessions() as session:
            left = remaining(session, self.workspace_id)
        if left is not None and left < PRICES[CHARGE_KIND]:
            self._budget_spent()

    def _budget_spent(self) -> None:
        raise BudgetSpent(f"the workspace's credit budget is spent: {self.report.enriched} profiles were enriched "
                          "before it ran out; raise the budget (Settings → Usage) and run the enrichment again to "
                          "continue (nothing is asked or charged twice)")

    # -- reading -------------------------------------------------------------------------------------

    def _prepare(self, batch: list[int]) -> list[_Item]:
        items = []
        now = self.rt.clock.now()
        with self.rt.db.sessions() as session:
            leads = {lead.id: lead for lead in session.scalars(select(Lead).where(
                Lead.workspace_id == self.workspace_id, Lead.id.in_(batch)))}
            companies = _companies(session, leads.values())
            for lead_id in batch:
                lead = leads.get(lead_id)
                if lead is None:
                    continue  # deleted meanwhile
                self.report.leads += 1
                if lead.stop_reason is not None:
                    self.report.stopped += 1
                    continue
                company = companies.get(lead.company_id) if lead.company_id else None
                current = current_facts(lead, company)
                missing = [p for p in self.wanted if p not in current]
                if not missing and lead.stage != LeadStage.DISCOVERED.value:
                    self.report.current += 1
                    continue
                if missing and not self.force and self._exhausted(lead, missing, now):
                    self.report.current += 1
                    continue
                query = person_query(lead, company)
                items.append(_Item(lead.id, query, current, cache_keys(self.workspace_id, query), bool(missing)))
        return items

    def _exhausted(self, lead: Lead, missing: list[str], now: datetime) -> bool:
        """The last waterfall for this lead is recent and already found these fields missing."""
        status = ((lead.profile or {}).get("enrichment") or {}).get("profile") or {}
        if status.get("outcome") not in _DONE or not status.get("at"):
            return False
        if datetime.fromisoformat(status["at"]) < now - timedelta(days=self.config.refresh_days):
            return False
        return set(missing) <= set(status.get("missing") or ())

    def _lookup(self, item: _Item) -> WaterfallResult:
        return self.waterfall.run(item.query, item.current, self.wanted, item.keys)

    # -- writing -------------------------------------------------------------------------------------

    def _store(self, item: _Item, result: WaterfallResult) -> bool:
        """One lead in one transaction; True when the budget stopped some of its facts."""
        report = self.report
        report.calls += result.calls
        report.cache_hits += result.cache_hits
        report.unavailable.update(result.unavailable)
        with self.rt.db.transaction() as session:
            lead = session.scalars(select(Lead).where(Lead.id == item.lead_id).with_for_update()).one_or_none()
            if lead is None:
                return False
            company = session.get(Company, lead.company_id) if lead.company_id else None
            stored = store_profile(session, lead, company, result)
            facts = current_facts(lead, stored.company)
            missing = [p for p in self.wanted if p not in facts]
            outcome = _outcome(missing, result, stored.budget_short, facts)
            now = self.rt.clock.now()
            status = {"at": now.isoformat(), "outcome": outcome, "play": self.play, "wanted": list(self.wanted),
                      "missing": missing, "asked": result.asked, "answered": result.answered}
            enrichment = dict((lead.profile or {}).get("enrichment") or {})
            lead.profile = {**(lead.profile or {}), "enrichment": {**enrichment, "profile": status}}
            why = _why(outcome, result, missing)
            record(session, self.workspace_id, _EVENTS[outcome], lead_id=lead.id, outcome=outcome,
                   fields=stored.applied, missing=missing, providers=result.asked, credits=stored.credits,
                   conflicts=stored.conflicts, unavailable=result.unavailable, why=why,
                   sample=sorted(result.sample) or None)
            if outcome in ("complete", "partial") and lead.stop_reason is None:
                reach_lead_stage(session, lead, LeadStage.PROFILE_ENRICHED, by="enrichment", outcome=outcome)
        setattr(report, outcome, getattr(report, outcome) + 1)
        report.fields_filled += len(stored.applied)
        report.conflicts += stored.conflicts
        report.credits += stored.credits
        return stored.budget_short


def _outcome(missing: list[str], result: WaterfallResult, budget_short: bool, facts: dict[str, Any]) -> str:
    if not missing:
        return "complete"
    if result.unavailable or budget_short:
        return "retry"
    return "partial" if result.answered or any(path in facts for path in CORE_FACTS) else "empty"


def _why(outcome: str, result: WaterfallResult, missing: list[str]) -> str:
    if outcome == "complete":
        return "every wanted field is filled" if result.asked else "the lead already had every wanted field"
    if outcome == "retry":
        problems = "; ".join(f"{name}: {text}" for name, text in result.unavailable.items())
        return f"asked again on the next run ({problems or 'the credit budget ran out'})"
    asked = ", ".join(result.asked) or "no provider is configured"
    if outcome == "empty":
        return f"no provider knew this person ({asked}); the lead stays Discovered"
    return f"every provider was asked ({asked}); still missing: {', '.join(missing)}"


def _companies(session: Session, leads: Iterable[Lead]) -> dict[int, Company]:
    ids = {lead.company_id for lead in leads if lead.company_id}
    if not ids:
        return {}
    return {c.id: c for c in session.scalars(select(Company).where(Company.id.in_(ids)))}


def person_query(lead: Lead, company: Company | None) -> PersonQuery:
    first, last = split_name(lead.first_name, lead.last_name, lead.full_name)
    return PersonQuery(workspace_id=lead.workspace_id, full_name=lead.full_name or f"{first} {last}".strip(),
                       first_name=first, last_name=last, company_name=company.name if company else None,
                       company_domain=company.domain if company else None, linkedin_id=lead.linkedin_id,
                       email=lead.email)
