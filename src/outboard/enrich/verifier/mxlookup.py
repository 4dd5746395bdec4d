"""Where mail for a domain goes: MX records by preference, with the RFC 5321 §5.1 address fallback."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import dns.asyncresolver
import dns.exception
import dns.nameserver
import dns.rdatatype
import dns.resolver

from outboard.enrich.verifier.config import VerifierConfig
from outboard.enrich.verifier.result import Reason


@dataclass(frozen=True)
class MailHost:
    name: str  # lowercase, no trailing dot
    preference: int
    addresses: tuple[str, ...]  # IPv4 first, IPv6 only when there is no IPv4


@dataclass(frozen=True)
class MxLookup:
    domain: str
    hosts: tuple[MailHost, ...] = ()
    implicit: bool = False  # no MX record: the domain itself is the mail host
    problem: Reason | None = None  # set when no host can be used
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.problem is None and bool(self.hosts)


class _Failure(Exception):
    def __init__(self, reason: Reason, detail: str):
        super().__init__(detail)
        self.reason, self.detail = reason, detail


def make_resolver(config: VerifierConfig) -> dns.asyncresolver.Resolver:
    if config.dns_server is None:
        resolver = dns.asyncresolver.Resolver()
    else:
        resolver = dns.asyncresolver.Resolver(configure=False)
        resolver.nameservers = [dns.nameserver.Do53Nameserver(config.dns_server, config.dns_port)]
    resolver.lifetime = config.dns_timeout
    resolver.timeout = min(resolver.timeout, config.dns_timeout)
    resolver.cache = None  # the batch keeps its own per-domain results
    return resolver


class MxResolver:
    """DNS answers for one verification batch; each domain and host is asked once."""

    def __init__(self, config: VerifierConfig):
        self._config = config
        self._resolver = make_resolver(config)
        self._gate = asyncio.Semaphore(config.dns_concurrency)
        self._domains: dict[str, asyncio.Task[MxLookup]] = {}
        self._hosts: dict[str, asyncio.Task[tuple[str, ...]]] = {}
        self.queries = 0

    async def lookup(self, domain: str) -> MxLookup:
        """`domain` in ASCII (punycode) form."""
        key = domain.lower().rstrip(".")
        task = self._domains.get(key)
        if task is None:
            task = self._domains[key] = asyncio.ensure_future(self._lookup(key))
        return await asyncio.shield(task)  # one caller's cancellation must not cancel the shared lookup

    async def _lookup(self, domain: str) -> MxLookup:
        try:
            records = await self._mx_records(domain)
        except _Failure as failure:
            return MxLookup(domain, problem=failure.reason, detail=failure.detail)
        if records is None:  # RFC 5321 §5.1: no MX at all → the domain's own A/AAAA is an implicit MX
            try:
                addresses = await self._host_addresses(domain)
            except _Failure as failure:
                return MxLookup(domain, problem=failure.reason, detail=failure.detail)
            if not addresses:
                return MxLookup(domain, problem=Reason.NO_MAIL_SERVER,
                                detail=f"{domain} has no MX record and no address to deliver to")
            return MxLookup(domain, (MailHost(domain, 0, addresses),), implicit=True,
                            detail="no MX record; using the domain's own address (RFC 5321 §5.1)")
        if any(name == "" for _, name in records):
            return MxLookup(domain, problem=Reason.NULL_MX,
                            detail=f"{domain} publishes a null MX (RFC 7505): it accepts no mail")
        chosen = records[: self._config.max_mx_hosts]
        results = await asyncio.gather(*(self._resolve_host(name) for _, name in chosen),
                                       return_exceptions=True)
        hosts: list[MailHost] = []
        failures: list[_Failure] = []
        for (preference, name), result in zip(chosen, results, strict=True):
            if isinstance(result, _Failure):
                failures.append(result)
            elif isinstance(result, BaseException):
                raise result
            elif result:
                hosts.append(MailHost(name, preference, result))
        if hosts:
            return MxLookup(domain, tuple(hosts))
        transient = [f for f in failures if f.reason in (Reason.DNS_TIMEOUT, Reason.DNS_ERROR)]
        if transient:
            return MxLookup(domain, problem=transient[0].reason,
                            detail=f"the MX hosts of {domain} could not be resolved: {transient[0].detail}")
        names = ", ".join(name for _, name in chosen)
        return MxLookup(domain, problem=Reason.NO_MAIL_SERVER,
                        detail=f"the MX hosts of {domain} ({names}) have no address")

    async def _mx_records(self, domain: str) -> list[tuple[int, str]] | None:
        """Sorted (preference, host) pairs; None when the domain exists without MX records."""
        try:
            answer = await self._query(domain, "MX")
        except dns.resolver.NXDOMAIN:
            raise _Failure(Reason.DOMAIN_NOT_FOUND, f"the domain {domain} does not exist (NXDOMAIN)") from None
        except dns.resolver.NoAnswer:
            return None
        records = {(int(r.preference), r.exchange.to_text(omit_final_dot=True).lower()) for r in answer}
        # "." (the root) is the null MX; dnspython renders it as "" once the final dot is dropped
        records = {(pref, "" if name in ("", ".") else name) for pref, name in records}
        return sorted(records)  # by preference, then name: stable and easy to reason about

    async def _resolve_host(self, name: str) -> tuple[str, ...]:
        task = self._hosts.get(name)
        if task is None:
            task = self._hosts[name] = asyncio.ensure_future(self._host_addresses(name))
        return await asyncio.shield(task)

    async def _host_addresses(self, name: str) -> tuple[str, ...]:
        for rtype in ("A", "AAAA"):  # IPv6 only when there is no IPv4: loopback and most MXs are v4
            try:
                answer = await self._query(name, rtype)
            except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
                continue
            addresses = tuple(sorted({r.address for r in answer}))
            if addresses:
                return addresses
        return ()

    async def _query(self, name: str, rtype: str) -> dns.resolver.Answer:
        async with self._gate:
            self.queries += 1
            try:
                return await self._resolver.resolve(name, rtype, search=False)
            except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
                raise
            except dns.exception.Timeout:
                raise _Failure(Reason.DNS_TIMEOUT,
                               f"no DNS answer for {name} {rtype} within {self._config.dns_timeout:g}s") from None
            except dns.resolver.NoNameservers:
                raise _Failure(Reason.DNS_ERROR, f"the DNS server failed to answer {name} {rtype} "
                               "(SERVFAIL or refused)") from None
            except dns.exception.DNSException as exc:
                raise _Failure(Reason.DNS_ERROR, f"DNS error for {name} {rtype}: {exc}") from None
            except OSError as exc:
                raise _Failure(Reason.DNS_ERROR, f"cannot reach the DNS server: {exc}") from None
