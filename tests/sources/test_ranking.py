"""Discovery ranking over a generated index with known ground truth: precision, exclusions, determinism,
fit signals that say why, and the text and semantic scores."""

from __future__ import annotations

import random
import re
from datetime import date

import numpy as np
import pytest

from outboard.sources.icp import Exclusions, SearchFilters, parse_query
from outboard.sources.ranking import (
    HashedNgramEmbedder,
    Matcher,
    ago,
    bm25,
    default_embedder,
    explain,
    join_companies,
    matches,
    rank,
)
from outboard.sources.sample import SampleGenerator, SampleSpec
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
from tests.sources.index_fixtures import REF

# Each query with the ground truth it implies, written against the generated fields (not the parser's filters).
QUERIES: dict[str, Truth] = {
    "heads of sales at Series A fintech startups in Germany, 20–200 people":
        lambda p, c: p["seniority"] == "head" and p["function"] == "sales" and c["industry"] == "fintech"
        and c["funding_stage"] == "series_a" and p["country"] == "DE" and 20 <= c["size"] <= 200,
    "heads of sales at fintech companies":
        lambda p, c: p["seniority"] == "head" and p["function"] == "sales" and c["industry"] == "fintech",
    "VPs of Engineering at SaaS companies":
        lambda p, c: p["seniority"] == "vp" and p["function"] == "engineering" and c["industry"] == "saas",
    "marketing directors in France":
        lambda p, c: p["seniority"] == "director" and p["function"] == "marketing" and p["country"] == "FR",
    "CFOs in the DACH region":
        lambda p, c: p["seniority"] == "c_level" and p["function"] == "finance" and p["country"] in DACH,
    "customer success managers at companies with 50+ employees":
        lambda p, c: "customer success manager" in p["title"].lower() and c["size"] >= 50,
    "founders of e-commerce or retail companies":
        lambda p, c: founder(p) and c["industry"] in ("ecommerce", "retail"),
    "engineering managers in Berlin, Munich or Hamburg":
        lambda p, c: p["seniority"] == "manager" and p["function"] == "engineering"
        and p["city"] in ("Berlin", "Munich", "Hamburg"),
    "people who posted about pipeline in the last 30 days":
        lambda p, c: posted(p, "pipeline", 30),
    "sales leaders new in role":
        lambda p, c: p["function"] == "sales" and p["seniority"] in LEADERS and p["role_started_on"] >= since(90),
    "data scientists in India or the UK":
        lambda p, c: "data scientist" in p["title"].lower() and p["country"] in ("IN", "GB"),
    "heads of marketing at companies that recently raised, not agencies":
        lambda p, c: p["seniority"] == "head" and p["function"] == "marketing" and last_raise(c) >= since(180)
        and c["industry"] != "marketing_agency",
    "HR directors at companies with more than 500 employees":
        lambda p, c: p["seniority"] == "director" and p["function"] == "hr" and c["size"] > 500,
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
    "heads of data at large companies":
        lambda p, c: p["seniority"] == "head" and p["function"] == "data" and c["size"] > 1000,
    "marketing people in the Nordics, no interns":
        lambda p, c: p["function"] == "marketing" and p["country"] in NORDICS and p["seniority"] != "intern",
    "Salesforce experts":
        lambda p, c: "salesforce" in text_of(p),
    "engineers who posted about Kubernetes":
        lambda p, c: p["function"] == "engineering" and posted(p, "kubernetes"),
    "seed-stage founders":
        lambda p, c: founder(p) and c["funding_stage"] == "seed",
    "CEOs in the US, not in New York":
        lambda p, c: p["seniority"] == "c_level" and p["function"] == "general_management" and p["country"] == "US"
        and p["city"] != "New York",
    "account executives at cybersecurity companies":
        lambda p, c: "account executive" in p["title"].lower() and c["industry"] == "cybersecurity",
}


@pytest.fixture(scope="module")
def people() -> list[dict]:
    gen = SampleGenerator(SampleSpec(people=20_000, seed=2026, reference_date=REF))
    companies = {c["id"]: c for c in gen.companies()}
    return list(join_companies(gen.people(), companies))


@pytest.fixture(scope="module")
def answers(people: list[dict]) -> dict[str, int]:
    return {q: sum(truth(p, p["company"]) for p in people) for q, truth in QUERIES.items()}


@pytest.mark.parametrize("query", list(QUERIES))
def test_the_top_25_are_what_the_query_asks_for(people: list[dict], answers: dict[str, int], query: str) -> None:
    truth = QUERIES[query]
    result = rank(people, parse_query(query).filters, today=REF, limit=25)
    good = sum(truth(h.record, h.record["company"]) for h in result.hits)
    assert len(result.hits) >= min(25, answers[query])  # nothing the query asks for is lost
    if result.hits:
        assert good / len(result.hits) >= 0.9, (query, good, len(result.hits))


