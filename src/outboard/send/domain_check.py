"""Sender-domain authentication for the readiness check: SPF, DKIM and DMARC records in DNS."""

from __future__ import annotations

import dns.exception
import dns.resolver

# Selectors the common mail providers and tools publish DKIM keys under; a domain using another
# selector can name it in the account's connection settings.
COMMON_DKIM_SELECTORS = ("default", "google", "selector1", "selector2", "s1", "s2", "k1", "mail", "dkim", "outboard")


def _resolver(nameserver: str | None) -> dns.resolver.Resolver:
    if not nameserver:
        resolver = dns.resolver.Resolver()
    else:
        host, _, port = nameserver.rpartition(":") if ":" in nameserver else (nameserver, "", "53")
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [host]
        resolver.port = int(port)
    resolver.lifetime = 5.0
    return resolver


def _txt(resolver: dns.resolver.Resolver, name: str) -> list[str]:
    try:
        answer = resolver.resolve(name, "TXT")
    except (dns.exception.DNSException, OSError):
        return []
    return [b"".join(record.strings).decode(errors="replace") for record in answer]


def check_domain(domain: str, nameserver: str | None = None,
                 selectors: tuple[str, ...] = COMMON_DKIM_SELECTORS) -> dict[str, bool]:
    """{"spf": …, "dkim": …, "dmarc": …}: whether each record is published for `domain`."""
    resolver = _resolver(nameserver)
    spf = any(t.lower().startswith("v=spf1") for t in _txt(resolver, domain))
    dmarc = any(t.lower().startswith("v=dmarc1") for t in _txt(resolver, f"_dmarc.{domain}"))
    dkim = any("p=" in t for s in selectors for t in _txt(resolver, f"{s}._domainkey.{domain}"))
    return {"spf": spf, "dkim": dkim, "dmarc": dmarc}
