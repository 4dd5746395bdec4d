"""Email enrichment of chosen leads: a lead with an address has it verified; a lead with a company domain
and a name has one searched (enrich/email_waterfall.py); every outcome is stored (enrich/email_store.py).

Per batch: one event loop and one SMTP verifier for every lead (the per-host limits hold across leads);
leads of one domain are searched one after another, so an address found for the first proves the
pattern for the next; domains run side by side.

Safe to run again: a lead whose outcome is current (same address, name and domain; checked within
`email_recheck_days`, or within `unknown_retry_minutes` for unknown) is skipped, and a find is charged
once (ledger ref).
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from outboard.core.enrichment import EmailQuery, PersonQuery, fold
from outboard.db.models import Company, Lead
from outboard.db.usage import PRICES, BudgetSpent, remaining
from outboard.enrich.cache import DbAnswerCache, cache_keys
from outboard.enrich.config import EnrichConfig, verifier_config
from outboard.enrich.email_store import CHARGE_KIND, store_email
from outboard.enrich.email_waterfall import EmailOutcome, EmailWaterfall
from outboard.enrich.finder import rank_patterns
from outboard.enrich.profile_service import person_query
from outboard.enrich.providers.registry import ProviderRegistry
from outboard.enrich.queries import checked_lead_ids, verified_at_domain
from outboard.enrich.trace import Tracer
from outboard.enrich.verifier import Verifier, VerifierConfig
from outboard.enrich.verifier.flags import is_disposable, is_free_provider
from outboard.runtime import Runtime

ProgressFn = Callable[[int, int | None, str | None], None]


@dataclass
class EmailReport:
    finders: list[str] = field(default_factory=list)
    finders_skipped: dict[str, str] = field(default_factory=dict)
    leads: int = 0
    verified: int = 0  # leads whose own address was checked
    found: int = 0  # valid addresses found
    catch_all: int = 0
    unknown: int = 0  # retried on a later run
    not_found: int = 0
    no_domain: int = 0
    no_name: int = 0
    current: int = 0
    stopped: int = 0
    valid: int = 0  # leads now holding a valid address (verified or found)
    linkedin_only: int = 0
    credits: int = 0
    conversations: int = 0  # SMTP conversations (MAIL FROM … RCPT TO transactions)
    finder_calls: int = 0
    cache_hits: int = 0
    unavailable: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class _Target:
    lead_id: int
    query: PersonQuery
    email: str | None = None  # verify this one
    domain: str | None = None  # or search at this domain
    keys: list[str] = field(default_factory=list)


def enrich_emails(rt: Runtime, workspace_id: int, lead_ids: Iterable[int], *, force: bool = False,
                  config: EnrichConfig | None = None, verifier: VerifierConfig | None = None,
                  registry: ProviderRegistry | None = None, progress: ProgressFn | None = None) -> EmailReport:
    """Verify or find these leads' work addresses. `verifier` replaces the verifier settings taken from the
    central configuration; `force` checks again even when the outcome is current. Raises BudgetSpent (after
    storing what the budget covered) when the credit budget does not cover another find. Sync (it runs its
    own event loop per batch): call it from a job or a thread, never from inside a running event loop."""
    config = config or EnrichConfig.from_settings(rt.settings)
    with rt.db.sessions() as session:
        ids = checked_lead_ids(session, workspace_id, lead_ids)
    run = _Run(rt, workspace_id, config, verifier or verifier_config(rt.settings, config),
               registry or ProviderRegistry(), force, progress)
    return run.run(ids)


def enrich_email(rt: Runtime, workspace_id: int, lead_id: int, **options: Any) -> EmailReport:
    """One lead: the batch path with one id."""
    return enrich_emails(rt, workspace_id, [lead_id], **options)


def fingerprint_of(email: str | None, query: PersonQuery, domain: str | None) -> str:
    """What the outcome depends on; when any of it changes, the lead is checked again."""
    text = f"{(email or '').lower()}|{fold(query.first_name)}|{fold(query.last_name)}|{domain or ''}"
    return hashlib.sha1(text.encode()).hexdigest()[:16]


class _Run:
    def __init__(self, rt: Runtime, workspace_id: int, config: EnrichConfig, verifier: VerifierConfig,
                 registry: ProviderRegistry, force: bool, progress: ProgressFn | None):
        self.rt, self.workspace_id, self.config, self.verifier_config = rt, workspace_id, config, verifier
        self.registry, self.force, self.progress = registry, force, progress
        self.cache = DbAnswerCache(rt.db, timedelta(days=config.cache_days))
        self.tracer = Tracer(config.trace)
        self.report = EmailReport()

    def run(self, ids: list[int]) -> EmailReport:
        total = len(ids)
        self._progress(0, total, f"checking emails of {total} leads")
        for start in range(0, total, self.config.batch_size):
            batch = ids[start:start + self.config.batch_size]
            targets, short = self._prepare(batch)
            outcomes = asyncio.run(self._check(targets)) if targets else {}
            for target in targets:
                self._store(target, outcomes[target.lead_id])
            done = start + len(batch)
            r = self.report
            self._progress(done, total, f"{done} of {total}: {r.valid} valid, {r.catch_all} catch-all, "
                           f"{r.unknown} unknown, {r.not_found + r.no_domain + r.no_name} not found")
            if short:
                raise BudgetSpent(f"the workspace's credit budget does not cover another email find "
                                  f"({PRICES[CHARGE_KIND]} credits): {r.found} addresses were found before it ran "
                                  "out; raise the budget (Settings → Usage) and run again to continue")
        return self.report

    def _progress(self, done: int, total: int, message: str) -> None:
        if self.progress is not None:
            self.progress(done, total, message)

    # -- reading -------------------------------------------------------------------------------------

    def _prepare(self, batch: list[int]) -> tuple[list[_Target], bool]:
        """The leads to check, and whether the budget left some out (a search is reserved before it runs)."""
        now = self.rt.clock.now()
        targets: list[_Target] = []
        short = False
        with self.rt.db.sessions() as session:
            left = remaining(session, self.workspace_id)
            leads = {lead.id: lead for lead in session.scalars(select(Lead).where(
                Lead.workspace_id == self.workspace_id, Lead.id.in_(batch)))}
            company_ids = {lead.company_id for lead in leads.values() if lead.company_id}
            companies = {c.id: c for c in session.scalars(select(Company).where(Company.id.in_(company_ids)))} \
                if company_ids else {}
            for lead_id in batch:
                lead = leads.get(lead_id)
                if lead is None:
                    continue
                self.report.leads += 1
                if lead.stop_reason is not None:
                    self.report.stopped += 1
                    continue
                company = companies.get(lead.company_id) if lead.company_id else None
                query = person_query(lead, company)
                domain = ((company.domain or "").strip().lower() or None) if company is not None else None
                fingerprint = fingerprint_of(lead.email, query, domain)
                if not self.force and self._current(lead, fingerprint, now):
                    self.report.current += 1
                    continue
                target = _Target(lead.id, query, email=lead.email or None, domain=domain)
                if target.email is None and domain:
                    if left is not None and left < PRICES[CHARGE_KIND]:
                        short = True  # not searched now: the next run, with a bigger budget, does it
                        continue
                    left = None if left is None else left - PRICES[CHARGE_KIND]
                    target.keys = cache_keys(self.workspace_id, query, extra=domain)
                targets.append(target)
        return targets, short

    def _current(self, lead: Lead, fingerprint: str, now: datetime) -> bool:
        status = ((lead.profile or {}).get("enrichment") or {}).get("email") or {}
        if status.get("fingerprint") != fingerprint or not status.get("at"):
            return False
        age = now - datetime.fromisoformat(status["at"])
        if status.get("outcome") == "unknown":
            return age < timedelta(minutes=self.config.unknown_retry_minutes)
        return age < timedelta(days=self.config.email_recheck_days)

    def _proven(self, domains: set[str]) -> dict[str, list[tuple[str, str, str]]]:
        """(address, first, last) of the addresses verified valid at each domain, read once per batch."""
        with self.rt.db.sessions() as session:
            return {domain: verified_at_domain(session, self.workspace_id, domain) for domain in domains}

    # -- checking (async) ----------------------------------------------------------------------------

    async def _check(self, targets: list[_Target]) -> dict[int, EmailOutcome]:
        known = self._proven({t.domain for t in targets if t.email is None and t.domain})
        groups: dict[str, list[_Target]] = defaultdict(list)
        for target in targets:
            groups[(target.email or "").rpartition("@")[2].lower() or target.domain or f"lead:{target.lead_id}"]\
                .append(target)
        outcomes: dict[int, EmailOutcome] = {}
        async with Verifier(self.verifier_config) as verifier:
            chain = self.registry.build("finder", self.config.finders, config=self.config,
                                        workspace_id=self.workspace_id, settings=self.rt.settings, db=self.rt.db,
                                        clock=self.rt.clock, resources={"verifier": verifier})
            self.report.finders, self.report.finders_skipped = chain.names, chain.skipped
            waterfall = EmailWaterfall(chain.providers, verifier, self.cache, self.tracer)
            try:
                await asyncio.gather(*(self._group(waterfall, group, known, outcomes) for group in groups.values()))
            finally:
                for finder in chain.providers:
                    close = getattr(finder, "aclose", None)
                    if close is not None:
                        await close()
            self.report.conversations += verifier.conversations
        return outcomes

    async def _group(self, waterfall: EmailWaterfall, group: list[_Target],
                     known: dict[str, list[tuple[str, str, str]]], outcomes: dict[int, EmailOutcome]) -> None:
        for target in group:  # one after another: each find teaches the next lead the domain's pattern
            if target.email is not None:
                outcomes[target.lead_id] = await waterfall.verify_existing(target.email)
                continue
            if target.domain is None:
                outcomes[target.lead_id] = EmailOutcome("no_domain", detail="the lead's company has no domain")
                continue
            if is_free_provider(target.domain) or is_disposable(target.domain):
                # Guessing name@gmail.com finds someone's private mailbox, not this person's work address.
                outcomes[target.lead_id] = EmailOutcome("no_domain", detail=f"{target.domain} is a public mail "
                                                        "provider, not a company domain")
                continue
            person = target.query
            if not (person.first_name or person.last_name):
                outcomes[target.lead_id] = EmailOutcome("no_name", detail="the lead has no name to build addresses "
                                                                           "from")
                continue
            triples = known.setdefault(target.domain, [])
            query = EmailQuery(person, target.domain, tuple(rank_patterns(triples)))
            outcome = await waterfall.find(query, target.keys)
            if outcome.kind == "found" and outcome.address:
                triples.append((outcome.address, person.first_name, person.last_name))
            outcomes[target.lead_id] = outcome

    # -- writing -------------------------------------------------------------------------------------

    def _store(self, target: _Target, outcome: EmailOutcome) -> None:
        report = self.report
        report.finder_calls += outcome.calls
        report.cache_hits += outcome.cache_hits
        report.unavailable.update(outcome.unavailable)
        with self.rt.db.transaction() as session:
            lead = session.scalars(select(Lead).where(Lead.id == target.lead_id).with_for_update()).one_or_none()
            if lead is None:
                return
            stored = store_email(session, lead, outcome,
                                 lambda address: fingerprint_of(address, target.query, target.domain))
            valid = lead.email_verdict == "valid" and not stored.linkedin_only
        setattr(report, stored.kind, getattr(report, stored.kind) + 1)
        report.valid += valid
        report.linkedin_only += stored.linkedin_only
        report.credits += stored.credits
