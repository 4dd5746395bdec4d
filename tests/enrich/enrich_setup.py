"""What the enrichment tests share: two local enrichment APIs, a mail world (DNS + MX on loopback) with the
domains the finder tests need, leads and source groups written the way import writes them, and a
provider plug-in that crashes once (for the restart tests)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select

from outboard.core.enrichment import PersonQuery, ProfileFacts, ProviderContext
from outboard.db.database import Database
from outboard.db.models import Company, Event, FieldProvenance, Lead, SourceGroup, SourceGroupMember, UsageEntry
from outboard.devservers.dns import DnsServer
from outboard.devservers.enrichment_api import EnrichmentApiServer
from outboard.devservers.mx import DomainBehaviour, MxServer, RcptAction
from outboard.enrich.config import EnrichConfig
from outboard.enrich.providers.http import HttpPolicy
from outboard.enrich.providers.http_profile import HttpProfileProvider
from outboard.enrich.verifier import VerifierConfig

KEY = "test-key"
FAST = HttpPolicy(timeout=2.0, max_attempts=3, backoff=0.02, max_backoff=0.1, max_retry_after=3.0, deadline=10.0)

MAIL_DOMAINS: dict[str, DomainBehaviour] = {
    "proven.test": DomainBehaviour.mailboxes("asmith", "bjones", "cdiaz", "carla.diaz"),
    "plain.test": DomainBehaviour.mailboxes("dbrown"),
    "acme2.test": DomainBehaviour.mailboxes("jane", "jane.doe"),
    "hidden.test": DomainBehaviour.mailboxes("efox.sales"),
    "catchall2.test": DomainBehaviour.accept_all(),
    "busy2.test": DomainBehaviour.acting(RcptAction.BUSY),
    "bücher.test": DomainBehaviour.mailboxes("anna.schmidt"),
    **{f"team{n}.test": DomainBehaviour.mailboxes("ann.lee", "bo.kim", "cy.ng", "di.wu", "ed.yu") for n in range(3)},
}


@dataclass
class MailWorld:
    dns: DnsServer
    mx: MxServer

    def verifier(self, **overrides: Any) -> VerifierConfig:
        base: dict[str, Any] = dict(
            dns_server="127.0.0.1", dns_port=self.dns.port, smtp_port=self.mx.port, helo_name="verifier.test",
            mail_from="check@verifier.test", allow_test_domains=True, dns_timeout=0.5, connect_timeout=0.5,
            command_timeout=0.5, address_timeout=4.0, retry_delays=(0.05, 0.05), per_host_rate=0.0)
        base.update(overrides)
        return VerifierConfig(**base)

    def candidate_rcpts(self, domain: str, probe_excluded: set[str]) -> list[str]:
        """RCPTs at a domain that named one of the given addresses (the catch-all probe's random local part
        is left out)."""
        return [r.rcpt for r in self.mx.rcpts_for(domain) if r.rcpt in probe_excluded]


def http_provider(name: str, server: EnrichmentApiServer, **kw: Any) -> HttpProfileProvider:
    return HttpProfileProvider(name, server.base_url, KEY, policy=kw.pop("policy", FAST), **kw)


def two_provider_config(alpha: EnrichmentApiServer, beta: EnrichmentApiServer, **changes: Any) -> EnrichConfig:
    """The waterfall alpha → beta, configured the way a user would (beta added by target)."""
    target = "outboard.enrich.providers.http_profile:HttpProfileProvider"
    fast = {"timeout": 2.0, "max_attempts": 3, "backoff": 0.02, "max_retry_after": 3.0}
    options = {"alpha": {"target": target, "url": alpha.base_url, "api_key": KEY, **fast},
               "beta": {"target": target, "url": beta.base_url, "api_key": KEY, **fast}}
    options.update(changes.pop("provider_options", {}))
    values: dict[str, Any] = dict(providers=("alpha", "beta"), finders=("pattern",), provider_options=options,
                                  batch_size=10)
    values.update(changes)
    return EnrichConfig(**values)


def unique_id() -> str:
    import uuid

    return uuid.uuid4().hex[:8]


def person(first: str, last: str, *, domain: str, company: str, title: str = "", linkedin: str | None = None,
           **extra: Any) -> dict[str, Any]:
    """A person in the enrichment API's format (docs/enrichment.md)."""
    data: dict[str, Any] = {
        "first_name": first, "last_name": last, "full_name": f"{first} {last}",
        "linkedin_username": linkedin or f"{first}-{last}-{domain.split('.')[0]}".lower(),
        "company": {"name": company, "domain": domain, "employee_count": 120, "industry": "saas"},
    }
    if title:
        data["job"] = {"title": title, "seniority": "vp", "function": "sales", "start_date": "2025-11-01"}
    data.update(extra)
    return data


