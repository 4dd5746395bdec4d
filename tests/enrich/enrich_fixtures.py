"""The enrichment tests' servers, as fixtures (loaded with `pytest_plugins`): a mail world (DNS + MX on
loopback) and two local enrichment APIs, started once per session and reset for each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from outboard.devservers.dns import DnsServer, DnsZone
from outboard.devservers.enrichment_api import EnrichmentApiServer
from outboard.devservers.mx import MxServer
from tests.enrich.enrich_setup import KEY, MAIL_DOMAINS, MailWorld


@pytest.fixture(scope="session")
def mail_servers() -> Iterator[MailWorld]:
    zone = DnsZone()
    for domain in MAIL_DOMAINS:
        zone.mail_domain(domain, f"mx.{domain}", "127.0.0.1")
    with DnsServer(zone, tcp=True) as dns, MxServer(MAIL_DOMAINS) as mx:
        yield MailWorld(dns, mx)


@pytest.fixture
def mail(mail_servers: MailWorld) -> MailWorld:
    mail_servers.mx.reset()
    return mail_servers


@pytest.fixture(scope="session")
def api_servers() -> Iterator[tuple[EnrichmentApiServer, EnrichmentApiServer]]:
    with EnrichmentApiServer(api_key=KEY) as alpha, EnrichmentApiServer(api_key=KEY) as beta:
        yield alpha, beta


@pytest.fixture
def apis(api_servers: tuple[EnrichmentApiServer, EnrichmentApiServer]) -> tuple[EnrichmentApiServer,
                                                                                 EnrichmentApiServer]:
    for server in api_servers:
        server.reset()
        server.on_request = None
    return api_servers