def test_the_set_covers_enough_queries_with_real_answers(answers: dict[str, int]) -> None:
    assert len(QUERIES) >= 15 and sum(n >= 10 for n in answers.values()) >= 15


@pytest.mark.parametrize(("query", "excluded"), [
    ("heads of marketing, not agencies", lambda p, c: c["industry"] == "marketing_agency"),
    ("product managers, excluding consultants",
     lambda p, c: c["industry"] == "consulting" or "consultant" in p["title"].lower()),
    ("marketing people, no interns", lambda p, c: p["seniority"] == "intern"),
    ("engineers in Europe except France", lambda p, c: p["country"] == "FR"),
    ("sales directors outside the US", lambda p, c: p["country"] == "US"),
    ("no CEOs or CTOs, people at Series A companies", lambda p, c: bool(re.search(r"\b(ceo|cto)\b|chief (executive|"
                                                                                  r"technology)", p["title"].lower()))),
])
def test_exclusions_remove_every_match(people: list[dict], query: str, excluded: Truth) -> None:
    matcher = Matcher(parse_query(query).filters, REF)
    passing = [p for p in people if matcher(p)]
    assert passing and not [p for p in passing if excluded(p, p["company"])]


def test_the_same_query_gives_the_same_results_in_any_candidate_order(people: list[dict]) -> None:
    filters = parse_query("sales people at companies hiring engineers posting about pipeline").filters
    first = rank(people, filters, today=REF, limit=25, embedder=HashedNgramEmbedder())
    shuffled = people[:]
    random.Random(4).shuffle(shuffled)
    again = rank(shuffled, filters, today=REF, limit=25, embedder=HashedNgramEmbedder())
    assert [(h.id, h.score, h.signals) for h in first.hits] == [(h.id, h.score, h.signals) for h in again.hits]
    assert first.total == again.total and first.hits


def test_fit_signals_say_why_and_point_at_the_fact(people: list[dict]) -> None:
    raised = rank(people, parse_query("heads of sales at companies that recently raised").filters, today=REF)
    posting = rank(people, parse_query("sales people at companies with 10-500 employees posting about pipeline")
                   .filters, today=REF)
    assert raised.hits and posting.hits
    for hit in raised.hits + posting.hits:
        texts = [s.text for s in hit.signals]
        assert f"title matched {hit.record['title']!r} (Sales)" in " ".join(texts) or \
            f"title matched {hit.record['title']!r} (Head of, Sales)" in texts
        for signal in hit.signals:
            assert _fact(hit.record, signal.fact_path) is not None
    when = r"(today|yesterday|\d+ (days|weeks|months) ago|1 month ago)"
    for hit in raised.hits:
        assert any(re.fullmatch(rf"raised (Pre-seed|Seed|Series [A-D]\+?) {when}", s.text) for s in hit.signals)
    for hit in posting.hits:
        assert any(re.fullmatch(r"company [\d,]+ people", s.text) for s in hit.signals)
        assert any(re.fullmatch(rf"posted about 'pipeline' {when}", s.text) for s in hit.signals)


def _fact(record: dict, path: str | None) -> object:
    node: object = record
    for part in (path or "").split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]  # type: ignore[index]
    return node


def test_signals_read_like_the_reference_product() -> None:
    today = date(2026, 3, 1)
    record = {"id": "p1", "title": "Head of Sales", "seniority": "head", "function": "sales", "country": "DE",
              "city": "Berlin", "role_started_on": "2026-02-20", "skills": ["Salesforce"], "headline": "",
              "posts": [{"text": "Our pipeline review is done", "posted_on": "2026-02-23", "topic": "pipeline"}],
              "company": {"size": 45, "industry": "fintech", "funding_stage": "series_a", "hiring_for": ["sales"],
                          "hiring": [{"function": "sales", "open_roles": 3}],
                          "milestones": [{"kind": "funding", "happened_on": "2025-12-28", "round": "series_a"}]}}
    filters = SearchFilters(titles=("head of sales",), size_min=20, size_max=200, raised_within_days=180,
                            posted_about=("pipeline",), new_in_role_days=90, hiring_for=("sales",),
                            countries=("DE",), keywords=("salesforce",))
    texts = [s.text for s in explain(record, filters, today=today)]
    assert texts == ["title matched 'Head of Sales'", "based in Berlin, Germany", "company 45 people",
                     "raised Series A 2 months ago", "company hiring for Sales (3 open roles)",
                     "posted about 'pipeline' 6 days ago", "new in role: started 9 days ago",
                     "mentions 'salesforce' in skills"]


def _person(**fields: object) -> dict:
    base = {"id": "x", "title": "Head of Sales", "seniority": "head", "function": "sales", "country": "DE",
            "city": "Berlin", "region": "Berlin", "headline": "", "skills": [], "posts": [],
            "role_started_on": "2020-01-01", "company": {"size": 50, "industry": "saas", "funding_stage": "seed",
                                                         "hiring_for": [], "milestones": []}}
    return base | fields


