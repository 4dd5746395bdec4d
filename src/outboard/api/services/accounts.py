"""Sender account checks for Settings → Sender accounts and the API: the SMTP connection test (connect
and log in, send nothing) and the sender domain's SPF, DKIM and DMARC records."""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass

from outboard.core.errors import ValidationError
from outboard.db.models import SenderAccount
from outboard.runtime import Runtime
from outboard.send.accounts import smtp_settings
from outboard.send.channels.email_smtp import SmtpChannel, SmtpSettings
from outboard.send.domain_check import check_domain
from outboard.send.launch import DnsCheck

TEST_TIMEOUT = 10.0  # seconds: a person is waiting for the answer


@dataclass(frozen=True)
class ConnectionReport:
    ok: bool
    detail: str


@dataclass(frozen=True)
class DnsReport:
    domain: str
    spf: bool
    dkim: bool
    dmarc: bool

    @property
    def missing(self) -> list[str]:
        return [name.upper() for name in ("spf", "dkim", "dmarc") if not getattr(self, name)]


async def _check(settings: SmtpSettings) -> object:
    async with SmtpChannel(settings) as channel:
        return await channel.check()


def connection_test(rt: Runtime, account: SenderAccount) -> ConnectionReport:
    """Log in to the account's SMTP server. Runs in the request's worker thread (routes are sync)."""
    if account.kind != "email":
        raise ValidationError("account", "only email accounts have a connection to test; LinkedIn accounts "
                                         "with manual tasks need none")
    settings = dataclasses.replace(smtp_settings(account, rt.secrets), timeout=TEST_TIMEOUT)
    problem = asyncio.run(_check(settings))
    if problem is None:
        return ConnectionReport(True, f"connected to {settings.host}:{settings.port} and logged in")
    reason = getattr(problem, "reason", None) or type(problem).__name__
    return ConnectionReport(False, f"{type(problem).__name__}: {reason}")


def dns_report(rt: Runtime, account: SenderAccount) -> DnsReport:
    """The account's domain in DNS (the verifier's DNS server when one is configured)."""
    if account.kind != "email":
        raise ValidationError("account", "only email accounts have a sending domain")
    domain = account.address.rpartition("@")[2]
    found = check_domain(domain, rt.settings.verify_dns_server)
    return DnsReport(domain, found["spf"], found["dkim"], found["dmarc"])


def dns_checker(rt: Runtime) -> DnsCheck:
    """The readiness check's `dns_check`, asking the configured DNS server."""
    return lambda domain: check_domain(domain, rt.settings.verify_dns_server)
