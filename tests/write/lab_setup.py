"""A Draft campaign for the Messaging Lab tests, built through the same service functions as the CLI: sample
leads stored in the layout db.profiles reads (Lead.profile, Company.facts, a clue signal on the source group
membership), a strategy profile, accounts, a run, a sequence with its leads enrolled. No messages: the tests
write them with the generate service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import insert, select

from outboard.core.profile import LeadProfile
from outboard.core.stages import LeadStage
from outboard.db.models import Company, Lead, SourceGroup, SourceGroupMember, User
from outboard.db.timeline import reach_lead_stage
from outboard.runtime import Runtime
from outboard.send.accounts import add_email_account, add_linkedin_account
from outboard.send.campaigns import create_run, create_sequence
from outboard.send.launch import enroll_leads
from outboard.write.strategy_store import save_strategy, strategy_to_dict
from tests.write.sample_leads import sample_leads, sample_strategy


@dataclass
class Lab:
    workspace_id: int
    sequence_id: int
    strategy_id: int
    lead_ids: list[int]
    user_id: int


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def store_lead(session: Any, workspace_id: int, profile: LeadProfile, group_id: int, used_domains: set[str]) -> Lead:
    company_id = None
    if profile.company is not None:
        facts = profile.company
        domain = facts.domain if facts.domain and facts.domain not in used_domains else None
        if domain:
            used_domains.add(domain)
        company = Company(workspace_id=workspace_id, name=facts.name, domain=domain, size=facts.size,
                          industry=facts.industry, facts={
                              "milestones": [{"kind": m.kind, "text": m.text, "happened_on": _iso(m.happened_on),
                                              "amount_usd": m.amount_usd, "round": m.round} for m in facts.milestones],
                              "hiring_for": list(facts.hiring_for)})
        session.add(company)
        session.flush()
        company_id = company.id
    lead = Lead(workspace_id=workspace_id, company_id=company_id, full_name=profile.full_name,
                first_name=profile.first_name, last_name=profile.last_name, headline=profile.headline,
                title=profile.title, email=profile.email, email_verdict=profile.email_verdict,
                linkedin_id=profile.linkedin_id, linkedin_key=profile.linkedin_id,
                email_key=profile.email.lower() if profile.email else None,
                profile={"posts": [{"text": p.text, "posted_on": _iso(p.posted_on), "kind": p.kind}
                                   for p in profile.posts],
                         "positions": [{"title": p.title, "company": p.company, "started_on": _iso(p.started_on),
                                        "ended_on": _iso(p.ended_on)} for p in profile.positions],
                         "skills": list(profile.skills), "education": list(profile.education),
                         "role_started_on": _iso(profile.role_started_on)})
    session.add(lead)
    session.flush()
    reach_lead_stage(session, lead, LeadStage.PROFILE_ENRICHED)
    if lead.email_verdict == "valid":
        reach_lead_stage(session, lead, LeadStage.EMAIL_ENRICHED)
    signal = profile.signals[0] if profile.signals else None
    reason = {"kind": signal.kind, "text": signal.text, "observed_on": _iso(signal.observed_on),
              "fact_path": signal.fact_path} if signal else {}
    session.execute(insert(SourceGroupMember).values(source_group_id=group_id, lead_id=lead.id, reason=reason,
                                                     added_at=session.info["clock"].now()))
    return lead


def build_lab(rt: Runtime, workspace_id: int, n_leads: int = 6, *, play: str = "cold-email-first",
              first: int = 20, strategy_changes: dict[str, Any] | None = None) -> Lab:
    """`first`: where in the sample list to start (the first few sample leads are the sparse ones)."""
    profiles = sample_leads(first + n_leads)[first:]
    with rt.db.transaction() as session:
        strategy = save_strategy(session, workspace_id, strategy_to_dict(sample_strategy(**(strategy_changes or {}))))
        group = SourceGroup(workspace_id=workspace_id, name="lab leads", kind="manual")
        session.add(group)
        session.flush()
        used: set[str] = set()
        lead_ids = [store_lead(session, workspace_id, p, group.id, used).id for p in profiles]
        email = add_email_account(session, workspace_id, rt.secrets, name="Tom", address="tom@outboard-mail.test",
                                  from_name="Tom Becker", smtp_host="127.0.0.1", smtp_port=2525,
                                  smtp_security="none")
        linkedin = add_linkedin_account(session, workspace_id, rt.secrets, name="Tom on LinkedIn",
                                        profile_id="tom-becker")
        run = create_run(session, workspace_id, "Lab run", play)
        sequence = create_sequence(session, workspace_id, run.id, "Main", strategy.id, [group.id],
                                   [email.id, linkedin.id])
        enroll_leads(session, sequence)
        user_id = session.scalar(select(User.id).where(User.workspace_id == workspace_id))
        return Lab(workspace_id, sequence.id, strategy.id, lead_ids, user_id)
