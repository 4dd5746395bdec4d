"""The sample-data generator: deterministic, realistic enough to search, marked as sample everywhere."""

from __future__ import annotations

import hashlib
import json
import statistics
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from outboard.core.errors import ValidationError
from outboard.sources.icp.vocab import FUNCTIONS, FUNDING_STAGES, INDUSTRIES, SENIORITIES, VENTURE_STAGES
from outboard.sources.sample import (
    SampleGenerator,
    SampleSpec,
    person_json,
    read_records,
    record_columns,
    write_records,
    write_sample,
)

REF = date(2026, 1, 15)


@pytest.fixture(scope="module")
def world() -> tuple[list[dict], list[dict]]:
    gen = SampleGenerator(SampleSpec(people=6000, seed=3, reference_date=REF))
    return list(gen.people()), list(gen.companies())


def _digest(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


def test_the_same_seed_writes_byte_identical_files(tmp_path: Path) -> None:
    spec = SampleSpec(people=1500, seed=7, reference_date=REF)
    for fmt in ("jsonl", "csv", "parquet"):
        write_sample(tmp_path / f"a-{fmt}", spec, fmt)
        write_sample(tmp_path / f"b-{fmt}", spec, fmt)
        assert _digest(tmp_path / f"a-{fmt}") == _digest(tmp_path / f"b-{fmt}")
    write_sample(tmp_path / "other", SampleSpec(people=1500, seed=8, reference_date=REF), "jsonl")
    assert _digest(tmp_path / "other") != _digest(tmp_path / "a-jsonl")


def test_iterating_twice_and_regenerating_give_the_same_records() -> None:
    gen = SampleGenerator(SampleSpec(people=2500, companies=500, seed=5, reference_date=REF))
    first = list(gen.people())
    assert first == list(gen.people())
    fewer = SampleGenerator(SampleSpec(people=1000, companies=500, seed=5, reference_date=REF))
    assert first[:1000] == list(fewer.people())  # chunks are seeded on their own: a prefix is a prefix


def test_the_fast_jsonl_line_is_exactly_the_json_of_the_record() -> None:
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    for person in SampleGenerator(SampleSpec(people=3000, seed=9, reference_date=REF)).people():
        assert person_json(person) == encode(person)


def test_dates_come_from_the_reference_date_not_the_clock() -> None:
    a = next(iter(SampleGenerator(SampleSpec(people=10, seed=1, reference_date=date(2020, 6, 1))).people()))
    b = next(iter(SampleGenerator(SampleSpec(people=10, seed=1, reference_date=date(2020, 6, 11))).people()))
    shift = date.fromisoformat(b["role_started_on"]) - date.fromisoformat(a["role_started_on"])
    assert shift == timedelta(days=10)


def test_every_record_is_marked_as_sample_and_uses_the_documented_columns(world) -> None:
    people, companies = world
    assert all(p["is_sample"] is True and p["record_type"] == "person" for p in people)
    assert all(c["is_sample"] is True and c["record_type"] == "company" for c in companies)
    assert list(people[0]) == record_columns("person")
    assert list(companies[0]) == record_columns("company")


def test_counts_ids_and_links_are_consistent(world) -> None:
    people, companies = world
    assert len(people) == 6000 and len(companies) == 1200
    by_id = {c["id"]: c for c in companies}
    assert len(by_id) == len(companies)
    assert len({p["id"] for p in people}) == len(people)
    assert len({p["linkedin_id"] for p in people}) == len(people)
    assert len({c["domain"] for c in companies}) == len(companies)
    for p in people:
        company = by_id[p["company_id"]]
        assert (p["company_name"], p["company_domain"]) == (company["name"], company["domain"])
        assert p["positions"][0]["company"] == company["name"] and p["positions"][0]["ended_on"] is None


def test_values_come_from_the_shared_vocabularies_and_timezones_exist(world) -> None:
    people, companies = world
    assert {p["seniority"] for p in people} == set(SENIORITIES)
    assert {p["function"] for p in people} == set(FUNCTIONS)
    assert {c["industry"] for c in companies} <= set(INDUSTRIES)
    assert {c["funding_stage"] for c in companies} <= set(FUNDING_STAGES)
    for zone in {p["timezone"] for p in people} | {c["timezone"] for c in companies}:
        ZoneInfo(zone)


def test_nothing_is_dated_after_the_reference_date(world) -> None:
    people, companies = world
    ref = REF.isoformat()
    for p in people:
        dates = [p["role_started_on"], *(x["posted_on"] for x in p["posts"])]
        dates += [d for pos in p["positions"] for d in (pos["started_on"], pos["ended_on"]) if d]
        assert max(dates) <= ref
        for earlier, later in zip(p["positions"][1:], p["positions"], strict=False):
            assert earlier["ended_on"] <= later["started_on"]
        posted = [x["posted_on"] for x in p["posts"]]
        assert posted == sorted(posted, reverse=True)
    for c in companies:
        assert all(m["happened_on"] <= ref for m in c["milestones"])


def test_distributions_look_like_a_prospect_database(world) -> None:
    people, companies = world
    n = len(people)
    seniority = Counter(p["seniority"] for p in people)
    assert 0.15 < seniority["ic"] / n < 0.35 and 0.03 < seniority["c_level"] / n < 0.12
    assert 0.01 < seniority["intern"] / n < 0.06
    assert 0.12 < Counter(p["function"] for p in people)["sales"] / n < 0.25
    sizes = [c["size"] for c in companies]
    assert 15 <= statistics.median(sizes) <= 80 and max(sizes) > 2000  # long tail
    assert sum(s <= 10 for s in sizes) > 0.1 * len(sizes)
    new_in_role = sum(p["role_started_on"] >= (REF - timedelta(days=90)).isoformat() for p in people)
    assert 0.06 < new_in_role / n < 0.14
    funded = [c for c in companies if c["funding_stage"] in VENTURE_STAGES]
    assert 0.2 < len(funded) / len(companies) < 0.6
    recent = sum(c["last_funding_on"] >= (REF - timedelta(days=90)).isoformat() for c in funded)
    assert 0.08 < recent / len(funded) < 0.25
    assert all(c["milestones"] for c in funded) and all(c["funding_total_usd"] for c in funded)
    assert 0.2 < sum(bool(c["hiring_for"]) for c in companies) / len(companies) < 0.7
    assert 0.5 < sum(bool(p["posts"]) for p in people) / n < 0.8
    countries = Counter(p["country"] for p in people)
    assert len(countries) >= 25 and countries.most_common(1)[0][0] == "US"


def test_names_match_their_places(world) -> None:
    people, _ = world
    japanese = [p for p in people if p["country"] == "JP"]
    assert japanese and sum(p["last_name"] in {"Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito",
                                               "Yamamoto", "Nakamura", "Kobayashi", "Kato"} for p in japanese) > 0
    polish_women = [p for p in people if p["last_name"].endswith("ska")]
    assert polish_women and not any(p["last_name"].endswith("ski") and p["first_name"] in ("Anna", "Katarzyna")
                                    for p in people if p["country"] == "PL")
    german_share = sum(p["last_name"] in _GERMAN for p in people if p["country"] == "DE") / \
        max(1, sum(p["country"] == "DE" for p in people))
    assert german_share > 0.5


_GERMAN = {"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
           "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
           "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Schmitz", "Krause", "Meier",
           "Lehmann", "Huber", "Kaiser", "Fuchs", "Peters", "Lang", "Scholz", "Möller", "Weiß", "Jung", "Hahn",
           "Vogel", "Friedrich", "Keller", "Günther", "Frank", "Berger", "Winkler", "Roth", "Beck", "Lorenz",
           "Baumann", "Graf", "Albrecht", "Brandt", "Haas", "Vogt", "Engel", "Sommer", "Seidel", "Gruber",
           "Steiner", "Brunner", "Moser"}


def test_posts_are_about_the_person_s_work_and_new_hires_announce_it(world) -> None:
    people, _ = world
    sales_topics = Counter(x["topic"] for p in people if p["function"] == "sales" for x in p["posts"])
    assert sales_topics.most_common(1)[0][0] in {"pipeline", "quota", "outbound", "cold calling", "sales enablement",
                                                 "forecasting", "discovery calls", "sales hiring", "negotiation",
                                                 "deal desk", "MEDDIC", "territory planning", "new role"}
    for p in people:
        for post in p["posts"]:
            assert post["topic"] == "new role" or post["topic"] in post["text"]
    announced = [p for p in people if any(x["topic"] == "new role" for x in p["posts"])]
    assert announced and all(p["role_started_on"] >= (REF - timedelta(days=90)).isoformat() for p in announced)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_every_file_format_reads_back_to_the_same_records(tmp_path: Path, fmt: str) -> None:
    gen = SampleGenerator(SampleSpec(people=400, seed=2, reference_date=REF))
    people, companies = list(gen.people()), list(gen.companies())
    assert write_records(tmp_path / f"people.{fmt}", iter(people), "person") == 400
    assert write_records(tmp_path / f"companies.{fmt}", iter(companies), "company") == 80
    assert list(read_records(tmp_path / f"people.{fmt}")) == people
    assert list(read_records(tmp_path / f"companies.{fmt}")) == companies


def test_bad_specs_and_formats_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="people"):
        SampleGenerator(SampleSpec(people=-1))
    with pytest.raises(ValidationError, match="format"):
        write_sample(tmp_path, SampleSpec(people=5), "xlsx")
    with pytest.raises(ValidationError, match="kind"):
        write_records(tmp_path / "x.jsonl", iter([]), "lead")
