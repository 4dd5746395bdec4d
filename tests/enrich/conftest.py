"""Real servers on loopback for the verifier tests: one dnslib DNS server and one aiosmtpd "MX" that
stands in for several hosts (127.0.0.1 … .4), shared by the whole session and reset between tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from outboard.devservers.dns import DnsServer, DnsZone
from outboard.devservers.mx import ConnectAction, DomainBehaviour, HostBehaviour, MxServer, RcptAction
from outboard.enrich.verifier import VerifierConfig

MAIN, BUSY_HOST, HELO_ONLY_HOST, STALL_HOST, DEAD_HOST = (
    "127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.9")  # .9: nothing listens

MANY_DOMAINS = [f"co{n:02d}.test" for n in range(40)]

DOMAINS: dict[str, DomainBehaviour] = {
    "acme.test": DomainBehaviour.mailboxes("jane", "j.doe", "bob.smith", "jörg"),
    "catchall.test": DomainBehaviour.accept_all(),
    "grey.test": DomainBehaviour.mailboxes("bob", greylist=True),
    "greycatch.test": DomainBehaviour.accept_all(greylist=True),
    "close.test": DomainBehaviour.acting(RcptAction.CLOSE),
    "stall.test": DomainBehaviour.acting(RcptAction.STALL),
    "busy.test": DomainBehaviour.acting(RcptAction.BUSY),
    "limit.test": DomainBehaviour.acting(RcptAction.RATE_LIMIT),
    "policy.test": DomainBehaviour.acting(RcptAction.POLICY),
    "implicit.test": DomainBehaviour.mailboxes("ann"),
    "fallback.test": DomainBehaviour.mailboxes("ann"),
    "busyprimary.test": DomainBehaviour.mailboxes("ann"),
    "oldserver.test": DomainBehaviour.mailboxes("ann"),
    "münchen.test": DomainBehaviour.mailboxes("max"),
    "finder.test": DomainBehaviour.mailboxes("j.doe", "maria.garcia", "jose.muller"),
    "finderde.test": DomainBehaviour.mailboxes("jose.mueller"),
    **{d: DomainBehaviour.mailboxes("user1", "user2") for d in MANY_DOMAINS},
}


def build_zone() -> DnsZone:
    zone = DnsZone()
    plain = [d for d in DOMAINS if d not in ("implicit.test", "fallback.test", "busyprimary.test",
                                              "oldserver.test", "stallgreet.test")]
    for domain in plain:
        zone.mail_domain(domain, f"mx.{domain}", MAIN)
    zone.add_a("implicit.test", MAIN)  # no MX: RFC 5321 implicit MX
    zone.add_mx("fallback.test", (10, "dead.fallback.test"), (20, "backup.fallback.test"))
    zone.add_a("dead.fallback.test", DEAD_HOST).add_a("backup.fallback.test", MAIN)
    zone.add_mx("busyprimary.test", (5, "mx1.busyprimary.test"), (10, "mx2.busyprimary.test"))
    zone.add_a("mx1.busyprimary.test", BUSY_HOST).add_a("mx2.busyprimary.test", MAIN)
    zone.mail_domain("oldserver.test", "mx.oldserver.test", HELO_ONLY_HOST)
    zone.mail_domain("stallgreet.test", "mx.stallgreet.test", STALL_HOST)
    zone.mail_domain("refused.test", "mx.refused.test", DEAD_HOST)
    zone.add_mx("order.test", (30, "c.order.test"), (10, "a.order.test"), (20, "b.order.test"))
    for host in ("a", "b", "c"):
        zone.add_a(f"{host}.order.test", MAIN)
    zone.add_null_mx("nullmx.test")
    zone.add_empty("nomail.test")  # exists, no MX, no A
    zone.add_mx("lostmx.test", (10, "ghost.lostmx.test"))  # MX host without an address
    zone.add_timeout("slowdns.test")
    zone.add_servfail("broken.test")
    return zone


@dataclass
class World:
    dns: DnsServer
    mx: MxServer

    def config(self, **overrides: object) -> VerifierConfig:
        base: dict[str, object] = dict(
            dns_server="127.0.0.1", dns_port=self.dns.port, smtp_port=self.mx.port, helo_name="verifier.test",
            mail_from="check@verifier.test", allow_test_domains=True, dns_timeout=0.4, connect_timeout=0.5,
            command_timeout=0.4, address_timeout=4.0, retry_delays=(0.05, 0.05), per_host_rate=0.0,
        )
        base.update(overrides)
        return VerifierConfig(**base)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def servers() -> Iterator[World]:
    hosts = {
        BUSY_HOST: HostBehaviour(on_connect=ConnectAction.BUSY),
        HELO_ONLY_HOST: HostBehaviour(ehlo=False),
        STALL_HOST: HostBehaviour(on_connect=ConnectAction.STALL),
    }
    with DnsServer(build_zone(), tcp=True) as dns, \
            MxServer(DOMAINS, hosts=(MAIN, BUSY_HOST, HELO_ONLY_HOST, STALL_HOST), host_behaviours=hosts) as mx:
        yield World(dns, mx)


@pytest.fixture
def world(servers: World) -> World:
    servers.mx.reset()
    return servers