@pytest.mark.parametrize(("filters", "record", "expected"), [
    (SearchFilters(titles=("founder",)), _person(title="Co-founder & CTO"), True),
    (SearchFilters(titles=("founder",)), _person(title="Founder's Associate"), False),
    (SearchFilters(titles=("account executive",)), _person(title="Senior Account Executives"), True),
    (SearchFilters(countries=("FR",), cities=("Berlin",)), _person(), True),  # locations: any of them
    (SearchFilters(regions=("DACH",)), _person(country="AT"), True),
    (SearchFilters(regions=("Bavaria",)), _person(region="Bavaria"), True),
    (SearchFilters(size_min=51), _person(), False),
    (SearchFilters(size_max=50), _person(), True),
    (SearchFilters(size_min=1), _person(company={}), False),  # unknown size never passes a size filter
    (SearchFilters(hiring_for=("any",)), _person(), False),
    (SearchFilters(posted_within_days=30), _person(posts=[{"text": "hi", "posted_on": "2026-01-01"}]), True),
    (SearchFilters(posted_within_days=10), _person(posts=[{"text": "hi", "posted_on": "2026-01-01"}]), False),
    (SearchFilters(posted_about=("cold calling",)),
     _person(posts=[{"text": "Cold-calling is back", "posted_on": "2025-01-01"}]), True),
    (SearchFilters(functions=("sales",), keywords=("zzz",)), _person(), True),  # keywords never filter
    (SearchFilters(functions=("sales",), exclude=Exclusions(keywords=("crypto",))), _person(headline="Crypto sales"),
     False),
])
def test_the_filter_check_follows_the_documented_semantics(filters: SearchFilters, record: dict,
                                                           expected: bool) -> None:
    assert matches(record, filters, today=REF) is expected


def test_a_database_rank_replaces_bm25_when_given(people: list[dict]) -> None:
    filters = parse_query("heads of sales at fintech companies").filters
    pool = [p for p in people if matches(p, filters, today=REF)]
    plain = [h.id for h in rank(pool, filters, today=REF, limit=len(pool), text_scores={}, prefiltered=True).hits]
    for favourite in (plain[-1], plain[len(plain) // 2]):
        boosted = rank(pool, filters, today=REF, limit=len(pool), text_scores={favourite: 9.0}, prefiltered=True)
        ids = [h.id for h in boosted.hits]
        assert ids.index(favourite) < plain.index(favourite)
        assert [h.text for h in boosted.hits if h.id == favourite] == [1.0]
        assert all(h.text == 0.0 for h in boosted.hits if h.id != favourite)


def test_bm25_prefers_the_documents_that_use_the_words() -> None:
    docs = [_person(id="a", skills=["Kubernetes", "Go"]), _person(id="b", skills=["Excel"]),
            _person(id="c", posts=[{"text": "Kubernetes and more Kubernetes", "posted_on": "2025-01-01"}])]
    scores = bm25(docs, ["kubernetes"])
    assert scores[1] == 0.0 and max(scores) == 1.0 and scores[0] > 0 and scores[2] > 0


def test_the_lexical_embedder_is_deterministic_and_sees_similar_text() -> None:
    embedder = HashedNgramEmbedder()
    a, b, c, again = embedder.embed(["head of sales pipeline", "sales pipeline lead", "kubernetes platform",
                                     "head of sales pipeline"])
    assert np.array_equal(a, again) and abs(float(np.linalg.norm(a)) - 1.0) < 1e-5
    assert float(a @ b) > float(a @ c)
    assert embedder.embed([""]).shape == (1, 512)


def test_semantic_re_ranking_only_reorders_matches(people: list[dict]) -> None:
    filters = parse_query("sales leaders in Germany").filters
    plain = rank(people, filters, today=REF, limit=10)
    semantic = rank(people, filters, today=REF, limit=10, embedder=HashedNgramEmbedder(),
                    query="enterprise sales leader building outbound pipeline")
    assert plain.total == semantic.total
    assert all(h.semantic is not None and 0.0 <= h.semantic <= 1.0 for h in semantic.hits)
    assert all(matches(h.record, filters, today=REF) for h in semantic.hits)


def test_without_the_ml_extra_the_default_embedder_is_lexical() -> None:
    pytest.importorskip("numpy")
    try:
        import sentence_transformers  # noqa: F401
    except ImportError:
        assert isinstance(default_embedder(), HashedNgramEmbedder)
    else:  # pragma: no cover - only with the [ml] extra installed
        assert default_embedder(use_model=False).name == "hashed-ngrams"


@pytest.mark.parametrize(("days", "text"), [(0, "today"), (1, "yesterday"), (6, "6 days ago"),
                                            (20, "2 weeks ago"), (61, "2 months ago"), (400, "1 year ago")])
def test_ago_reads_like_a_person_wrote_it(days: int, text: str) -> None:
    assert ago(days) == text
