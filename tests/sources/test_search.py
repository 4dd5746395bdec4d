"""Discovery search over a loaded index with known ground truth, on SQLite and PostgreSQL: the top 25 are
what the query asks for, exclusions hold, the same query gives the same results, the total is honest,
results already in the workspace or suppressed are left out and counted, bad queries never reach the
database as syntax, and a preview is metered."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from outboard.cli import app
from outboard.core.errors import ValidationError
from outboard.db.models import Lead, UsageEntry, Workspace
from outboard.db.suppressions import suppress
from outboard.db.usage import BudgetSpent
from outboard.runtime import use_runtime
from outboard.sources.icp import SearchFilters, parse_query
from outboard.sources.index.preview import preview
from outboard.sources.index.search import build_plan, candidates, choose_order, count, load_records, rank_page
from outboard.sources.index.stats import index_stats
from outboard.sources.ranking import matches
from tests.sources.ground_truth import (
    DACH,
    EUROPE,
    LEADERS,
    NORDICS,
    Truth,
    founder,
    last_raise,
    posted,
    since,
    text_of,
)
from tests.sources.index_fixtures import BACKENDS, PEOPLE, REF, IndexEnv, clean, index_env

# Plain-language queries with the ground truth each implies, written against the generated fields.
QUERIES: dict[str, Truth] = {
    "customer success managers at companies with 50+ employees":
        lambda p, c: "customer success manager" in p["title"].lower() and c["size"] >= 50,
    "people who posted about pipeline in the last 30 days": lambda p, c: posted(p, "pipeline", 30),
    "sales leaders new in role":
        lambda p, c: p["function"] == "sales" and p["seniority"] in LEADERS and p["role_started_on"] >= since(90),
    "product managers in the US, excluding consultants":
        lambda p, c: "product manager" in p["title"].lower() and p["country"] == "US"
        and c["industry"] != "consulting" and "consultant" not in p["title"].lower(),
    "CTOs at companies in Europe":
        lambda p, c: p["seniority"] == "c_level" and p["function"] == "engineering" and p["country"] in EUROPE,
    "sales people at companies hiring engineers, except France":
        lambda p, c: p["function"] == "sales" and "engineering" in c["hiring_for"] and p["country"] != "FR",
    "operations managers in manufacturing or logistics":
        lambda p, c: p["seniority"] == "manager" and p["function"] == "operations"
        and c["industry"] in ("manufacturing", "logistics"),
    "marketing people in the Nordics, no interns":
        lambda p, c: p["function"] == "marketing" and p["country"] in NORDICS and p["seniority"] != "intern",
    "Salesforce experts": lambda p, c: "salesforce" in text_of(p),
    "engineers who posted about Kubernetes": lambda p, c: p["function"] == "engineering" and posted(p, "kubernetes"),
    "seed-stage founders": lambda p, c: founder(p) and c["funding_stage"] == "seed",
    "sales people in Germany": lambda p, c: p["function"] == "sales" and p["country"] == "DE",
    "engineering managers at SaaS companies":
        lambda p, c: p["seniority"] == "manager" and p["function"] == "engineering" and c["industry"] == "saas",
    "founders of e-commerce or retail companies":
        lambda p, c: founder(p) and c["industry"] in ("ecommerce", "retail"),
    "heads of marketing at companies that recently raised, not agencies":
        lambda p, c: p["seniority"] == "head" and p["function"] == "marketing" and last_raise(c) >= since(180)
        and c["industry"] != "marketing_agency",
    "CFOs in the DACH region":
        lambda p, c: p["seniority"] == "c_level" and p["function"] == "finance" and p["country"] in DACH,
}


@pytest.fixture(scope="module", params=BACKENDS)
def env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> IndexEnv:
    return index_env(request, tmp_path_factory, sqlite_template)


@pytest.fixture
def fresh(env: IndexEnv) -> IndexEnv:
    clean(env)
    return env


@pytest.fixture(scope="module")
def answers(env: IndexEnv) -> dict[str, int]:
    return {q: sum(truth(p, p["company"]) for p in env.records) for q, truth in QUERIES.items()}


def search(env: IndexEnv, query: str | SearchFilters, limit: int = 25, **kwargs: object):
    filters = query if isinstance(query, SearchFilters) else parse_query(query).filters
    return preview(env.db, env.workspace_id, filters, limit=limit, today=REF, meter=False, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("query", list(QUERIES))
def test_the_top_25_are_what_the_query_asks_for(fresh: IndexEnv, answers: dict[str, int], query: str) -> None:
    truth, people = QUERIES[query], fresh.by_id()
    result = search(fresh, query)
    good = sum(truth(people[h.id], people[h.id]["company"]) for h in result.hits)
    assert len(result.hits) >= min(25, answers[query]), "a result the query asks for was lost"
    if result.hits:
        assert good / len(result.hits) >= 0.9, (query, good, len(result.hits))


def test_enough_queries_have_real_answers(answers: dict[str, int]) -> None:
    assert sum(n >= 10 for n in answers.values()) >= 10


def test_every_hit_says_why_it_matched(fresh: IndexEnv) -> None:
    result = search(fresh, "people who posted about pipeline in the last 30 days", limit=10)
    for hit in result.hits:
        kinds = {s["kind"]: s for s in hit.signals}
        assert "posted" in kinds and kinds["posted"]["fact_path"].startswith("posts.")
        assert hit.is_sample and hit.linkedin_url and hit.linkedin_url.startswith("https://www.linkedin.com/in/")


@pytest.mark.parametrize(("query", "excluded"), [
    ("heads of marketing, not agencies", lambda p, c: c["industry"] == "marketing_agency"),
    ("product managers, excluding consultants",
     lambda p, c: c["industry"] == "consulting" or "consultant" in p["title"].lower()),
    ("marketing people, no interns", lambda p, c: p["seniority"] == "intern"),
    ("engineers in Europe except France", lambda p, c: p["country"] == "FR"),
    ("sales directors outside the US", lambda p, c: p["country"] == "US"),
])
def test_exclusions_are_honoured(fresh: IndexEnv, query: str, excluded: Truth) -> None:
    people = fresh.by_id()
    result = search(fresh, query, limit=100)
    assert result.hits
    assert not [h.id for h in result.hits if excluded(people[h.id], people[h.id]["company"])]


def test_excluded_title_words_and_keywords_never_come_back(fresh: IndexEnv) -> None:
    filters = SearchFilters.from_dict({"functions": ["sales"], "exclude": {"titles": ["account executive"],
                                                                            "keywords": ["salesforce"]}})
    people = fresh.by_id()
    result = search(fresh, filters, limit=100)
    assert len(result.hits) == 100
    for hit in result.hits:
        assert "account executive" not in people[hit.id]["title"].lower()
        assert "salesforce" not in text_of(people[hit.id])


def test_the_same_query_gives_the_same_results_in_the_same_order(fresh: IndexEnv) -> None:
    for query in ("sales people in Germany", "Salesforce experts", "founders of e-commerce or retail companies"):
        first = [h.id for h in search(fresh, query, limit=50).hits]
        again = [h.id for h in search(fresh, query, limit=50).hits]
        assert first == again and first


def test_the_total_is_exact_when_sql_is_the_whole_check(fresh: IndexEnv, answers: dict[str, int]) -> None:
    result = search(fresh, "sales people in Germany")
    assert result.total_kind == "exact" and result.total == answers["sales people in Germany"]


def test_a_full_text_total_is_estimated_or_counted_through(fresh: IndexEnv, answers: dict[str, int]) -> None:
    query = "engineers who posted about Kubernetes"
    result = search(fresh, query)
    assert result.total_kind in ("exact", "estimate")
    assert abs(result.total - answers[query]) <= max(5, answers[query] // 5)
    small = search(fresh, "seed-stage founders")  # few candidates: every one was checked
    assert small.total_kind == "exact" and small.total == answers["seed-stage founders"]


def test_a_count_past_the_cap_says_at_least(fresh: IndexEnv) -> None:
    plan = build_plan(fresh.db.engine.dialect.name, fresh.workspace_id, parse_query("sales people").filters, REF)
    with fresh.db.sessions() as session:
        assert count(session, plan, cap=100) == (100, True)


def test_semantic_reranking_keeps_only_matches(fresh: IndexEnv) -> None:
    truth, people = QUERIES["sales people in Germany"], fresh.by_id()
    plain = search(fresh, "sales people in Germany", limit=25)
    reranked = search(fresh, "sales people in Germany", limit=25, semantic=True)
    assert {h.id for h in reranked.hits} <= {r["id"] for r in fresh.records if truth(r, r["company"])}
    assert len(reranked.hits) == len(plain.hits)
    assert all(people[h.id] for h in reranked.hits)


def test_pages_continue_where_the_previous_one_ended(fresh: IndexEnv) -> None:
    filters = parse_query("engineers who posted about Kubernetes").filters
    plan = build_plan(fresh.db.engine.dialect.name, fresh.workspace_id, filters, REF)
    with fresh.db.sessions() as session:
        first = rank_page(session, plan, filters, today=REF, offset=0, size=40)
        second = rank_page(session, plan, filters, today=REF, offset=40, size=40)
        whole = rank_page(session, plan, filters, today=REF, offset=0, size=80)
    ids = [h.id for h in first.ranking.hits] + [h.id for h in second.ranking.hits]
    assert len(ids) == len(set(ids))
    assert set(ids) == {h.id for h in whole.ranking.hits}


# -- dedup against the workspace ---------------------------------------------------------------------------


def test_people_already_in_the_workspace_or_suppressed_are_left_out_and_counted(fresh: IndexEnv) -> None:
    query = "sales people in Germany"
    top = search(fresh, query, limit=5).hits
    people = fresh.by_id()
    lead_person, blocked, erased = (people[h.id] for h in top[:3])
    with fresh.db.transaction() as session:
        session.add(Lead(workspace_id=fresh.workspace_id, full_name=lead_person["full_name"],
                         linkedin_id=lead_person["linkedin_id"], linkedin_key=lead_person["linkedin_id"],
                         created_at=fresh.db.clock.now()))
        suppress(session, fresh.workspace_id, "domain", blocked["company_domain"], "blocklist")
        suppress(session, fresh.workspace_id, "linkedin", erased["linkedin_id"], "erasure")
    result = search(fresh, query, limit=5)
    shown = {h.id for h in result.hits}
    assert not shown & {lead_person["id"], blocked["id"], erased["id"]}
    excluded = result.excluded.as_dict()
    assert excluded["already_leads"] == 1
    assert excluded["suppressed_by_reason"]["erasure"] == 1 and excluded["suppressed_by_reason"]["blocklist"] >= 1
    assert len(result.hits) == 5


# -- bad queries ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "the of and", "x" * 10_000, "20-10 employees",
                                  "'); DROP TABLE leads; --", "CEOs at companies with fewer than 1 employee"])
def test_bad_descriptions_give_a_clear_message(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_query(text)
    assert str(caught.value)


@pytest.mark.parametrize("text", ['founders "of', "engineers NEAR(sales", "sales* people", "heads of sales OR 1=1",
                                  "posted about pipeline) OR (x", "CTOs in Germany ^title:x", "marketing 'people' --"])
def test_query_syntax_characters_in_a_description_are_only_words(fresh: IndexEnv, text: str) -> None:
    try:
        filters = parse_query(text).filters
    except ValidationError:
        return  # a clear message is fine too
    search(fresh, filters)  # no database error


@pytest.mark.parametrize("field", ["titles", "posted_about", "keywords"])
@pytest.mark.parametrize("value", ['"', "*", "NEAR(a b)", "'); DROP TABLE index_people; --", "a:b", "x OR y",
                                   "-", "^title", "c++ & c#"])
def test_syntax_characters_in_edited_filters_are_refused_or_harmless(fresh: IndexEnv, field: str, value: str) -> None:
    try:
        filters = SearchFilters.from_dict({field: [value], "functions": ["sales"]})
    except ValidationError:
        return
    result = search(fresh, filters)
    assert result.total >= 0
    assert index_stats(fresh.db, fresh.workspace_id)["people"] == PEOPLE  # nothing was dropped or changed


def test_a_title_of_only_punctuation_matches_nothing_and_says_so(fresh: IndexEnv) -> None:
    plan = build_plan(fresh.db.engine.dialect.name, fresh.workspace_id, SearchFilters(titles=("&",)), REF)
    assert plan.empty
    result = search(fresh, SearchFilters(titles=("&",)))
    assert result.total == 0 and not result.hits


def test_contradictory_filters_are_refused_before_searching() -> None:
    with pytest.raises(ValidationError):
        SearchFilters.from_dict({"size_min": 500, "size_max": 20})
    with pytest.raises(ValidationError):
        parse_query("sales people in Germany but not in Germany")


# -- metering and the command ----------------------------------------------------------------------------


def test_a_preview_costs_two_credits_and_stops_when_the_budget_is_spent(fresh: IndexEnv) -> None:
    filters = parse_query("sales people in Germany").filters
    result = preview(fresh.db, fresh.workspace_id, filters, limit=5, today=REF)
    assert result.credits == 2
    with fresh.db.transaction() as session:
        entries = session.scalars(select(UsageEntry).where(UsageEntry.workspace_id == fresh.workspace_id)).all()
        assert [(e.kind, e.credits) for e in entries] == [("preview", 2)]
        session.get(Workspace, fresh.workspace_id).credit_budget = 3  # type: ignore[union-attr]
    with pytest.raises(BudgetSpent):
        preview(fresh.db, fresh.workspace_id, filters, limit=5, today=REF)


def test_the_command_prints_the_parse_the_results_and_the_total(fresh: IndexEnv, tmp_path: Path) -> None:
    runner = CliRunner()
    with use_runtime(fresh.rt):
        shown = runner.invoke(app, ["search", "sales people in Germany", "--limit", "3"])
        assert shown.exit_code == 0, shown.output
        assert "Read as" in shown.output and "Function: Sales" in shown.output and "(sample)" in shown.output
        parsed = runner.invoke(app, ["search", "parse", "sales people in Germany", "--json"])
        edited = parsed.stdout.replace('"DE"', '"AT"')
        (tmp_path / "f.json").write_text(edited)
        again = runner.invoke(app, ["search", "--filters", str(tmp_path / "f.json"), "--json"])
        assert again.exit_code == 0, again.output
        import json

        data = json.loads(again.stdout)
        people = fresh.by_id()
        assert data["preview"]["hits"] and all(people[h["id"]]["country"] == "AT" for h in data["preview"]["hits"])
        empty = runner.invoke(app, ["search", "the of and"])
        assert empty.exit_code == 1 and "nothing to search for" in empty.output


def test_past_the_count_cap_candidates_come_newest_first_and_still_match(fresh: IndexEnv) -> None:
    """Over COUNT_CAP matches the pool is the most recent ones, read along the date index (no full sort)."""
    people = fresh.by_id()
    for query, column in (("sales people", "last_post_on"), ("sales leaders new in role", "role_started_on")):
        filters = parse_query(query).filters
        plan = choose_order(build_plan(fresh.db.engine.dialect.name, fresh.workspace_id, filters, REF), capped=True)
        with fresh.db.sessions() as session:
            first = rank_page(session, plan, filters, today=REF, offset=0, size=60)
            again = rank_page(session, plan, filters, today=REF, offset=0, size=60)
            ids = [row for row, _ in candidates(session, plan, 0, 60)]
        assert [h.id for h in first.ranking.hits] == [h.id for h in again.ranking.hits]
        assert first.ranking.hits and all(matches(people[h.id], filters, today=REF) for h in first.ranking.hits)
        with fresh.db.sessions() as session:
            dates = [people[r["id"]][column] or "" for r in load_records(session, ids).values()]
        newest = sorted((people[p][column] or "" for p in people if matches(people[p], filters, today=REF)),
                        reverse=True)[:60]
        assert sorted(dates, reverse=True) == newest
