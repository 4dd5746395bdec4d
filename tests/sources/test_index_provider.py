"""The prospect index as a profile-enrichment provider (SQLite and PostgreSQL): built by the enrichment
registry, found by LinkedIn id, then email, then name + company domain, answering with LeadProfile field
names and the list shapes of db/profiles.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from outboard.core.enrichment import PersonQuery, ProfileFacts, ProviderContext
from outboard.enrich.config import EnrichConfig
from outboard.enrich.providers.registry import ProviderRegistry
from outboard.runtime import use_runtime
from outboard.sources.index.loader import load_files
from outboard.sources.index.provider import ProspectIndexProvider
from outboard.team.workspaces import create_workspace
from tests.sources.index_fixtures import BACKENDS, IndexEnv, index_env


@pytest.fixture(scope="module", params=BACKENDS)
def env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> IndexEnv:
    return index_env(request, tmp_path_factory, sqlite_template)


@pytest.fixture(scope="module")
def person(env: IndexEnv) -> dict:
    """Someone with posts, work history and a company that raised."""
    return next(p for p in env.records if len(p["posts"]) >= 2 and len(p["positions"]) >= 2
                and any(m["kind"] == "funding" for m in p["company"]["milestones"]))


@pytest.fixture
def provider(env: IndexEnv) -> ProspectIndexProvider:
    return ProspectIndexProvider(env.db, env.workspace_id)


def test_the_enrichment_registry_builds_it_from_its_context(env: IndexEnv) -> None:
    chain = ProviderRegistry().build("profile", ["index"], config=EnrichConfig(), workspace_id=env.workspace_id,
                                     db=env.db)
    assert [type(p) for p in chain.providers] == [ProspectIndexProvider] and chain.names == ["index"]
    assert chain.providers[0].metered is False
    with use_runtime(env.rt):  # built without a database, it reads the running process's
        lazy = ProspectIndexProvider.from_context(ProviderContext(name="index", workspace_id=env.workspace_id))
        assert lazy.db is env.db


def test_found_by_linkedin_id_in_any_spelling(provider: ProspectIndexProvider, person: dict) -> None:
    for spelling in (person["linkedin_id"], f"https://www.linkedin.com/in/{person['linkedin_id'].upper()}/"):
        facts = provider.lookup(PersonQuery(workspace_id=1, linkedin_id=spelling))
        assert facts is not None and facts.fields["linkedin_id"] == person["linkedin_id"]


def test_found_by_name_and_company_domain(provider: ProspectIndexProvider, person: dict) -> None:
    query = PersonQuery(workspace_id=1, first_name=person["first_name"].upper(), last_name=person["last_name"],
                        company_domain=f"www.{person['company_domain']}")
    facts = provider.lookup(query)
    assert facts is not None and facts.fields["full_name"] == person["full_name"]
    full = provider.lookup(PersonQuery(workspace_id=1, full_name=person["full_name"],
                                       company_domain=person["company_domain"]))
    assert full is not None and full.fields["linkedin_id"] == person["linkedin_id"]


def test_the_answer_uses_lead_profile_names_and_list_shapes(provider: ProspectIndexProvider, person: dict) -> None:
    facts = provider.lookup(PersonQuery(workspace_id=1, linkedin_id=person["linkedin_id"]))
    assert isinstance(facts, ProfileFacts) and facts.source == "index" and facts.is_sample
    f, c = facts.fields, facts.company
    assert (f["title"], f["headline"], f["seniority"], f["function"]) == (
        person["title"], person["headline"], person["seniority"], person["function"])
    assert f["role_started_on"] == person["role_started_on"] and f["skills"] == person["skills"]
    assert [set(p) for p in f["posts"]] == [{"text", "posted_on", "url", "kind"}] * len(person["posts"])
    assert [p["text"] for p in f["posts"]] == [p["text"] for p in person["posts"]]
    shape = {"title", "company", "started_on", "ended_on"}
    assert [set(p) for p in f["positions"]] == [shape] * len(person["positions"])
    company = person["company"]
    assert (c["name"], c["domain"], c["size"], c["industry"], c["funding_stage"]) == (
        company["name"], company["domain"], company["size"], company["industry"], company["funding_stage"])
    assert [m["text"] for m in c["milestones"]] == [m["text"] for m in company["milestones"]]
    assert all(set(m) == {"kind", "text", "happened_on", "amount_usd", "round"} for m in c["milestones"])
    assert set(facts.flat()) >= {"title", "posts", "company.size", "company.milestones"}


def test_email_then_name_when_there_is_no_linkedin_id(env: IndexEnv, tmp_path: Path) -> None:
    with env.db.transaction() as session:
        ws, _, _ = create_workspace(session, "Provider email", "provider-email@acme.test", "correct horse battery")
        workspace_id = ws.id
    path = tmp_path / "people.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in (
        {"id": "a", "full_name": "Jane Doe", "email": "Jane.Doe@Acme.io", "title": "CFO", "company_name": "Acme",
         "company_domain": "acme.io"},
        {"id": "b", "full_name": "Jane Doe", "title": "Founder", "company_name": "Other",
         "company_domain": "other.io"},
    )) + "\n")
    load_files(env.db, workspace_id, [path])
    provider = ProspectIndexProvider(env.db, workspace_id)
    by_email = provider.lookup(PersonQuery(workspace_id=workspace_id, email="jane.doe@acme.io"))
    assert by_email is not None and by_email.fields["title"] == "CFO"
    by_name = provider.lookup(PersonQuery(workspace_id=workspace_id, first_name="Jane", last_name="Doe",
                                          company_domain="other.io"))
    assert by_name is not None and by_name.fields["title"] == "Founder"
    assert provider.lookup(PersonQuery(workspace_id=workspace_id, full_name="Nobody Here",
                                       company_domain="acme.io")) is None
    assert provider.lookup(PersonQuery(workspace_id=workspace_id)) is None
    # another workspace's index is not this one's
    assert ProspectIndexProvider(env.db, env.workspace_id).lookup(
        PersonQuery(workspace_id=env.workspace_id, email="jane.doe@acme.io")) is None
