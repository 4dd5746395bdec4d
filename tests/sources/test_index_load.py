"""Loading the prospect index on SQLite and PostgreSQL: every format, idempotent by id, updates reach the
full-text index, bad records reported by file, line and field while the rest loads, people linked to
companies that come later, the bulk mode of big first loads, and identity keys equal to an import's."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from outboard.cli import app
from outboard.db.models import IndexBulkLoad, IndexCompany, IndexPerson, IndexPersonDetail
from outboard.runtime import use_runtime
from outboard.sources.icp import SearchFilters
from outboard.sources.index.keys import person_keys
from outboard.sources.index.loader import load_files
from outboard.sources.index.preview import preview
from outboard.sources.index.stats import index_stats
from outboard.sources.normalize.record import normalize_record
from outboard.sources.prepare import identity_of
from outboard.sources.ranking import join_companies
from outboard.sources.sample import SampleGenerator, SampleSpec, write_sample
from outboard.team.workspaces import create_workspace
from tests.sources.index_fixtures import BACKENDS, PEOPLE, REF, IndexEnv, index_env


@pytest.fixture(scope="module", params=BACKENDS)
def env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> IndexEnv:
    return index_env(request, tmp_path_factory, sqlite_template)


@pytest.fixture
def workspace(env: IndexEnv) -> int:
    """A workspace of its own: the index belongs to the workspace that loaded it."""
    import uuid

    with env.db.transaction() as session:
        ws, _, _ = create_workspace(session, f"Load {uuid.uuid4().hex[:6]}", f"{uuid.uuid4().hex[:8]}@acme.test",
                                    "correct horse battery")
        return ws.id


def rows(env: IndexEnv, model: type, workspace_id: int) -> int:
    with env.db.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(model.workspace_id == workspace_id)) or 0


def find(env: IndexEnv, workspace_id: int, **filters: object) -> list[str]:
    result = preview(env.db, workspace_id, SearchFilters.from_dict(filters), limit=100, today=REF, meter=False)
    return [h.id for h in result.hits]


def test_the_shared_index_loaded_everything_once(env: IndexEnv) -> None:
    stats = index_stats(env.db, env.workspace_id)
    assert stats["people"] == stats["sample_people"] == PEOPLE
    assert stats["companies"] == stats["sample_companies"] == PEOPLE // 5
    assert stats["people_without_company"] == 0 and not stats["bulk_load_pending"]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_every_format_loads_the_same_and_a_second_load_updates_in_place(env: IndexEnv, workspace: int,
                                                                        tmp_path: Path, fmt: str) -> None:
    files = write_sample(tmp_path, SampleSpec(people=300, seed=11, reference_date=REF), fmt)
    first = load_files(env.db, workspace, [files["companies"], files["people"]])
    assert (first.people_new, first.companies_new, first.rejected) == (300, 60, 0)
    again = load_files(env.db, workspace, [tmp_path])  # a folder: companies first
    assert (again.people_new, again.people_updated, again.companies_updated) == (0, 300, 60)
    assert rows(env, IndexPerson, workspace) == 300 and rows(env, IndexPersonDetail, workspace) == 300
    assert rows(env, IndexCompany, workspace) == 60
    engineers = find(env, workspace, functions=["engineering"])
    truth = [p["id"] for p in SampleGenerator(SampleSpec(people=300, seed=11, reference_date=REF)).people()
             if p["function"] == "engineering"]
    assert sorted(engineers) == sorted(truth)


def test_a_changed_record_changes_what_search_finds(env: IndexEnv, workspace: int, tmp_path: Path) -> None:
    people = tmp_path / "people.jsonl"
    person = {"id": "p1", "record_type": "person", "full_name": "Ada Quill", "title": "Chief Zymurgist",
              "function": "operations", "country": "DE", "company_name": "Brewworks", "company_domain": "brewworks.de",
              "posts": [{"text": "Notes on fermentation", "posted_on": "2026-01-10"}]}
    people.write_text(json.dumps(person) + "\n")
    load_files(env.db, workspace, [people])
    assert find(env, workspace, titles=["zymurgist"]) == ["p1"]
    person.update(title="Head of Brewing", posts=[{"text": "Notes on distilling", "posted_on": "2026-01-12"}])
    people.write_text(json.dumps(person) + "\n")
    summary = load_files(env.db, workspace, [people])
    assert summary.people_updated == 1 and rows(env, IndexPerson, workspace) == 1
    assert find(env, workspace, titles=["zymurgist"]) == []
    assert find(env, workspace, titles=["head of brewing"]) == ["p1"]
    assert find(env, workspace, posted_about=["distilling"], posted_within_days=30) == ["p1"]
    assert find(env, workspace, posted_about=["fermentation"]) == []


def test_bad_records_are_reported_by_line_and_field_and_the_rest_loads(env: IndexEnv, workspace: int,
                                                                       tmp_path: Path) -> None:
    good = {"record_type": "person", "full_name": "Ok Person", "function": "sales"}
    lines = [
        json.dumps({**good, "id": "ok-1"}),
        "{not json",
        json.dumps({**good, "id": None}),
        json.dumps({**good, "id": "bad-date", "role_started_on": "last spring"}),
        json.dumps({**good, "id": "bad-posts", "posts": "many"}),
        json.dumps({**good, "id": "bad-size", "record_type": "company", "name": "X", "size": "big"}),
        json.dumps({**good, "id": "no-name", "full_name": None}),
        json.dumps({**good, "id": "what", "record_type": "animal"}),
        json.dumps([1, 2]),
        json.dumps({**good, "id": "odd-values", "seniority": "grand wizard", "country": "Atlantis"}),
        json.dumps({**good, "id": "ok-2"}),
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    summary = load_files(env.db, workspace, [path])
    assert summary.people_new == 3 and summary.rejected == 8
    reported = {(e["line"], e["field"]) for e in summary.errors}
    assert reported == {(2, "line"), (3, "id"), (4, "role_started_on"), (5, "posts"), (6, "size"), (7, "full_name"),
                        (8, "record_type"), (9, "line")}
    assert all(e["file"] == "mixed.jsonl" and e["reason"] for e in summary.errors)
    assert {w["field"] for w in summary.warning_examples} == {"seniority", "country"}
    csv_file = tmp_path / "people.csv"
    csv_file.write_text("id,full_name,posts,extra\nc1,Csv Person,[],x\nc2,Broken,\"[1\",y,z\n")
    summary = load_files(env.db, workspace, [csv_file])
    assert summary.people_new == 1 and [e["line"] for e in summary.errors] == [3]


def test_people_before_their_companies_are_linked_at_the_end(env: IndexEnv, workspace: int, tmp_path: Path) -> None:
    files = write_sample(tmp_path, SampleSpec(people=200, seed=5, reference_date=REF), "jsonl")
    first = load_files(env.db, workspace, [files["people"], files["companies"]])
    assert first.people_linked == 200
    assert index_stats(env.db, workspace)["people_without_company"] == 0
    generator = SampleGenerator(SampleSpec(people=200, seed=5, reference_date=REF))
    companies = {c["id"]: c for c in generator.companies()}
    truth = [p["id"] for p in join_companies(generator.people(), companies) if p["company"]["industry"] == "saas"]
    assert sorted(find(env, workspace, industries=["saas"])) == sorted(truth)


def test_a_changed_company_reaches_its_people(env: IndexEnv, workspace: int, tmp_path: Path) -> None:
    companies, people = tmp_path / "companies.jsonl", tmp_path / "people.jsonl"
    company = {"id": "c1", "record_type": "company", "name": "Acme", "domain": "acme.test", "industry": "saas",
               "size": 40}
    companies.write_text(json.dumps(company) + "\n")
    people.write_text(json.dumps({"id": "p1", "record_type": "person", "full_name": "Jo Bloggs", "company_id": "c1",
                                  "function": "sales"}) + "\n")
    load_files(env.db, workspace, [companies, people])
    assert find(env, workspace, industries=["saas"], size_max=50) == ["p1"]
    companies.write_text(json.dumps({**company, "industry": "fintech", "size": 400,
                                     "hiring_for": ["engineering"]}) + "\n")
    load_files(env.db, workspace, [companies])
    assert find(env, workspace, industries=["saas"]) == []
    assert find(env, workspace, industries=["fintech"], size_min=300, hiring_for=["engineering"]) == ["p1"]


def test_a_big_first_load_builds_the_search_indexes_at_the_end(env: IndexEnv, workspace: int, tmp_path: Path) -> None:
    files = write_sample(tmp_path, SampleSpec(people=400, seed=3, reference_date=REF), "jsonl")
    summary = load_files(env.db, workspace, [files["companies"], files["people"]], bulk_threshold=100)
    assert summary.people_new == 400
    with env.db.sessions() as session:
        assert session.get(IndexBulkLoad, workspace) is None
    truth = {p["id"] for p in SampleGenerator(SampleSpec(people=400, seed=3, reference_date=REF)).people()
             if any("pipeline" in x["text"].lower() for x in p["posts"])}
    assert 0 < len(truth) < 100 and set(find(env, workspace, posted_about=["pipeline"])) == truth
    again = load_files(env.db, workspace, [files["people"]], bulk_threshold=100)  # not empty: row by row
    assert again.people_updated == 400
    assert set(find(env, workspace, posted_about=["pipeline"])) == truth


def test_identity_keys_are_the_ones_an_import_computes() -> None:
    people = list(SampleGenerator(SampleSpec(people=300, seed=9, reference_date=date(2026, 1, 15))).people())
    cases = [{k: p[k] for k in ("first_name", "last_name", "linkedin_id", "company_domain", "company_name")}
             for p in people]
    cases += [{"first_name": "Dr. José", "last_name": "Müller-Lüdenscheidt", "company_name": "Acme GmbH"},
              {"full_name": "SMITH, JOHN", "email": "John.Smith@Acme.co.uk"},
              {"first_name": "Anna", "last_name": "Berg", "email": "anna@gmail.com", "company_name": "Nordlicht AG"},
              {"first_name": "Li", "last_name": "Wei", "linkedin_id": "https://de.linkedin.com/in/li-wei-1/"}]
    for case in cases:
        raw = {("linkedin_url" if k == "linkedin_id" else k): v for k, v in case.items()}
        lead = normalize_record(raw)
        ident = identity_of(lead)
        keys = person_keys(first_name=case.get("first_name"), last_name=case.get("last_name"),
                           full_name=case.get("full_name"), linkedin=case.get("linkedin_id"), email=case.get("email"),
                           company_domain=case.get("company_domain"), company_name=case.get("company_name"))
        assert (keys.linkedin or "", keys.email or "", keys.name_domain or "") == \
            (ident.linkedin_id, ident.email, ident.name_domain_key), case


def test_the_index_commands(env: IndexEnv, workspace: int, tmp_path: Path) -> None:
    from outboard.db.models import Workspace

    with env.db.sessions() as session:
        slug = session.get(Workspace, workspace).slug  # type: ignore[union-attr]
    runner = CliRunner()
    with use_runtime(env.rt):
        stats = runner.invoke(app, ["index", "stats", "--json"])
        assert stats.exit_code == 0 and json.loads(stats.stdout)["people"] == PEOPLE
        shown = runner.invoke(app, ["index", "stats"])
        assert f"{PEOPLE:,} people" in shown.output
        missing = runner.invoke(app, ["index", "load", str(tmp_path / "nope.jsonl")])
        assert missing.exit_code == 1 and "no such file" in missing.output
        wrong = tmp_path / "people.txt"
        wrong.write_text("x")
        refused = runner.invoke(app, ["index", "load", str(wrong)])
        assert refused.exit_code == 1 and ".jsonl, .csv or .parquet" in refused.output
        made = runner.invoke(app, ["index", "sample", "--people", "50", "--dir", str(tmp_path / "s"), "--load",
                                   "--reference-date", "2026-01-15", "--workspace", slug, "--json"])
        assert made.exit_code == 0, made.output
        data = json.loads(made.stdout)
        assert data["people_new"] == 50 and data["written"]["reference_date"] == "2026-01-15"
        shown = runner.invoke(app, ["index", "load", str(tmp_path / "s"), "--workspace", slug])
        assert shown.exit_code == 0 and "0 people added, 50 updated" in shown.output
