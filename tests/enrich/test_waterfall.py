"""The profile waterfall against two local enrichment APIs: order and stop rule, merging and conflicts,
the cache, the HTTP manners (429 + Retry-After, 5xx backoff, timeouts, a refused key, pagination), the
registry and the tracing switch."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import pytest

from outboard.core.enrichment import PersonQuery, ProviderContext
from outboard.db.database import Database
from outboard.devservers.enrichment_api import EnrichmentApiServer
from outboard.enrich.cache import DbAnswerCache, MemoryAnswerCache, cache_keys
from outboard.enrich.config import EnrichConfig
from outboard.enrich.providers.http import HttpPolicy, retry_after_seconds
from outboard.enrich.providers.registry import ProviderEntry, ProviderRegistry
from outboard.enrich.trace import Tracer
from outboard.enrich.waterfall import ProfileWaterfall

from .enrich_setup import KEY, http_provider, person, unique_id

pytest_plugins = ["tests.enrich.enrich_fixtures"]  # its fixtures: apis, mail

Apis = tuple[EnrichmentApiServer, EnrichmentApiServer]


def _query(first: str, last: str, domain: str) -> PersonQuery:
    return PersonQuery(workspace_id=1, full_name=f"{first} {last}", first_name=first, last_name=last,
                       company_domain=domain)


def _waterfall(apis: Apis, cache: object | None = None, **kw: object) -> ProfileWaterfall:
    alpha, beta = apis
    return ProfileWaterfall([http_provider("alpha", alpha), http_provider("beta", beta)],
                            cache or MemoryAnswerCache(), **kw)  # type: ignore[arg-type]


def _world(apis: Apis) -> tuple[str, PersonQuery]:
    """Jane is known to both: alpha has her role and company, beta her posts, skills and another title."""
    alpha, beta = apis
    domain = f"{unique_id()}.test"
    alpha.add_person(person("Jane", "Doe", domain=domain, company="Acme", title="VP Sales"))
    beta.add_person(person("Jane", "Doe", domain=domain, company="Acme", title="Head of Sales",
                           skills=["negotiation", "forecasting"]),
                    posts=[{"text": "We hired five AEs", "published_at": "2026-02-20", "type": "post"}])
    return domain, _query("Jane", "Doe", domain)


def test_the_first_provider_that_fills_the_wanted_fields_is_the_last_one_asked(apis: Apis) -> None:
    _alpha, beta = apis
    _, query = _world(apis)
    result = _waterfall(apis).run(query, {"full_name": "Jane Doe"}, ("title", "company.name"), ["k1"])
    assert result.asked == ["alpha"] and beta.count() == 0
    assert result.filled["title"] == ("VP Sales", "alpha") and result.missing == []


def test_later_providers_fill_gaps_and_disagreements_become_conflicts(apis: Apis) -> None:
    _, query = _world(apis)
    current = {"full_name": "Jane Doe", "seniority": "director"}  # the lead's own data wins too
    result = _waterfall(apis).run(query, current, ("title", "posts", "skills"), ["k2"])
    assert result.asked == ["alpha", "beta"]
    assert result.filled["title"] == ("VP Sales", "alpha")
    assert result.filled["skills"] == (["negotiation", "forecasting"], "beta")
    assert result.filled["posts"][0][0]["text"] == "We hired five AEs"
    conflicts = {(c.path, c.value, c.provider) for c in result.conflicts}
    assert ("title", "Head of Sales", "beta") in conflicts
    assert ("seniority", "vp", "alpha") in conflicts
    assert "seniority" not in result.filled


def test_answers_come_from_the_cache_the_second_time(apis: Apis, db: Database) -> None:
    alpha, beta = apis
    _, query = _world(apis)
    cache = DbAnswerCache(db, timedelta(days=90))
    keys = cache_keys(7, query)
    first = _waterfall(apis, cache).run(query, {}, ("posts", "title"), keys)
    calls = alpha.count() + beta.count()
    second = _waterfall(apis, cache).run(query, {}, ("posts", "title"), keys)
    assert first.calls == 2 and second.calls == 0 and second.cache_hits == 2
    assert alpha.count() + beta.count() == calls
    assert second.filled == first.filled
    # A person nobody knows is an answer too: asked once per provider, then cached.
    stranger = _query("Nobody", "Known", "nowhere.test")
    _waterfall(apis, cache).run(stranger, {}, ("title",), cache_keys(7, stranger))
    before = alpha.count() + beta.count()
    again = _waterfall(apis, cache).run(stranger, {}, ("title",), cache_keys(7, stranger))
    assert again.calls == 0 and alpha.count() + beta.count() == before and again.missing == ["title"]


def test_a_lead_that_gained_an_identity_still_finds_its_cached_answers(apis: Apis) -> None:
    _, query = _world(apis)
    cache = MemoryAnswerCache()
    _waterfall(apis, cache).run(query, {}, ("title",), cache_keys(1, query))
    richer = PersonQuery(**{**query.__dict__, "linkedin_id": "jane-doe"})
    result = _waterfall(apis, cache).run(richer, {}, ("title",), cache_keys(1, richer))
    assert result.calls == 0 and result.filled["title"][0] == "VP Sales"


def test_429_waits_for_retry_after(apis: Apis) -> None:
    alpha, _ = apis
    _, query = _world(apis)
    alpha.rate_limit(times=1, retry_after=1)
    started = time.monotonic()
    result = _waterfall(apis).run(query, {}, ("title",), [])
    assert time.monotonic() - started >= 0.95
    assert result.filled["title"][0] == "VP Sales" and alpha.count("/people/match") == 2


def test_5xx_is_retried_with_backoff_then_given_up(apis: Apis) -> None:
    alpha, _beta = apis
    _, query = _world(apis)
    alpha.fail_next(503, times=2)
    assert _waterfall(apis).run(query, {}, ("title",), []).filled["title"] == ("VP Sales", "alpha")
    assert alpha.count("/people/match") == 3
    alpha.reset()
    alpha.fail_next(500, times=10)
    result = _waterfall(apis).run(query, {}, ("title",), [])
    assert "alpha" in result.unavailable and "500" in result.unavailable["alpha"]
    assert alpha.count("/people/match") == 3  # max_attempts
    assert result.filled["title"] == ("Head of Sales", "beta")  # the next provider still answers


def test_a_slow_provider_is_bounded_by_the_timeout(apis: Apis) -> None:
    alpha, _ = apis
    _, query = _world(apis)
    alpha.slow_next(1.5, times=5)
    slow = HttpPolicy(timeout=0.2, max_attempts=2, backoff=0.01, deadline=5.0)
    waterfall = ProfileWaterfall([http_provider("alpha", alpha, policy=slow)], MemoryAnswerCache())
    started = time.monotonic()
    result = waterfall.run(query, {}, ("title",), ["slow"])
    assert time.monotonic() - started < 1.4  # well before the server's 1.5 s answer
    assert "timed out" in result.unavailable["alpha"] and result.missing == ["title"]


def test_a_refused_key_is_not_tried_again_in_the_same_run(apis: Apis) -> None:
    alpha, beta = apis
    _, query = _world(apis)
    from outboard.enrich.providers.http_profile import HttpProfileProvider

    refused = HttpProfileProvider("alpha", alpha.base_url, "wrong-key")
    wrong = ProfileWaterfall([refused, http_provider("beta", beta)], MemoryAnswerCache())
    first = wrong.run(query, {}, ("title",), [])
    second = wrong.run(_query("Jane", "Doe", "other.test"), {}, ("title",), [])
    assert "refused our API key" in first.unavailable["alpha"] and "alpha" in second.unavailable
    assert alpha.count("/people/match") == 1
    assert first.filled["title"][1] == "beta"


def test_posts_are_read_page_by_page_up_to_the_limit(apis: Apis) -> None:
    alpha, _ = apis
    domain = f"{unique_id()}.test"
    posts = [{"text": f"post {n}", "published_at": f"2026-02-{28 - n:02d}", "type": "post"} for n in range(25)]
    alpha.add_person(person("Max", "Busy", domain=domain, company="Busy"), posts=posts)
    facts = http_provider("alpha", alpha, max_posts=20).lookup(_query("Max", "Busy", domain))
    assert facts is not None
    assert [p["text"] for p in facts.fields["posts"]] == [f"post {n}" for n in range(20)]
    assert alpha.count("/people/per_") == 2  # two pages of ten


def test_retry_after_reads_seconds_and_http_dates() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("Mon, 02 Mar 2026 08:00:30 GMT", now) == 30.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_registry_builds_the_configured_order_and_skips_what_is_missing(apis: Apis,
                                                                        caplog: pytest.LogCaptureFixture) -> None:
    alpha, beta = apis
    config = EnrichConfig(providers=("index", "http_profile", "beta", "nonesuch"), provider_options={
        "http_profile": {"url": alpha.base_url, "api_key": KEY},
        "beta": {"target": "outboard.enrich.providers.http_profile:HttpProfileProvider", "url": beta.base_url,
                 "api_key": KEY}})
    caplog.set_level(logging.INFO, logger="outboard.enrich.providers.registry")
    chain = ProviderRegistry().build("profile", config.providers, config=config, workspace_id=1)
    index_there = _index_installed()
    assert chain.names == (["index"] if index_there else []) + ["http_profile", "beta"]
    assert "nonesuch" in chain.skipped
    if not index_there:
        assert chain.skipped["index"] == "outboard.sources.index.provider is not installed (yet)"
        assert "profile provider 'index' skipped: outboard.sources.index.provider is not installed" in caplog.text
    unconfigured = ProviderRegistry().build("profile", ("http_profile",), config=EnrichConfig(), workspace_id=1)
    assert unconfigured.providers == [] and unconfigured.skipped == {"http_profile": "not configured"}
    for provider in chain.providers:
        getattr(provider, "close", lambda: None)()


def test_a_plugin_registered_under_a_default_name_replaces_it(apis: Apis) -> None:
    alpha, _ = apis
    registry = ProviderRegistry()
    registry.register(ProviderEntry("index", "profile", "outboard.enrich.providers.http_profile:HttpProfileProvider"))
    config = EnrichConfig(providers=("index",), provider_options={"index": {"url": alpha.base_url, "api_key": KEY}})
    chain = registry.build("profile", config.providers, config=config, workspace_id=1)
    assert chain.names == ["index"]
    chain.providers[0].close()


def test_the_tracing_switch_logs_every_provider_call(apis: Apis, caplog: pytest.LogCaptureFixture) -> None:
    _, query = _world(apis)
    caplog.set_level(logging.INFO, logger="outboard.enrich.trace")
    _waterfall(apis, tracer=Tracer(True)).run(query, {}, ("posts",), ["trace-key"])
    lines = [r.getMessage() for r in caplog.records if r.name == "outboard.enrich.trace"]
    assert len(lines) == 2
    assert lines[0].startswith("profile provider=alpha key=trace-key outcome=found")
    assert "provider=beta" in lines[1]
    caplog.clear()
    _waterfall(apis, tracer=Tracer(False)).run(query, {}, ("posts",), ["trace-key-2"])
    assert not [r for r in caplog.records if r.name == "outboard.enrich.trace"]


def test_provider_context_reaches_the_factory(apis: Apis) -> None:
    alpha, _ = apis
    context = ProviderContext(name="mine", workspace_id=3, options={"url": alpha.base_url, "api_key": KEY})
    from outboard.enrich.providers.http_profile import HttpProfileProvider

    provider = HttpProfileProvider.from_context(context)
    assert provider is not None and provider.name == "mine"
    provider.close()


def _index_installed() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("outboard.sources.index.provider") is not None
    except ModuleNotFoundError:
        return False
