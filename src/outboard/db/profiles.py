"""A lead's stored facts as core.profile.LeadProfile, the one shape the writers, the hook miner and the
fact check read. The JSON layout written by import and enrichment is defined here and nowhere else:

    Lead.profile   = {"posts": [{"text", "posted_on", "url", "kind"}],
                      "positions": [{"title", "company", "started_on", "ended_on"}],
                      "skills": [...], "education": [...], "role_started_on": "YYYY-MM-DD",
                      "language": "de", "custom": {"column": "value"}}
    Company.facts  = {"milestones": [{"kind", "text", "happened_on", "amount_usd", "round"}],
                      "hiring_for": [...], "funding_stage": "series_a", "city": ..., "country": ...}
    SourceGroupMember.reason = {"kind", "text", "observed_on", "fact_path"}   (a clue's signal)
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from outboard.core.profile import CompanyFacts, LeadProfile, Milestone, Position, Post, Signal
from outboard.db.models import Company, Lead, SourceGroupMember


def _date(value: Any) -> date | None:
    if not value:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def company_facts(company: Company) -> CompanyFacts:
    facts = company.facts or {}
    milestones = tuple(Milestone(kind=m.get("kind", "milestone"), text=m.get("text", ""),
                                 happened_on=_date(m.get("happened_on")), amount_usd=m.get("amount_usd"),
                                 round=m.get("round")) for m in facts.get("milestones", []))
    return CompanyFacts(name=company.name, domain=company.domain, size=company.size, industry=company.industry,
                        city=facts.get("city"), country=facts.get("country"),
                        funding_stage=facts.get("funding_stage"), milestones=milestones,
                        hiring_for=tuple(facts.get("hiring_for", [])))


def build_profile(lead: Lead, company: Company | None, signals: list[dict[str, Any]] = ()) -> LeadProfile:  # type: ignore[assignment]
    data = lead.profile or {}
    posts = tuple(Post(text=p.get("text", ""), posted_on=_date(p.get("posted_on")), url=p.get("url"),
                       kind=p.get("kind", "post")) for p in data.get("posts", []) if p.get("text"))
    positions = tuple(Position(title=p.get("title", ""), company=p.get("company", ""),
                               started_on=_date(p.get("started_on")), ended_on=_date(p.get("ended_on")))
                      for p in data.get("positions", []))
    return LeadProfile(
        full_name=lead.full_name, first_name=lead.first_name, last_name=lead.last_name, headline=lead.headline,
        title=lead.title, seniority=lead.seniority, function=lead.function,
        role_started_on=_date(data.get("role_started_on")),
        company=company_facts(company) if company else None,
        city=lead.city, region=lead.region, country=lead.country, timezone=lead.timezone,
        posts=posts, positions=positions, skills=tuple(data.get("skills", [])),
        education=tuple(data.get("education", [])), email=lead.email, email_verdict=lead.email_verdict,
        linkedin_id=lead.linkedin_id, language=data.get("language"),
        custom={str(k): str(v) for k, v in (data.get("custom") or {}).items()},
        signals=tuple(Signal(kind=s.get("kind", "signal"), text=s.get("text", ""),
                             observed_on=_date(s.get("observed_on")), fact_path=s.get("fact_path"))
                      for s in signals if s.get("text")),
        is_sample=lead.is_sample,
    )


def lead_profile(session: Session, lead: Lead) -> LeadProfile:
    """The profile with the company and every clue signal that brought the lead in."""
    company = session.get(Company, lead.company_id) if lead.company_id else None
    signals = [reason for reason in session.scalars(select(SourceGroupMember.reason).where(
        SourceGroupMember.lead_id == lead.id)) if reason]
    return build_profile(lead, company, signals)
