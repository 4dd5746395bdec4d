"""MX lookup against the dnslib server on loopback."""

from __future__ import annotations

import time

import dns.asyncquery
import dns.message

from outboard.enrich.verifier import Reason
from outboard.enrich.verifier.mxlookup import MxResolver

from .conftest import MAIN, World


async def test_mx_hosts_come_sorted_by_preference(world: World) -> None:
    lookup = await MxResolver(world.config()).lookup("order.test")
    assert lookup.ok and not lookup.implicit
    assert [(h.preference, h.name) for h in lookup.hosts] == [
        (10, "a.order.test"), (20, "b.order.test"), (30, "c.order.test")]
    assert lookup.hosts[0].addresses == (MAIN,)


async def test_max_mx_hosts_limits_how_many_are_resolved(world: World) -> None:
    lookup = await MxResolver(world.config(max_mx_hosts=2)).lookup("order.test")
    assert [h.name for h in lookup.hosts] == ["a.order.test", "b.order.test"]


async def test_no_mx_falls_back_to_the_domain_address(world: World) -> None:
    lookup = await MxResolver(world.config()).lookup("implicit.test")
    assert lookup.ok and lookup.implicit
    assert lookup.hosts[0].name == "implicit.test" and lookup.hosts[0].addresses == (MAIN,)


async def test_problems_are_named(world: World) -> None:
    resolver = MxResolver(world.config())
    expected = {
        "nothere.test": Reason.DOMAIN_NOT_FOUND,
        "nomail.test": Reason.NO_MAIL_SERVER,
        "nullmx.test": Reason.NULL_MX,
        "lostmx.test": Reason.NO_MAIL_SERVER,
        "broken.test": Reason.DNS_ERROR,
    }
    for domain, reason in expected.items():
        lookup = await resolver.lookup(domain)
        assert not lookup.ok and lookup.problem is reason, (domain, lookup)
        assert lookup.detail


async def test_a_silent_dns_server_times_out_within_the_bound(world: World) -> None:
    started = time.monotonic()
    lookup = await MxResolver(world.config(dns_timeout=0.3)).lookup("slowdns.test")
    assert lookup.problem is Reason.DNS_TIMEOUT
    assert time.monotonic() - started < 1.5


async def test_each_domain_is_asked_once_per_batch(world: World) -> None:
    resolver = MxResolver(world.config())
    for _ in range(5):
        assert (await resolver.lookup("ACME.test")).ok
    assert resolver.queries == 2  # MX, then the A record of its one host


async def test_the_server_also_answers_over_tcp(world: World) -> None:
    query = dns.message.make_query("acme.test", "MX")
    response = await dns.asyncquery.tcp(query, "127.0.0.1", port=world.dns.port, timeout=2)
    assert [r.to_text() for r in response.answer[0]] == ["10 mx.acme.test."]