def add_lead(db: Database, workspace_id: int, full_name: str, *, company: str | None = None,
             domain: str | None = None, group: str | None = None, **fields: Any) -> int:
    """A lead as import stores it (names split, company row shared by domain), optionally in a group."""
    with db.transaction() as session:
        company_id = None
        if company or domain:
            row = session.scalar(select(Company).where(Company.workspace_id == workspace_id,
                                                       Company.domain == domain)) if domain else None
            if row is None:
                row = Company(workspace_id=workspace_id, name=company or domain, domain=domain, facts={})
                session.add(row)
                session.flush()
            company_id = row.id
        first, _, last = full_name.partition(" ")
        if fields.get("email"):
            fields.setdefault("email_key", fields["email"].lower())
        lead = Lead(workspace_id=workspace_id, company_id=company_id, full_name=full_name,
                    first_name=fields.pop("first_name", first), last_name=fields.pop("last_name", last),
                    profile=fields.pop("profile", {}), **fields)
        session.add(lead)
        session.flush()
        if group:
            source = session.scalar(select(SourceGroup).where(SourceGroup.workspace_id == workspace_id,
                                                              SourceGroup.name == group))
            if source is None:
                source = SourceGroup(workspace_id=workspace_id, name=group, kind="manual")
                session.add(source)
                session.flush()
            session.execute(insert(SourceGroupMember).values(source_group_id=source.id, lead_id=lead.id, reason={},
                                                             added_at=session.info["clock"].now()))
        return lead.id


def lead_row(db: Database, lead_id: int) -> Lead:
    with db.sessions() as session:
        lead = session.get(Lead, lead_id)
        assert lead is not None
        return lead


def company_of(db: Database, lead_id: int) -> Company | None:
    with db.sessions() as session:
        lead = session.get(Lead, lead_id)
        return session.get(Company, lead.company_id) if lead and lead.company_id else None


def usage(db: Database, workspace_id: int) -> list[UsageEntry]:
    with db.sessions() as session:
        return list(session.scalars(select(UsageEntry).where(UsageEntry.workspace_id == workspace_id)
                                    .order_by(UsageEntry.id)))


def provenance(db: Database, lead_id: int) -> list[FieldProvenance]:
    with db.sessions() as session:
        return list(session.scalars(select(FieldProvenance).where(FieldProvenance.lead_id == lead_id)
                                    .order_by(FieldProvenance.id)))


def events(db: Database, lead_id: int, kind: str | None = None) -> list[Event]:
    with db.sessions() as session:
        query = select(Event).where(Event.lead_id == lead_id).order_by(Event.id)
        if kind:
            query = query.where(Event.kind == kind)
        return list(session.scalars(query))


def set_budget(db: Database, workspace_id: int, credits: int | None) -> None:
    from outboard.db.models import Workspace

    with db.transaction() as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None
        workspace.credit_budget = credits


class CrashingProvider:
    """A profile provider plug-in (the shipped HTTP one underneath) that raises once, on its Nth lookup in
    this process: a power cut in the middle of a job."""

    metered = True
    lookups = 0
    crashed = False

    def __init__(self, inner: HttpProfileProvider, crash_at: int):
        self.name, self.inner, self.crash_at = inner.name, inner, crash_at

    @classmethod
    def from_context(cls, context: ProviderContext) -> CrashingProvider:
        inner = HttpProfileProvider(context.name, context.options["url"], context.options["api_key"], policy=FAST)
        return cls(inner, int(context.options["crash_at"]))

    def lookup(self, query: PersonQuery) -> ProfileFacts | None:
        CrashingProvider.lookups += 1
        if CrashingProvider.lookups == self.crash_at and not CrashingProvider.crashed:
            CrashingProvider.crashed = True
            raise RuntimeError("power cut")
        return self.inner.lookup(query)

    def close(self) -> None:
        self.inner.close()
