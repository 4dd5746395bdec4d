"""Saved searches on SQLite and PostgreSQL: N results become leads of a new source group in a background job,
left out when already in the workspace or suppressed (an erased person never comes back), metered per
result, and restartable without duplicates or double charges."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from outboard.cli import app
from outboard.core.errors import ValidationError
from outboard.core.stages import LeadStage
from outboard.db.models import (
    Company,
    FieldProvenance,
    Job,
    Lead,
    SourceGroup,
    SourceGroupMember,
    UsageEntry,
    Workspace,
)
from outboard.db.profiles import lead_profile
from outboard.db.suppressions import suppress
from outboard.jobs.runner import execute
from outboard.runtime import use_runtime
from outboard.sources.icp import parse_query
from outboard.sources.index.preview import preview
from outboard.sources.index.saved import (
    create_group,
    resume_saved_search,
    run_saved_search,
    saved_search_status,
    start_saved_search,
)
from tests.sources.index_fixtures import BACKENDS, REF, IndexEnv, clean, index_env

QUERY = "sales people in Germany"  # 72 people in the generated index


@pytest.fixture(scope="module", params=BACKENDS)
def env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> IndexEnv:
    return index_env(request, tmp_path_factory, sqlite_template)


@pytest.fixture
def fresh(env: IndexEnv) -> IndexEnv:
    clean(env)
    with use_runtime(env.rt):
        yield env


def counts(env: IndexEnv, group_id: int) -> dict[str, int]:
    with env.db.sessions() as session:
        return {
            "members": session.scalar(select(func.count()).select_from(SourceGroupMember).where(
                SourceGroupMember.source_group_id == group_id)) or 0,
            "leads": session.scalar(select(func.count()).select_from(Lead).where(
                Lead.workspace_id == env.workspace_id)) or 0,
            "charges": session.scalar(select(func.count()).select_from(UsageEntry).where(
                UsageEntry.workspace_id == env.workspace_id, UsageEntry.kind == "search_result")) or 0,
            "credits": session.scalar(select(func.coalesce(func.sum(UsageEntry.credits), 0)).where(
                UsageEntry.workspace_id == env.workspace_id)) or 0,
        }


def test_a_saved_search_collects_n_results_as_discovered_leads(fresh: IndexEnv) -> None:
    filters = parse_query(QUERY).filters
    started = start_saved_search(fresh.rt, fresh.workspace_id, "DE sales", filters, 40, description=QUERY)
    status = saved_search_status(fresh.db, fresh.workspace_id, "DE sales")
    assert status["collected"] == 40 and status["job"]["state"] == "succeeded"
    assert counts(fresh, started.group_id) == {"members": 40, "leads": 40, "charges": 40, "credits": 160}
    people = fresh.by_id()
    with fresh.db.sessions() as session:
        group = session.get(SourceGroup, started.group_id)
        assert group is not None and group.kind == "search" and group.job_id == started.job_id
        assert group.query["filters"] == filters.to_dict() and group.query["count"] == 40
        leads = session.scalars(select(Lead).where(Lead.workspace_id == fresh.workspace_id)).all()
        for lead in leads:
            assert lead.stage == LeadStage.DISCOVERED.value and lead.is_sample
            assert lead.seniority and lead.function == "sales" and lead.country == "DE"
            company = session.get(Company, lead.company_id)
            assert company is not None and company.domain and company.is_sample and company.industry
            provenance = session.scalar(select(FieldProvenance.source).where(FieldProvenance.lead_id == lead.id))
            assert provenance is not None and provenance.startswith("index:")
            person = people[provenance.removeprefix("index:")]
            assert lead.linkedin_id == person["linkedin_id"] and lead.full_name == person["full_name"]
            profile = lead_profile(session, lead)
            assert len(profile.posts) == len(person["posts"]) and profile.company.name == person["company_name"]
            assert not profile.signals  # a search's fit is no hook
        # the first results are the preview's (same order, same filters)
        reasons = session.scalars(select(SourceGroupMember.reason).where(
            SourceGroupMember.source_group_id == started.group_id)).all()
        assert all(r["kind"] == "search_fit" and r["fit"] for r in reasons)
    shown = preview(fresh.db, fresh.workspace_id, filters, limit=10, today=REF, meter=False)
    matching = sum(r["function"] == "sales" and r["country"] == "DE" for r in fresh.records)
    assert shown.total == matching and shown.excluded.already_leads >= 10  # the saved people are leads now
    assert len(shown.hits) == 10
    assert not ({h.id for h in shown.hits} & {p.removeprefix("index:") for p in _sources(fresh)})


def _sources(env: IndexEnv) -> set[str]:
    with env.db.sessions() as session:
        return set(session.scalars(select(FieldProvenance.source).join(Lead, Lead.id == FieldProvenance.lead_id)
                                   .where(Lead.workspace_id == env.workspace_id)))


def test_existing_leads_and_suppressed_people_are_left_out_and_counted(fresh: IndexEnv) -> None:
    filters = parse_query(QUERY).filters
    top = preview(fresh.db, fresh.workspace_id, filters, limit=6, today=REF, meter=False).hits
    people = fresh.by_id()
    lead, erased, opted_out, domain = (people[h.id] for h in top[:4])
    with fresh.db.transaction() as session:
        session.add(Lead(workspace_id=fresh.workspace_id, full_name=lead["full_name"], linkedin_id=lead["linkedin_id"],
                         linkedin_key=lead["linkedin_id"], created_at=fresh.db.clock.now()))
        suppress(session, fresh.workspace_id, "linkedin", erased["linkedin_id"], "erasure")
        suppress(session, fresh.workspace_id, "linkedin", opted_out["linkedin_id"], "opt_out")
        suppress(session, fresh.workspace_id, "domain", domain["company_domain"], "blocklist")
    group_id = create_group(fresh.db, fresh.workspace_id, "DE sales", filters, 1000, today=REF)
    result = run_saved_search(fresh.db, fresh.workspace_id, group_id)
    saved = {s.removeprefix("index:") for s in _sources(fresh)}
    assert not saved & {lead["id"], erased["id"], opted_out["id"]}
    assert not [p for p in saved if people[p]["company_domain"] == domain["company_domain"]]
    excluded = result["excluded"]
    assert excluded["already_leads"] == 1
    assert excluded["suppressed_by_reason"]["erasure"] == 1 and excluded["suppressed_by_reason"]["opt_out"] == 1
    assert result["exhausted"] and result["collected"] == len(saved) < 72
    # the erased person stays out of a later search too
    group_id = create_group(fresh.db, fresh.workspace_id, "DE sales again", filters, 1000, today=REF)
    again = run_saved_search(fresh.db, fresh.workspace_id, group_id)
    assert again["collected"] == 0 and again["excluded"]["suppressed_by_reason"]["erasure"] == 1


def test_a_job_killed_between_batches_goes_on_without_duplicates_or_double_charges(fresh: IndexEnv) -> None:
    filters = parse_query("sales people").filters
    group_id = create_group(fresh.db, fresh.workspace_id, "sales", filters, 120, today=REF)
    calls = []

    class Killed(Exception):
        pass

    def dies_after_one_batch(done: int, total: int | None, message: str) -> None:
        calls.append(done)
        if done > 0:
            raise Killed("the worker died here")

    with pytest.raises(Killed):  # batches of 50: the kill lands between two of them
        run_saved_search(fresh.db, fresh.workspace_id, group_id, progress=dies_after_one_batch, batch=50)
    first = counts(fresh, group_id)
    assert 0 < first["members"] < 120 and first["charges"] == first["members"]
    result = run_saved_search(fresh.db, fresh.workspace_id, group_id, batch=50)
    second = run_saved_search(fresh.db, fresh.workspace_id, group_id)  # a third run does nothing
    assert result["collected"] == 120 and second["created_this_run"] == 0
    assert counts(fresh, group_id) == {"members": 120, "leads": 120, "charges": 120, "credits": 480}
    with fresh.db.sessions() as session:
        keys = session.scalars(select(Lead.linkedin_key).where(Lead.workspace_id == fresh.workspace_id)).all()
        assert len(keys) == len(set(keys))


def test_a_spent_budget_stops_the_job_and_resuming_finishes_it_without_double_charges(fresh: IndexEnv) -> None:
    with fresh.db.transaction() as session:
        session.get(Workspace, fresh.workspace_id).credit_budget = 4 * 30  # type: ignore[union-attr]
    filters = parse_query("sales people").filters
    started = start_saved_search(fresh.rt, fresh.workspace_id, "DE sales", filters, 50)
    with fresh.db.sessions() as session:
        job = session.get(Job, started.job_id)
        assert job is not None and job.state == "failed" and "budget" in (job.error or "")
    assert counts(fresh, started.group_id)["members"] == 30
    with pytest.raises(ValidationError):
        start_saved_search(fresh.rt, fresh.workspace_id, "DE sales", filters, 5)  # the name is taken
    with fresh.db.transaction() as session:
        session.get(Workspace, fresh.workspace_id).credit_budget = None  # type: ignore[union-attr]
    resumed = resume_saved_search(fresh.rt, fresh.workspace_id, "DE sales")
    status = saved_search_status(fresh.db, fresh.workspace_id, started.group_id)
    assert status["job"]["id"] == resumed and status["job"]["state"] == "succeeded"
    assert counts(fresh, started.group_id) == {"members": 50, "leads": 50, "charges": 50, "credits": 200}
    assert status["progress"]["excluded"]["already_leads"] == 0  # the first 30 were not counted as duplicates


def test_a_restarted_job_row_goes_on(fresh: IndexEnv) -> None:
    """The runner executing the same job again (a worker died while it was running) changes nothing more."""
    filters = parse_query(QUERY).filters
    started = start_saved_search(fresh.rt, fresh.workspace_id, "DE sales", filters, 25)
    with fresh.db.transaction() as session:
        session.get(Job, started.job_id).state = "running"  # type: ignore[union-attr]
    execute(started.job_id)
    assert counts(fresh, started.group_id) == {"members": 25, "leads": 25, "charges": 25, "credits": 100}


def test_bad_saved_searches_are_refused_clearly(fresh: IndexEnv) -> None:
    filters = parse_query(QUERY).filters
    for name, count in (("", 5), ("x", 0), ("x", 10_000_000)):
        with pytest.raises(ValidationError):
            create_group(fresh.db, fresh.workspace_id, name, filters, count)


def test_the_command_saves_with_a_progress_bar_and_lists_saved_searches(fresh: IndexEnv) -> None:
    runner = CliRunner()
    shown = runner.invoke(app, ["search", QUERY, "--save", "DE sales", "--count", "15"])
    assert shown.exit_code == 0, shown.output
    assert "15 of 15 collected" in shown.output
    listed = runner.invoke(app, ["search", "saved", "--json"])
    assert listed.exit_code == 0 and '"collected": 15' in listed.stdout
    missing = runner.invoke(app, ["search", QUERY, "--save", "other"])
    assert missing.exit_code == 1 and "--count" in missing.output
