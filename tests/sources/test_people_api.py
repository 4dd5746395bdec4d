"""The people-search API provider against the local server that speaks its documented format: pages with
cursors, 429 with Retry-After honoured, 5xx and dropped connections retried with backoff, 4xx reported
clearly; and a preview and a saved search that pull from it (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime

import pytest
from sqlalchemy import select

from outboard.core.errors import ConfigError
from outboard.db.database import Database
from outboard.db.models import FieldProvenance, Lead, SourceGroupMember, UsageEntry
from outboard.devservers.people_api import PeopleApiServer
from outboard.runtime import Runtime
from outboard.settings import Settings
from outboard.sources.icp import SearchFilters, parse_query
from outboard.sources.index.people_api import HttpPeopleSearch, PeopleApiConfig, PeopleApiError
from outboard.sources.index.preview import preview
from outboard.sources.index.saved import create_group, run_saved_search
from outboard.sources.ranking import join_companies, matches
from outboard.sources.sample import SampleGenerator, SampleSpec

REF = date(2026, 1, 15)
SALES = SearchFilters.from_dict({"functions": ["sales"]})


def records() -> list[dict]:
    generator = SampleGenerator(SampleSpec(people=400, seed=17, reference_date=REF))
    companies = {c["id"]: c for c in generator.companies()}
    return list(join_companies(generator.people(), companies))


@pytest.fixture(scope="module")
def api() -> Iterator[PeopleApiServer]:
    with PeopleApiServer(records(), today=REF) as server:
        yield server


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def provider(api: PeopleApiServer, waits: list[float]) -> Iterator[HttpPeopleSearch]:
    api.requests.clear()
    api._failures.clear()
    made = HttpPeopleSearch(PeopleApiConfig(api.base_url, api.api_key, timeout=5, max_retries=3, backoff=0.5,
                                            max_wait=30), sleep=waits.append)
    yield made
    made.close()


def test_pages_follow_the_cursor_to_the_end(api: PeopleApiServer, provider: HttpPeopleSearch) -> None:
    expected = [r["id"] for r in sorted(records(), key=lambda r: r["id"]) if matches(r, SALES, today=REF)]
    seen, cursor, pages = [], None, 0
    while True:
        page = provider.search(SALES, limit=25, cursor=cursor)
        pages += 1
        assert page.total == len(expected)
        seen += [r["id"] for r in page.records]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == expected and pages == -(-len(expected) // 25)
    first = provider.search(SALES, limit=1).records[0]
    assert first["company"]["id"] == first["company_id"] and first["_keys"][0] == first["linkedin_id"]
    assert all(r.headers.get("Authorization") == f"Bearer {api.api_key}" for r in api.requests)


def test_429_waits_as_long_as_retry_after_says(api: PeopleApiServer, provider: HttpPeopleSearch,
                                               waits: list[float]) -> None:
    api.fail_next(429, retry_after="2")
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=5), usegmt=True)
    api.fail_next(429, retry_after=later)
    page = provider.search(SALES, limit=5)
    assert len(page.records) == 5
    assert waits[0] == 2.0 and 3.0 <= waits[1] <= 5.0
    assert [r.status for r in api.requests] == [429, 429, 200]


def test_429_asking_for_too_long_a_wait_fails_at_once(api: PeopleApiServer, provider: HttpPeopleSearch,
                                                      waits: list[float]) -> None:
    api.fail_next(429, retry_after="3600")
    with pytest.raises(PeopleApiError) as caught:
        provider.search(SALES)
    assert caught.value.status == 429 and "3600 s" in str(caught.value) and waits == []


def test_5xx_and_dropped_connections_are_retried_with_backoff(api: PeopleApiServer, provider: HttpPeopleSearch,
                                                              waits: list[float]) -> None:
    api.fail_next(503)
    api.fail_next(0, drop=True)
    api.fail_next(500)
    assert provider.search(SALES, limit=3).records
    assert waits == [0.5, 1.0, 2.0]


def test_5xx_that_does_not_stop_is_reported_after_the_last_try(api: PeopleApiServer, provider: HttpPeopleSearch,
                                                               waits: list[float]) -> None:
    api.fail_next(502, times=10, message="upstream down")
    with pytest.raises(PeopleApiError) as caught:
        provider.search(SALES)
    assert "after 4 attempts" in str(caught.value) and "upstream down" in str(caught.value)
    assert len(api.requests) == 4 and waits == [0.5, 1.0, 2.0]


@pytest.mark.parametrize(("status", "code", "expected"), [
    (422, "invalid_filters", "refused the search (422 invalid_filters): size_min is too large"),
    (403, "forbidden", "check the API key"),
    (400, "invalid_cursor", "(400 invalid_cursor)"),
])
def test_4xx_is_reported_with_the_apis_words_and_not_retried(api: PeopleApiServer, provider: HttpPeopleSearch,
                                                              waits: list[float], status: int, code: str,
                                                              expected: str) -> None:
    api.fail_next(status, code=code, message="size_min is too large")
    with pytest.raises(PeopleApiError) as caught:
        provider.search(SALES)
    assert expected in str(caught.value) and caught.value.status == status
    assert len(api.requests) == 1 and waits == []


def test_a_wrong_key_and_a_foreign_cursor(api: PeopleApiServer, waits: list[float]) -> None:
    wrong = HttpPeopleSearch(PeopleApiConfig(api.base_url, "nope"), sleep=waits.append)
    with pytest.raises(PeopleApiError) as caught:
        wrong.search(SALES)
    assert caught.value.status == 401 and "check the API key" in str(caught.value)
    right = HttpPeopleSearch(PeopleApiConfig(api.base_url, api.api_key), sleep=waits.append)
    cursor = right.search(SALES, limit=5).next_cursor
    with pytest.raises(PeopleApiError) as caught:
        right.search(SearchFilters.from_dict({"functions": ["marketing"]}), cursor=cursor)
    assert "other filters" in str(caught.value)
    wrong.close()
    right.close()


def test_without_an_api_url_the_source_is_not_configured() -> None:
    with pytest.raises(ConfigError):
        PeopleApiConfig.from_settings(Settings(_env_file=None))  # type: ignore[call-arg]


def test_a_preview_can_come_from_the_api(db: Database, workspace_id: int, provider: HttpPeopleSearch) -> None:
    result = preview(db, workspace_id, parse_query("sales people in the US").filters, limit=5, today=REF,
                     provider=provider)
    assert result.source == "people_api" and len(result.hits) == 5 and result.total_kind == "exact"
    by_id = {r["id"]: r for r in records()}
    assert all(by_id[h.id]["country"] == "US" and by_id[h.id]["function"] == "sales" for h in result.hits)
    assert result.credits == 2


def test_a_saved_search_can_pull_from_the_api(rt: Runtime, db: Database, workspace_id: int, api: PeopleApiServer,
                                              provider: HttpPeopleSearch) -> None:
    filters = SALES
    group_id = create_group(db, workspace_id, "API sales", filters, 60, source="api", today=REF,
                            api={"url": api.base_url})
    api.fail_next(429, retry_after="1")
    result = run_saved_search(db, workspace_id, group_id, provider=provider)
    assert result["collected"] == 60
    with db.sessions() as session:
        sources = session.scalars(select(FieldProvenance.source).join(Lead, Lead.id == FieldProvenance.lead_id)
                                  .where(Lead.workspace_id == workspace_id)).all()
        assert len(sources) == 60 and all(s.startswith("people_api:sample-17-p") for s in sources)
        assert session.scalar(select(UsageEntry.credits).where(UsageEntry.kind == "search_result").limit(1)) == 4
        reasons = session.scalars(select(SourceGroupMember.reason)).all()
        assert all(r["kind"] == "search_fit" for r in reasons)
    again = run_saved_search(db, workspace_id, group_id, provider=provider)
    assert again["created_this_run"] == 0 and again["collected"] == 60
