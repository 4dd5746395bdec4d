"""Profile enrichment stored in the database (SQLite and PostgreSQL): stages, provenance and conflicts,
the cache, metering only what was filled, the budget, and leads nobody knows."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from outboard.core.stages import LeadStage
from outboard.db.models import Company, FieldProvenance
from outboard.db.usage import BudgetSpent
from outboard.devservers.enrichment_api import EnrichmentApiServer
from outboard.enrich.profile_service import enrich_profile, enrich_profiles
from outboard.runtime import Runtime

from .enrich_setup import (
    add_lead,
    company_of,
    events,
    lead_row,
    person,
    provenance,
    set_budget,
    two_provider_config,
    unique_id,
    usage,
)

pytest_plugins = ["tests.enrich.enrich_fixtures"]  # its fixtures: apis, mail

Apis = tuple[EnrichmentApiServer, EnrichmentApiServer]


def _known(apis: Apis, first: str, last: str, domain: str, *, posts: bool = True) -> None:
    """alpha knows the role and the company; beta knows posts, skills and disagrees on the title."""
    alpha, beta = apis
    alpha.add_person(person(first, last, domain=domain, company="Nordlicht GmbH", title="VP Sales",
                            location={"city": "Berlin", "country": "Germany", "timezone": "Europe/Berlin"}))
    beta.add_person(person(first, last, domain=domain, company="Nordlicht GmbH", title="Sales Director",
                           skills=["forecasting"], headline="Selling to CFOs"),
                    posts=[{"text": "Our Q1 kick-off", "published_at": "2026-02-25"}] if posts else None)


def test_a_play_needs_only_its_fields_so_the_waterfall_stops_early(rt: Runtime, workspace_id: int,
                                                                     apis: Apis) -> None:
    alpha, beta = apis
    domain = f"{unique_id()}.test"
    _known(apis, "Jane", "Doe", domain)
    lead_id = add_lead(rt.db, workspace_id, "Jane Doe", company="Nordlicht", domain=domain)
    report = enrich_profiles(rt, workspace_id, [lead_id], play_id="cold-linkedin-first",
                             config=two_provider_config(alpha, beta))
    assert report.wanted == ["full_name", "title", "company.name", "linkedin_id"]
    assert report.complete == 1 and report.providers == ["alpha", "beta"] and beta.count() == 0
    lead = lead_row(rt.db, lead_id)
    assert lead.stage == LeadStage.PROFILE_ENRICHED.value and lead.title == "VP Sales"
    assert lead.linkedin_id == f"jane-doe-{domain.split('.')[0]}"
    assert lead.country == "DE" and lead.timezone == "Europe/Berlin"
    sources = {p.field: p.source for p in provenance(rt.db, lead_id) if p.is_current}
    assert sources["title"] == "provider:alpha" and sources["company.size"] == "provider:alpha"
    assert company_of(rt.db, lead_id).size == 120  # type: ignore[union-attr]
    # One charge per field filled, each with its own ref.
    charges = usage(rt.db, workspace_id)
    assert {c.ref for c in charges} == {f"enrich:{lead_id}:{field}:alpha" for field in report_fields(rt, lead_id)}
    assert all(c.kind == "field_enriched" and c.credits == 3 for c in charges)
    [event] = events(rt.db, lead_id, "profile_enriched")
    assert event.data["outcome"] == "complete" and event.data["providers"] == ["alpha"]


def report_fields(rt: Runtime, lead_id: int) -> set[str]:
    return {p.field for p in provenance(rt.db, lead_id) if p.is_current and not p.conflict}


def test_without_a_play_every_provider_is_asked_and_conflicts_are_kept_aside(rt: Runtime, workspace_id: int,
                                                                             apis: Apis) -> None:
    alpha, beta = apis
    domain = f"{unique_id()}.test"
    _known(apis, "Omar", "Haddad", domain)
    lead_id = add_lead(rt.db, workspace_id, "Omar Haddad", company="Nordlicht", domain=domain, title="Founder")
    report = enrich_profile(rt, workspace_id, lead_id, config=two_provider_config(alpha, beta))
    assert report.leads == 1 and alpha.count("/people/match") == 1 and beta.count("/people/match") == 1
    lead = lead_row(rt.db, lead_id)
    assert lead.title == "Founder"  # the lead's own value is never overwritten
    assert lead.headline == "Selling to CFOs" and lead.profile["skills"] == ["forecasting"]
    assert lead.profile["posts"][0] == {"text": "Our Q1 kick-off", "posted_on": "2026-02-25", "url": None,
                                        "kind": "post"}
    conflicts = {(p.field, p.value, p.source) for p in provenance(rt.db, lead_id) if p.conflict}
    assert ("title", "VP Sales", "provider:alpha") in conflicts
    assert ("title", "Sales Director", "provider:beta") in conflicts
    charged = {c.ref.split(":")[2] for c in usage(rt.db, workspace_id)}
    assert "title" not in charged and "headline" in charged  # a conflict is not a filled field
    status = lead.profile["enrichment"]["profile"]
    assert status["asked"] == ["alpha", "beta"] and status["outcome"] in ("complete", "partial")


def test_enriching_again_costs_no_call_and_no_credit(rt: Runtime, workspace_id: int, apis: Apis) -> None:
    alpha, beta = apis
    domain = f"{unique_id()}.test"
    _known(apis, "Lena", "Berg", domain, posts=False)  # no posts anywhere: "posts" stays missing
    lead_id = add_lead(rt.db, workspace_id, "Lena Berg", company="Nordlicht", domain=domain)
    config = two_provider_config(alpha, beta)
    first = enrich_profiles(rt, workspace_id, [lead_id], config=config)
    assert first.calls == 2 and first.partial == 1 and "posts" in lead_row(rt.db, lead_id).profile[
        "enrichment"]["profile"]["missing"]
    calls, charges = alpha.count() + beta.count(), len(usage(rt.db, workspace_id))
    again = enrich_profiles(rt, workspace_id, [lead_id], config=config)
    assert again.current == 1 and again.calls == 0
    forced = enrich_profiles(rt, workspace_id, [lead_id], config=config, force=True)
    assert forced.calls == 0 and forced.cache_hits == 2 and forced.credits == 0
    assert alpha.count() + beta.count() == calls and len(usage(rt.db, workspace_id)) == charges
    # Conflicts found again are not recorded twice.
    with rt.db.sessions() as session:
        conflicts = session.scalars(select(FieldProvenance).where(FieldProvenance.lead_id == lead_id,
                                                                  FieldProvenance.conflict.is_(True))).all()
    assert len(conflicts) == len({(c.field, c.source, c.value) for c in conflicts})


def test_nobody_knows_the_lead_discovered_stays_unless_it_has_a_profile(rt: Runtime, workspace_id: int,
                                                                        apis: Apis) -> None:
    alpha, beta = apis
    ghost = add_lead(rt.db, workspace_id, "Ghost Writer", company="Nowhere", domain=f"{unique_id()}.test")
    kim = add_lead(rt.db, workspace_id, "Kim Park", company="Known Co", domain=f"{unique_id()}.test", title="CTO")
    report = enrich_profiles(rt, workspace_id, [ghost, kim], play_id="post-engagement-follow-up",
                             config=two_provider_config(alpha, beta))
    assert (report.empty, report.partial, report.credits) == (1, 1, 0) and usage(rt.db, workspace_id) == []
    # A name and a company are what discovery gave: no profile, the lead stays Discovered, and says why.
    assert lead_row(rt.db, ghost).stage == LeadStage.DISCOVERED.value
    [event] = events(rt.db, ghost, "profile_not_found")
    assert "no provider knew this person (alpha, beta)" in event.data["why"]
    # A lead with a profile of its own goes on once every provider was asked; what is missing is listed.
    assert lead_row(rt.db, kim).stage == LeadStage.PROFILE_ENRICHED.value
    [event] = events(rt.db, kim, "profile_enriched")
    assert event.data["missing"] == ["linkedin_id", "posts"] and event.data["outcome"] == "partial"


def test_a_provider_that_is_down_leaves_the_lead_to_retry(rt: Runtime, workspace_id: int, apis: Apis) -> None:
    alpha, beta = apis
    domain = f"{unique_id()}.test"
    _known(apis, "Ravi", "Shah", domain)
    lead_id = add_lead(rt.db, workspace_id, "Ravi Shah", company="Nordlicht", domain=domain)
    config = two_provider_config(alpha, beta, providers=("alpha",))
    alpha.fail_next(503, times=3)
    down = enrich_profiles(rt, workspace_id, [lead_id], play_id="cold-linkedin-first", config=config)
    assert down.retry == 1 and "503" in down.unavailable["alpha"]
    assert lead_row(rt.db, lead_id).stage == LeadStage.DISCOVERED.value
    assert events(rt.db, lead_id, "profile_enrichment_incomplete")
    up = enrich_profiles(rt, workspace_id, [lead_id], play_id="cold-linkedin-first", config=config)
    assert up.complete == 1 and lead_row(rt.db, lead_id).stage == LeadStage.PROFILE_ENRICHED.value


def test_the_budget_pauses_enrichment_and_a_bigger_one_continues_it(rt: Runtime, workspace_id: int,
                                                                    apis: Apis) -> None:
    alpha, beta = apis
    domain = f"{unique_id()}.test"
    ids = []
    for first in ("Ana", "Ben", "Cai"):
        _known(apis, first, "Lopez", domain)
        ids.append(add_lead(rt.db, workspace_id, f"{first} Lopez", company="Nordlicht", domain=domain))
    set_budget(rt.db, workspace_id, 20)
    config = two_provider_config(alpha, beta, providers=("alpha",))
    with pytest.raises(BudgetSpent, match="raise the budget"):
        enrich_profiles(rt, workspace_id, ids, play_id="cold-linkedin-first", config=config)
    spent = sum(c.credits for c in usage(rt.db, workspace_id))
    assert 0 < spent <= 20
    calls = alpha.count()
    set_budget(rt.db, workspace_id, None)
    report = enrich_profiles(rt, workspace_id, ids, play_id="cold-linkedin-first", config=config)
    assert report.complete + report.current == 3
    assert all(lead_row(rt.db, i).stage == LeadStage.PROFILE_ENRICHED.value for i in ids)
    assert alpha.count() == calls  # every answer came from the cache
    refs = [c.ref for c in usage(rt.db, workspace_id)]
    assert len(refs) == len(set(refs))


def test_a_lead_without_a_company_gets_one_shared_by_domain(rt: Runtime, workspace_id: int, apis: Apis) -> None:
    alpha, beta = apis
    uid = unique_id()
    domain = f"{uid}.test"
    alpha.add_person(person("Ida", "Nord", domain=domain, company="Fjord AS", title="CFO", linkedin=f"ida-{uid}"))
    alpha.add_person(person("Jon", "Sud", domain=domain, company="Fjord AS", title="CEO", linkedin=f"jon-{uid}"))
    first = add_lead(rt.db, workspace_id, "Ida Nord", linkedin_id=f"ida-{uid}")
    second = add_lead(rt.db, workspace_id, "Jon Sud", linkedin_id=f"jon-{uid}")
    enrich_profiles(rt, workspace_id, [first, second], play_id="cold-linkedin-first",
                    config=two_provider_config(alpha, beta, providers=("alpha",)))
    one, two = company_of(rt.db, first), company_of(rt.db, second)
    assert one is not None and two is not None and one.id == two.id
    assert (one.name, one.domain, one.size) == ("Fjord AS", domain, 120)
    with rt.db.sessions() as session:
        assert session.scalar(select(Company.id).where(Company.domain == domain)) == one.id
    # The company's facts were charged once, for the lead that filled them.
    refs = {c.ref for c in usage(rt.db, workspace_id)}
    assert f"enrich:{first}:company.size:alpha" in refs and f"enrich:{second}:company.size:alpha" not in refs
