"""Storing one lead's waterfall result, in the caller's transaction: the new facts where db/profiles.py
reads them, one FieldProvenance per fact (and per conflict), one usage charge per fact from a metered
provider (ref `enrich:<lead>:<field>:<provider>`, so a rerun never charges twice), within the budget."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from outboard.db.models import Company, FieldProvenance, Lead, UsageEntry
from outboard.db.usage import PRICES, charge, remaining
from outboard.enrich.fields import COMPANY_COLUMNS, LEAD_COLUMNS, PROFILE_KEYS, as_text, current_facts, same
from outboard.enrich.waterfall import WaterfallResult

CHARGE_KIND = "field_enriched"


def source_of(provider: str) -> str:
    return f"provider:{provider}"


def charge_ref(lead_id: int, path: str, provider: str) -> str:
    return f"enrich:{lead_id}:{path}:{provider}"[:200]


@dataclass
class StoredProfile:
    applied: dict[str, str] = field(default_factory=dict)  # path → provider
    credits: int = 0
    conflicts: int = 0
    budget_short: bool = False  # facts left unapplied because the budget ran out (kept in the cache)
    company: Company | None = None


def store_profile(session: Session, lead: Lead, company: Company | None, result: WaterfallResult) -> StoredProfile:
    stored = StoredProfile(company=company)
    created = False
    if company is None and any(path.startswith("company.") for path in result.filled):
        stored.company, created = _company_for(session, lead, result)
    # A company made just now has nothing yet: its facts are applied (and recorded) like any others.
    current = current_facts(lead, None if created else stored.company)
    company = stored.company
    left = remaining(session, lead.workspace_id)
    charged = set(session.scalars(select(UsageEntry.ref).where(
        UsageEntry.workspace_id == lead.workspace_id, UsageEntry.ref.like(f"enrich:{lead.id}:%"))))
    price = PRICES[CHARGE_KIND]
    for path, (value, provider) in result.filled.items():
        if path in current:  # filled meanwhile (another run, or the company we linked to)
            if not same(path, current[path], value):
                stored.conflicts += record_conflict(session, lead, path, value, provider)
            continue
        if path.startswith("company.") and company is None:
            continue  # nothing to hang a company fact on (no name, no domain)
        ref = charge_ref(lead.id, path, provider)
        metered = provider in result.metered and ref not in charged
        if metered and left is not None and left < price:
            stored.budget_short = True
            continue
        if not _write(session, lead, company, path, value):
            stored.conflicts += record_conflict(session, lead, path, value, provider)
            continue
        record_provenance(session, lead, path, value, provider)
        stored.applied[path] = provider
        if metered and charge(session, lead.workspace_id, CHARGE_KIND, ref):
            stored.credits += price
            left = None if left is None else left - price
    for conflict in result.conflicts:
        stored.conflicts += record_conflict(session, lead, conflict.path, conflict.value, conflict.provider)
    return stored


def _company_for(session: Session, lead: Lead, result: WaterfallResult) -> tuple[Company | None, bool]:
    """For a lead without a company: the workspace's company with the provider's domain (or name), else a
    new one (True). A company needs a name: the domain stands in when only that is known."""
    name, name_source = result.filled.get("company.name", (None, ""))
    domain, domain_source = result.filled.get("company.domain", (None, ""))
    if not name and not domain:
        return None, False
    found = None
    if domain:
        found = session.scalar(select(Company).where(Company.workspace_id == lead.workspace_id,
                                                     Company.domain == domain))
    if found is None and name:
        found = session.scalars(select(Company).where(Company.workspace_id == lead.workspace_id,
                                                      func.lower(Company.name) == name.lower())
                                .order_by(Company.id)).first()
    created = found is None
    if found is None:
        found = Company(workspace_id=lead.workspace_id, name=name or domain, facts={}, is_sample=lead.is_sample)
        session.add(found)
        session.flush()
    else:  # the link itself is a fact from that provider
        record_provenance(session, lead, "company.name", found.name, name_source or domain_source)
    lead.company_id = found.id
    return found, created


def _write(session: Session, lead: Lead, company: Company | None, path: str, value: Any) -> bool:
    """Put the value where it lives; False when it cannot be stored (a domain another company has)."""
    if path in LEAD_COLUMNS:
        setattr(lead, path, value)
    elif path in PROFILE_KEYS:
        lead.profile = {**(lead.profile or {}), path: value}  # a new dict: JSON columns track assignment only
    else:
        assert company is not None
        if path in COMPANY_COLUMNS:
            column = COMPANY_COLUMNS[path][0]
            if column == "domain" and session.scalar(select(Company.id).where(
                    Company.workspace_id == company.workspace_id, Company.domain == value, Company.id != company.id)):
                return False
            setattr(company, column, value)
        else:
            company.facts = {**(company.facts or {}), path.removeprefix("company."): value}
    return True


def record_provenance(session: Session, lead: Lead, path: str, value: Any, provider: str) -> None:
    session.execute(update(FieldProvenance).where(FieldProvenance.lead_id == lead.id, FieldProvenance.field == path,
                                                  FieldProvenance.is_current.is_(True)).values(is_current=False))
    session.add(FieldProvenance(lead_id=lead.id, field=path, value=as_text(value), source=source_of(provider),
                                is_current=True, conflict=False))


def record_conflict(session: Session, lead: Lead, path: str, value: Any, provider: str) -> int:
    """Record a disagreeing value once (a rerun finds the same disagreement again). Returns 1 when new."""
    text, source = as_text(value), source_of(provider)
    exists = session.scalar(select(FieldProvenance.id).where(
        FieldProvenance.lead_id == lead.id, FieldProvenance.field == path, FieldProvenance.source == source,
        FieldProvenance.conflict.is_(True), FieldProvenance.value == text))
    if exists is not None:
        return 0
    session.add(FieldProvenance(lead_id=lead.id, field=path, value=text, source=source, is_current=False,
                                conflict=True))
    return 1
