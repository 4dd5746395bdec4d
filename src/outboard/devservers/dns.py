"""A small authoritative DNS server on loopback, serving a zone the caller builds in code.

It answers MX / A / AAAA / TXT, NXDOMAIN for names it does not know, NOERROR-without-data for names that
exist without the asked type (so the RFC 5321 implicit-MX fallback can be exercised), SERVFAIL, and it
can stay silent for chosen names so that resolvers time out.

    zone = DnsZone()
    zone.mail_domain("acme.test", "mx1.acme.test", "127.0.0.1")
    with DnsServer(zone) as dns:          # port 0 = any free port, see dns.port
        ...
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from dnslib import AAAA, MX, QTYPE, RCODE, RR, TXT, A, DNSError, DNSRecord
from dnslib.server import DNSHandler, DNSLogger, DNSServer

_TTL = 60


def _name(value: str) -> str:
    name = value.strip().rstrip(".").lower()
    try:  # keep IDN names in the ASCII form that travels on the wire
        return name.encode("idna").decode("ascii")
    except UnicodeError:
        return name


@dataclass
class DnsZone:
    """Records by owner name. Mutations are visible to a running server (dict/set updates are atomic)."""

    mx: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    a: dict[str, list[str]] = field(default_factory=dict)
    aaaa: dict[str, list[str]] = field(default_factory=dict)
    txt: dict[str, list[str]] = field(default_factory=dict)  # SPF, DMARC, DKIM keys
    empty: set[str] = field(default_factory=set)  # names that exist with no records at all
    timeouts: set[str] = field(default_factory=set)  # never answered
    servfail: set[str] = field(default_factory=set)

    def add_mx(self, domain: str, *exchanges: tuple[int, str]) -> DnsZone:
        self.mx.setdefault(_name(domain), []).extend((pref, _name(host)) for pref, host in exchanges)
        return self

    def add_null_mx(self, domain: str) -> DnsZone:
        """RFC 7505: `MX 0 .` says the domain accepts no mail at all."""
        self.mx[_name(domain)] = [(0, "")]
        return self

    def add_a(self, name: str, *addresses: str) -> DnsZone:
        self.a.setdefault(_name(name), []).extend(addresses)
        return self

    def add_aaaa(self, name: str, *addresses: str) -> DnsZone:
        self.aaaa.setdefault(_name(name), []).extend(addresses)
        return self

    def add_txt(self, name: str, *texts: str) -> DnsZone:
        self.txt.setdefault(_name(name), []).extend(texts)
        return self

    def add_empty(self, name: str) -> DnsZone:
        self.empty.add(_name(name))
        return self

    def add_timeout(self, name: str) -> DnsZone:
        self.timeouts.add(_name(name))
        return self

    def add_servfail(self, name: str) -> DnsZone:
        self.servfail.add(_name(name))
        return self

    def mail_domain(self, domain: str, mx_host: str, ip: str, preference: int = 10) -> DnsZone:
        """The common case: one MX host with one IPv4 address."""
        self.add_mx(domain, (preference, mx_host))
        if _name(mx_host) not in self.a:
            self.add_a(mx_host, ip)
        return self

    def exists(self, name: str) -> bool:
        return name in self.mx or name in self.a or name in self.aaaa or name in self.txt or name in self.empty


class _Silent(DNSError):
    """Raised by the resolver to send nothing back; DNSHandler swallows DNSError."""


class _ZoneResolver:
    def __init__(self, zone: DnsZone, stopping: threading.Event, hold_tcp: float):
        self.zone, self.stopping, self.hold_tcp = zone, stopping, hold_tcp
        self.queries = 0
        self._lock = threading.Lock()

    def resolve(self, request: DNSRecord, handler: DNSHandler) -> DNSRecord:
        with self._lock:
            self.queries += 1
        qname = _name(str(request.q.qname))
        qtype = QTYPE[request.q.qtype]
        zone = self.zone
        if qname in zone.timeouts:
            if handler.protocol == "tcp":  # keep the TCP connection open so the client times out
                self.stopping.wait(self.hold_tcp)
            raise _Silent("timeout domain")
        reply = request.reply()
        if qname in zone.servfail:
            reply.header.rcode = RCODE.SERVFAIL
            return reply
        if not zone.exists(qname):
            reply.header.rcode = RCODE.NXDOMAIN
            return reply
        if qtype == "MX":
            for pref, host in zone.mx.get(qname, []):
                reply.add_answer(RR(qname, QTYPE.MX, rdata=MX(host + "." if host else ".", pref), ttl=_TTL))
        elif qtype == "A":
            for ip in zone.a.get(qname, []):
                reply.add_answer(RR(qname, QTYPE.A, rdata=A(ip), ttl=_TTL))
        elif qtype == "AAAA":
            for ip in zone.aaaa.get(qname, []):
                reply.add_answer(RR(qname, QTYPE.AAAA, rdata=AAAA(ip), ttl=_TTL))
        elif qtype == "TXT":
            for text in zone.txt.get(qname, []):
                # One TXT record may hold several strings of at most 255 bytes (a DKIM key needs more).
                chunks = [text[i:i + 255] for i in range(0, len(text), 255)] or [""]
                reply.add_answer(RR(qname, QTYPE.TXT, rdata=TXT(chunks), ttl=_TTL))
        return reply  # NOERROR with no answer when the name lacks this type


class _QuietLogger(DNSLogger):
    def __init__(self) -> None:
        super().__init__(log="-recv,-send,-request,-reply,-truncated,-error,-data", prefix=False)


class DnsServer:
    """dnslib server on loopback, UDP (and TCP on the same port when `tcp=True`), in daemon threads."""

    def __init__(self, zone: DnsZone | None = None, *, host: str = "127.0.0.1", port: int = 0,
                 tcp: bool = False, hold_tcp_timeouts: float = 10.0):
        self.zone = zone if zone is not None else DnsZone()
        self.host = host
        self._requested_port = port
        self._tcp = tcp
        self._stopping = threading.Event()
        self._resolver = _ZoneResolver(self.zone, self._stopping, hold_tcp_timeouts)
        self._servers: list[DNSServer] = []
        self.port = 0

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    @property
    def queries(self) -> int:
        """How many queries were answered or dropped since start."""
        return self._resolver.queries

    def start(self) -> DnsServer:
        if self._servers:
            return self
        self._stopping.clear()
        for attempt in range(20):  # port 0 for UDP, then the same port for TCP: rarely taken, retry
            udp = DNSServer(self._resolver, address=self.host, port=self._requested_port, logger=_QuietLogger())
            port = udp.server.server_address[1]
            if not self._tcp:
                self._servers = [udp]
                break
            try:
                tcp = DNSServer(self._resolver, address=self.host, port=port, tcp=True, logger=_QuietLogger())
            except OSError:
                udp.server.server_close()
                if self._requested_port or attempt == 19:
                    raise
                continue
            self._servers = [udp, tcp]
            break
        self.port = self._servers[0].server.server_address[1]
        for server in self._servers:
            server.start_thread()
        return self

    def stop(self) -> None:
        self._stopping.set()
        for server in self._servers:
            server.stop()
            server.server.server_close()
        self._servers = []

    def __enter__(self) -> DnsServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    async def __aenter__(self) -> DnsServer:
        return self.start()

    async def __aexit__(self, *exc_info: Any) -> None:
        self.stop()


def zone_from_records(records: Iterable[tuple[str, str, str]]) -> DnsZone:
    """Build a zone from (name, type, value) triples; MX values read "10 mx1.acme.test"."""
    zone = DnsZone()
    for name, rtype, value in records:
        kind = rtype.upper()
        if kind == "MX":
            pref, host = value.split()
            zone.add_mx(name, (int(pref), host))
        elif kind == "A":
            zone.add_a(name, value)
        elif kind == "AAAA":
            zone.add_aaaa(name, value)
        else:
            raise ValueError(f"unsupported record type {rtype!r}")
    return zone
