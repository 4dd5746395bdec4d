"""Clues on SQLite and PostgreSQL: each kind collects people with its signal, and the signal lands in
SourceGroupMember.reason and in lead_profile(...).signals pointing at the exact fact in the lead's profile."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from outboard.cli import app
from outboard.core.errors import ValidationError
from outboard.db.models import Lead, SourceGroup, SourceGroupMember, UsageEntry
from outboard.db.profiles import lead_profile
from outboard.runtime import use_runtime
from outboard.sources.icp import SearchFilters, parse_query
from outboard.sources.index.clues import ClueSpec, clue_filters
from outboard.sources.index.saved import saved_search_status, start_saved_search
from tests.sources.index_fixtures import BACKENDS, REF, IndexEnv, clean, index_env


@pytest.fixture(scope="module", params=BACKENDS)
def env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> IndexEnv:
    return index_env(request, tmp_path_factory, sqlite_template)


@pytest.fixture
def fresh(env: IndexEnv) -> IndexEnv:
    clean(env)
    with use_runtime(env.rt):
        yield env


def members(env: IndexEnv, group_id: int) -> list[tuple[Lead, dict]]:
    with env.db.sessions() as session:
        rows = session.execute(select(Lead, SourceGroupMember.reason).join(
            SourceGroupMember, SourceGroupMember.lead_id == Lead.id).where(
            SourceGroupMember.source_group_id == group_id)).all()
        return [(lead, reason) for lead, reason in rows]


def run_clue(env: IndexEnv, name: str, spec: ClueSpec, count: int, base: str | None = None) -> int:
    filters = clue_filters(spec, parse_query(base).filters if base else SearchFilters())
    return start_saved_search(env.rt, env.workspace_id, name, filters, count, clue=spec).group_id


def check_signal_points_at_its_fact(env: IndexEnv, lead: Lead, reason: dict, kind: str) -> None:
    assert reason["kind"] == kind and reason["text"] and reason["fact_path"]
    with env.db.sessions() as session:
        profile = lead_profile(session, session.get(Lead, lead.id))  # type: ignore[arg-type]
    assert [s.kind for s in profile.signals] == [kind]
    signal = profile.signals[0]
    assert signal.text == reason["text"] and signal.fact_path == reason["fact_path"]
    fact = profile.fact(reason["fact_path"])
    if kind in ("recent_post", "company_raised"):
        assert str(getattr(fact, "text", fact)) == reason["text"]
    elif kind == "new_in_role":
        assert fact == date.fromisoformat(reason["observed_on"])
    else:
        assert fact in reason["text"].lower() or str(fact).replace("_", " ") in reason["text"].lower()


def test_recent_post_on_a_topic_keeps_the_post(fresh: IndexEnv) -> None:
    spec = ClueSpec("recent_post", topic="pipeline", days=30)
    group_id = run_clue(fresh, "Pipeline posts", spec, 10)
    found = members(fresh, group_id)
    assert len(found) == 10
    for lead, reason in found:
        assert "pipeline" in reason["text"].lower()
        assert reason["observed_on"] >= (REF - timedelta(days=30)).isoformat()
        assert reason["fact_path"].startswith("posts.") and reason["fact_path"].endswith(".text")
        check_signal_points_at_its_fact(fresh, lead, reason, "recent_post")


def test_new_in_role_keeps_the_start_date(fresh: IndexEnv) -> None:
    group_id = run_clue(fresh, "New sales leaders", ClueSpec("new_in_role", days=90), 8, base="sales leaders")
    found = members(fresh, group_id)
    assert len(found) == 8
    for lead, reason in found:
        assert reason["fact_path"] == "role_started_on" and reason["text"].startswith("Started as ")
        assert lead.function == "sales" and reason["observed_on"] >= (REF - timedelta(days=90)).isoformat()
        check_signal_points_at_its_fact(fresh, lead, reason, "new_in_role")


def test_company_raised_keeps_the_round_as_announced(fresh: IndexEnv) -> None:
    group_id = run_clue(fresh, "Just raised", ClueSpec("company_raised", function="marketing", days=90), 6)
    found = members(fresh, group_id)
    assert len(found) == 6
    for lead, reason in found:
        assert reason["fact_path"].startswith("company.milestones.") and reason["text"].startswith("Raised $")
        assert lead.function == "marketing"
        check_signal_points_at_its_fact(fresh, lead, reason, "company_raised")


def test_company_hiring_keeps_the_function_hired_for(fresh: IndexEnv) -> None:
    group_id = run_clue(fresh, "Hiring engineers", ClueSpec("company_hiring", function="engineering"), 6, base="CTOs")
    found = members(fresh, group_id)
    assert len(found) == 6
    for lead, reason in found:
        assert reason["fact_path"].startswith("company.hiring_for.") and "hiring for Engineering" in reason["text"]
        check_signal_points_at_its_fact(fresh, lead, reason, "company_hiring")


def test_a_clue_is_a_clue_group_metered_per_result(fresh: IndexEnv) -> None:
    group_id = run_clue(fresh, "Pipeline posts", ClueSpec("recent_post", topic="pipeline"), 5)
    status = saved_search_status(fresh.db, fresh.workspace_id, group_id)
    assert status["kind"] == "clue" and status["clue"]["kind"] == "recent_post"
    with fresh.db.sessions() as session:
        assert session.get(SourceGroup, group_id).kind == "clue"  # type: ignore[union-attr]
        kinds = dict(session.execute(select(UsageEntry.kind, func.sum(UsageEntry.credits)).where(
            UsageEntry.workspace_id == fresh.workspace_id).group_by(UsageEntry.kind)).all())
    assert kinds == {"clue_result": 20}


def test_a_company_fact_is_pointed_at_in_the_stored_company_even_when_it_had_others(fresh: IndexEnv) -> None:
    """A company already in the workspace with its own milestones keeps them; the clue's round is added and
    the signal's path points at it there."""
    spec = ClueSpec("company_raised", days=90)
    filters = clue_filters(spec, parse_query("CTOs").filters)
    from outboard.sources.index.preview import preview

    top = preview(fresh.db, fresh.workspace_id, filters, limit=1, today=REF, meter=False).hits[0]
    person = fresh.by_id()[top.id]
    from outboard.db.models import Company

    with fresh.db.transaction() as session:
        session.add(Company(workspace_id=fresh.workspace_id, name=person["company_name"],
                            domain=person["company_domain"], facts={"milestones": [
                                {"kind": "launch", "text": "Opened a lab", "happened_on": "2025-12-01"}]},
                            created_at=fresh.db.clock.now()))
    group_id = start_saved_search(fresh.rt, fresh.workspace_id, "Raised", filters, 1, clue=spec).group_id
    (lead, reason), = members(fresh, group_id)
    assert reason["fact_path"] == "company.milestones.1"
    check_signal_points_at_its_fact(fresh, lead, reason, "company_raised")


@pytest.mark.parametrize(("spec", "field"), [
    (ClueSpec("gossip"), "kind"), (ClueSpec("recent_post", days=0), "days"),
    (ClueSpec("new_in_role", topic="x"), "topic"), (ClueSpec("company_hiring", days=10), "days"),
    (ClueSpec("company_hiring", function="astrology"), "function"),
])
def test_bad_clues_name_the_option_at_fault(spec: ClueSpec, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        clue_filters(spec)
    assert caught.value.field == field


def test_the_clues_commands(fresh: IndexEnv) -> None:
    runner = CliRunner()
    made = runner.invoke(app, ["clues", "create", "Kubernetes posts", "--kind", "recent_post", "--topic", "kubernetes",
                               "--days", "60", "--count", "4", "--query", "engineers"])
    assert made.exit_code == 0, made.output
    assert "4 of 4 collected" in made.output
    listed = runner.invoke(app, ["clues", "list", "--json"])
    assert listed.exit_code == 0 and '"recent_post"' in listed.stdout and '"collected": 4' in listed.stdout
    bad = runner.invoke(app, ["clues", "create", "x", "--kind", "weather", "--count", "3"])
    assert bad.exit_code == 1 and "unknown clue kind" in bad.output
