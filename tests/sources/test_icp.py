"""The ICP parser: plain-language descriptions read as filters, shown back, editable; bad queries refused."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from outboard.cli import app
from outboard.core.errors import ValidationError
from outboard.sources.icp import (
    ParseResult,
    QueryParser,
    RuleBasedParser,
    SearchFilters,
    describe,
    filters_json_schema,
    parse_query,
    summary,
)


def parse(text: str) -> SearchFilters:
    return parse_query(text).filters


def test_the_reference_example_reads_as_every_filter_it_names() -> None:
    f = parse("heads of sales at Series A fintech startups in Germany, 20–200 people")
    assert f.seniorities == ("head",) and f.functions == ("sales",)
    assert f.industries == ("fintech",) and f.funding_stages == ("series_a",) and f.countries == ("DE",)
    assert (f.size_min, f.size_max) == (20, 200)
    assert not f.keywords and f.exclude.is_empty()


@pytest.mark.parametrize(("query", "expected"), [
    ("VPs of Engineering at SaaS companies", {"seniorities": ("vp",), "functions": ("engineering",),
                                              "industries": ("saas",)}),
    ("CFOs in the DACH region", {"seniorities": ("c_level",), "functions": ("finance",), "regions": ("DACH",)}),
    ("founders of e-commerce startups in the Nordics", {"titles": ("founder",), "industries": ("ecommerce",),
                                                        "regions": ("Nordics",)}),
    ("engineering managers in Berlin or München", {"seniorities": ("manager",), "cities": ("Berlin", "Munich")}),
    ("account executives in the US", {"titles": ("account executive",), "countries": ("US",)}),
    ("heads of sales who work with us", {"countries": (), "keywords": ()}),
    ("HR directors at companies with more than 500 employees", {"seniorities": ("director",), "functions": ("hr",),
                                                               "size_min": 501, "size_max": None}),
    ("SaaS companies with 50+ employees", {"size_min": 50, "size_max": None}),
    ("startups between 10 and 50 employees", {"size_min": 10, "size_max": 50}),
    ("agencies with fewer than 20 employees", {"industries": ("marketing_agency",), "size_max": 19}),
    ("small companies", {"size_min": None, "size_max": 50}),
    ("enterprise companies in France", {"size_min": 1001, "countries": ("FR",)}),
    ("10k+ employees", {"size_min": 10_000}),
    ("Series A or B", {"funding_stages": ("series_a", "series_b")}),
    ("Series A-C healthtech", {"funding_stages": ("series_a", "series_b", "series_c")}),
    ("seed-stage edtech", {"funding_stages": ("seed",), "industries": ("edtech",)}),
    ("companies that recently raised", {"raised_within_days": 180}),
    ("companies that raised money in the last 3 months", {"raised_within_days": 90}),
    ("people who posted about pipeline recently", {"posted_about": ("pipeline",), "posted_within_days": 30}),
    ("posted about pipeline or forecasting in the last 2 weeks", {"posted_about": ("pipeline", "forecasting"),
                                                                  "posted_within_days": 14}),
    ("sales leaders new in role", {"seniorities": ("c_level", "vp", "head", "director"), "new_in_role_days": 90}),
    ("companies hiring engineers", {"hiring_for": ("engineering",), "functions": ()}),
    ("heads of sales at companies hiring SDRs", {"functions": ("sales",), "hiring_for": ("sales",)}),
    ("fintechs that are hiring", {"hiring_for": ("any",)}),
    ("Kubernetes consultants", {"titles": ("consultant",), "keywords": ("kubernetes",)}),
])
def test_plain_language_reads_as_filters(query: str, expected: dict) -> None:
    f = parse(query)
    for name, value in expected.items():
        assert getattr(f, name) == value, (name, f.to_dict())


@pytest.mark.parametrize(("query", "excluded"), [
    ("heads of marketing, not agencies", {"industries": ("marketing_agency",)}),
    ("product managers excluding consultants", {"titles": ("consultant",), "industries": ("consulting",)}),
    ("marketing people, no interns", {"seniorities": ("intern",)}),
    ("engineers in Europe except France", {"countries": ("FR",)}),
    ("sales directors outside the US", {"countries": ("US",)}),
    ("non-agency marketers", {"industries": ("marketing_agency",)}),
    ("excluding France, Spain and Italy, marketing people", {"countries": ("FR", "ES", "IT")}),
    ("no CEOs or CTOs, engineers in Poland", {"titles": ("ceo", "cto")}),
    ("fintech, no crypto", {"keywords": ("crypto",)}),
])
def test_exclusions_are_read_with_their_scope(query: str, excluded: dict) -> None:
    f = parse(query)
    for name, value in excluded.items():
        assert getattr(f.exclude, name) == value, (name, f.to_dict())


def test_a_negation_ends_at_a_new_clause() -> None:
    f = parse("no CEOs or CTOs, engineers in Poland")
    assert f.functions == ("engineering",) and f.countries == ("PL",) and not f.exclude.functions
    f = parse("no interns, in Germany")
    assert f.countries == ("DE",) and not f.exclude.countries


def test_words_it_does_not_know_become_ranking_keywords() -> None:
    f = parse("data engineers who know Snowflake and dbt in Berlin")
    assert f.titles == ("data engineer",) and f.cities == ("Berlin",)
    assert set(f.keywords) >= {"snowflake", "dbt"}


def test_capitals_decide_ambiguous_place_names() -> None:
    assert parse("marketing leads in the US").countries == ("US",)
    assert parse("Polish engineers").countries == ("PL",)
    assert parse("engineers who polish code").countries == ()


@pytest.mark.parametrize("query", ["", "   ", "\x00\x01", "x" * 10_240, "word " * 2500, "the and of with a",
                                   "who are they", '"', "*", "NEAR(", "NEAR(a b)", "🚀🚀", "'); DROP TABLE leads;--",
                                   "SELECT * FROM people", "x' OR '1'='1", "1; DELETE FROM leads", "--", "(((("])
def test_bad_queries_are_clear_validation_errors(query: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_query(query)
    assert caught.value.field == "query" and str(caught.value)


@pytest.mark.parametrize(("query", "field"), [
    ("20-10 people", "company_size"),
    ("50+ employees with fewer than 20 employees", "company_size"),
    ("Germany but not Germany", "countries"),
    ("fintechs but not fintechs", "industries"),
    ("DACH except DACH", "regions"),
    ("in Germany but not in the DACH region", "countries"),
    ("bootstrapped companies that recently raised", "funding_stages"),
])
def test_contradictory_queries_name_the_field(query: str, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_query(query)
    assert caught.value.field == field


def test_query_syntax_characters_are_read_as_plain_words() -> None:
    f = parse('"head of sales" * NEAR(fintech) AND Berlin -- OR')
    assert f.seniorities == ("head",) and f.functions == ("sales",) and f.industries == ("fintech",)
    assert f.cities == ("Berlin",) and not f.keywords


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_filters_or_a_validation_error(text: str) -> None:
    try:
        result = parse_query(text)
    except ValidationError:
        return
    assert isinstance(result.filters, SearchFilters)
    assert SearchFilters.from_dict(result.filters.to_dict()) == result.filters


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["heads", "of", "sales", "not", "agencies", "in", "Germany", "20-200", "people",
                                 "Series", "A", "recently", "raised", "hiring", "engineers", ",", "posted", "about",
                                 "pipeline", "no", "interns", "50+", "employees", "except", "France", "DACH"]),
                max_size=14))
def test_word_salad_of_known_words_never_breaks_the_parser(words: list[str]) -> None:
    with contextlib.suppress(ValidationError):
        parse_query(" ".join(words))


def test_the_parse_is_shown_back_in_plain_words() -> None:
    f = parse("heads of sales at Series A fintech startups in Germany, 20–200 people, not agencies")
    lines = describe(f)
    assert "Seniority: Head of" in lines and "Function: Sales" in lines and "Located in: Germany" in lines
    assert "Company size: 20–200 employees" in lines and "Excluding: Marketing agencies" in lines
    assert summary(f).startswith("Head of · Sales · Fintech · Germany")
    dach = describe(parse("CFOs in DACH"))
    assert "Located in: DACH (Germany, Austria, Switzerland)" in dach


def test_filters_round_trip_through_json_and_edits_are_validated() -> None:
    f = parse("heads of sales in Germany posting about pipeline, not agencies")
    assert SearchFilters.from_json(f.to_json()) == f
    edited = f.to_dict() | {"countries": ["Germany", "at"], "seniorities": ["VP"], "size_min": "20"}
    g = SearchFilters.from_dict(edited)
    assert g.countries == ("DE", "AT") and g.seniorities == ("vp",) and g.size_min == 20


@pytest.mark.parametrize(("data", "field"), [
    ({"seniorities": ["boss"]}, "seniorities"),
    ({"industries": "crypto"}, "industries"),
    ({"countries": ["Atlantis"]}, "countries"),
    ({"size_min": -5}, "size_min"),
    ({"size_min": 200, "size_max": 20}, "company_size"),
    ({"size_max": "many"}, "size_max"),
    ({"keywords": ['pipeline" OR 1=1']}, "keywords"),
    ({"titles": ["head*"]}, "titles"),
    ({"exclude": {"industries": ["agencies"]}}, "exclude.industries"),
    ({"exclude": {"size_min": 3}}, "exclude.size_min"),
    ({"colour": ["blue"]}, "colour"),
    ({"functions": [1]}, "functions"),
    ({"exclude": []}, "exclude"),
    ({"industries": ["fintech"], "exclude": {"industries": ["fintech"]}}, "industries"),
])
def test_hand_edited_filters_with_mistakes_name_the_field(data: dict, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        SearchFilters.from_dict(data)
    assert caught.value.field == field


def test_bad_json_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="filters"):
        SearchFilters.from_json("{not json")
    with pytest.raises(ValidationError, match="filters"):
        SearchFilters.from_json("[1, 2]")


def test_the_json_schema_lists_every_field_and_the_closed_vocabularies() -> None:
    schema = filters_json_schema()
    assert set(schema["properties"]) == set(SearchFilters().to_dict())
    assert "series_a" in schema["properties"]["funding_stages"]["items"]["enum"]
    json.dumps(schema)


class _ModelParser:
    """Stands in for an LLM endpoint: it answers with JSON filters, or fails like a network call."""

    def __init__(self, answer: dict | None = None, error: Exception | None = None):
        self.name, self.answer, self.error = "llm", answer, error

    def parse(self, query: str) -> ParseResult:
        if self.error:
            raise self.error
        return ParseResult(query, SearchFilters.from_dict(self.answer), self.name)


def test_an_llm_parser_plugs_in_and_the_rules_answer_when_it_fails() -> None:
    good = _ModelParser({"functions": ["sales"], "countries": ["DE"]})
    assert isinstance(good, QueryParser) and isinstance(RuleBasedParser(), QueryParser)
    result = parse_query("Vertriebsleiter in Deutschland", good)
    assert result.parser == "llm" and result.filters.countries == ("DE",)
    down = parse_query("heads of sales in Germany", _ModelParser(error=ConnectionError("refused")))
    assert down.parser == "rules" and down.filters.functions == ("sales",) and "llm parser failed" in down.notes[0]
    invalid = parse_query("heads of sales", _ModelParser({"seniorities": ["boss"]}))
    assert invalid.parser == "rules" and invalid.filters.seniorities == ("head",)


def test_the_cli_prints_the_parse_and_its_json() -> None:
    runner = CliRunner()
    shown = runner.invoke(app, ["search", "parse", "heads of sales in Germany, not agencies"])
    assert shown.exit_code == 0 and "Seniority: Head of" in shown.output
    as_json = runner.invoke(app, ["search", "parse", "--json", "CFOs", "in", "DACH"])
    data = json.loads(as_json.output)
    assert data["filters"]["regions"] == ["DACH"] and data["filters"]["functions"] == ["finance"]
    bad = runner.invoke(app, ["search", "parse", "20-10 people"])
    assert bad.exit_code == 1 and "company_size" in bad.output
    # The preview itself (`outboard search "…"`) needs a prospect index: tests/sources/test_search.py.
