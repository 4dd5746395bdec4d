"""The demo's outside world, on loopback: a DNS server, the prospects' mail servers (some mailboxes exist,
some domains accept everything, some reject everyone), the sender's outgoing relay that keeps every sent
mail as an .eml file, and the sender's IMAP mailbox where replies arrive.

These are the same protocol servers the tests use; the product code talks to them exactly as it would
to the internet, only the addresses differ.
"""

from __future__ import annotations

import hashlib
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from outboard.devservers.dns import DnsServer, DnsZone
from outboard.devservers.imap import ImapServer
from outboard.devservers.mx import DomainBehaviour, MxServer
from outboard.enrich.finder import candidates

SENDER_DOMAIN = "outboard-demo.test"
SENDER_ADDRESS = f"sam@{SENDER_DOMAIN}"
SENDER_PASSWORD = "demo-mailbox-password"
PATTERNS = ("first.last", "flast", "firstlast")


def domain_kind(domain: str) -> str:
    """How a prospect's company mail server behaves, fixed per domain: most know their people, some
    accept any address (catch-all: unverifiable), some have moved away (every address bounces)."""
    bucket = int(hashlib.sha256(domain.encode()).hexdigest(), 16) % 20
    return "catch_all" if bucket < 3 else "gone" if bucket < 5 else "mailboxes"


@dataclass
class DemoWorld:
    folder: Path
    dns_zone: DnsZone = field(default_factory=DnsZone)
    stack: ExitStack = field(default_factory=ExitStack)
    dns: DnsServer | None = None
    prospects_mx: MxServer | None = None
    relay: MxServer | None = None
    mailbox: ImapServer | None = None
    kinds: dict[str, str] = field(default_factory=dict)

    def start(self) -> DemoWorld:
        self.dns = self.stack.enter_context(DnsServer(self.dns_zone))
        self.prospects_mx = self.stack.enter_context(MxServer(default=None))
        sent = self.folder / "sent-mail"
        sent.mkdir(parents=True, exist_ok=True)
        self.relay = self.stack.enter_context(MxServer.sink(eml_dir=sent))
        self.mailbox = self.stack.enter_context(ImapServer({SENDER_ADDRESS: SENDER_PASSWORD}))
        # The sender's own domain publishes SPF, DKIM and DMARC, as the readiness check expects.
        self.dns_zone.add_txt(SENDER_DOMAIN, "v=spf1 ip4:127.0.0.1 -all")
        self.dns_zone.add_txt(f"_dmarc.{SENDER_DOMAIN}", "v=DMARC1; p=quarantine; rua=mailto:dmarc@" + SENDER_DOMAIN)
        self.dns_zone.add_txt(f"outboard._domainkey.{SENDER_DOMAIN}", "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOC")
        return self

    def close(self) -> None:
        self.stack.close()

    @property
    def dns_address(self) -> str:
        assert self.dns is not None
        return f"127.0.0.1:{self.dns.port}"

    def add_company(self, domain: str, people: list[tuple[str, str]], kind: str | None = None) -> str:
        """Publish the company's MX and decide its behaviour (`kind`, else fixed by the domain's hash);
        `people` are (first, last) of its staff."""
        assert self.prospects_mx is not None
        kind = self.kinds.setdefault(domain, kind or domain_kind(domain))
        self.dns_zone.mail_domain(domain, f"mx.{domain}", "127.0.0.1")
        if kind == "catch_all":
            self.prospects_mx.add_domain(domain, DomainBehaviour.accept_all())
        elif kind == "gone":
            self.prospects_mx.add_domain(domain, DomainBehaviour.mailboxes())
        else:
            # Each person's mailbox follows the company's pattern (the finder has to discover it).
            pattern = PATTERNS[int(hashlib.sha256(domain.encode()).hexdigest(), 16) % len(PATTERNS)]
            users = []
            for first, last in people:
                options = {c.pattern: c.local_part for c in candidates(first, last, domain)}
                if pattern in options:
                    users.append(options[pattern])
            self.prospects_mx.add_domain(domain, DomainBehaviour.mailboxes(*users))
        return kind
