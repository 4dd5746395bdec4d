"""Everything the verifier can be told, with defaults that are polite to real mail servers."""

from __future__ import annotations

import dataclasses
import socket
from dataclasses import dataclass, field
from typing import Any

from outboard.core.errors import ConfigError


@dataclass(frozen=True)
class VerifierConfig:
    # DNS: None = the system resolver (/etc/resolv.conf); an IP address = ask that server directly.
    dns_server: str | None = None
    dns_port: int = 53
    dns_timeout: float = 5.0  # whole lifetime of one DNS question, retries included

    # SMTP identity and target port (a real MX listens on 25; test servers anywhere).
    smtp_port: int = 25
    helo_name: str = field(default_factory=socket.gethostname)
    mail_from: str | None = None  # None: verify@<helo_name>; "" sends the null sender <>

    # Time bounds.
    connect_timeout: float = 10.0
    command_timeout: float = 15.0  # waiting for any one reply
    address_timeout: float = 90.0  # one address, all conversations and retry waits included

    # Greylisting and other 4xx: wait this long before each new attempt (so len() = retries).
    retry_delays: tuple[float, ...] = (15.0, 45.0)

    # Concurrency: per MX host first (what the remote side feels), then overall.
    max_concurrency: int = 100
    per_host_connections: int = 5
    per_host_rate: float = 5.0  # new connections per second per MX host (token bucket); 0 = unlimited
    per_host_burst: int = 5
    # One connection checks up to this many addresses, one RCPT TO each, in one MAIL FROM transaction
    # (RFC 5321 §4.5.3.1.8: servers take at least 100 recipients); 1 = a new connection per address.
    addresses_per_connection: int = 20
    idle_timeout: float = 5.0  # an unused open connection is closed (QUIT) after this long
    dns_concurrency: int = 64
    host_failure_limit: int = 3  # consecutive network failures before a host is skipped for the batch

    max_mx_hosts: int = 3  # how many MX hosts (by preference) are tried when one cannot be reached
    catch_all_probe: bool = True
    allow_test_domains: bool = False  # accept the reserved `.test` TLD (tests and the offline demo)

    def __post_init__(self) -> None:
        positive = ("dns_timeout", "connect_timeout", "command_timeout", "address_timeout", "idle_timeout")
        for name in positive:
            if getattr(self, name) <= 0:
                raise ConfigError(f"verifier {name} must be more than 0 seconds")
        for name in ("max_concurrency", "per_host_connections", "per_host_burst", "dns_concurrency",
                     "max_mx_hosts", "host_failure_limit", "addresses_per_connection"):
            if getattr(self, name) < 1:
                raise ConfigError(f"verifier {name} must be at least 1")
        if not 0 < self.smtp_port < 65536 or not 0 < self.dns_port < 65536:
            raise ConfigError("verifier ports must be between 1 and 65535")
        if any(delay < 0 for delay in self.retry_delays):
            raise ConfigError("verifier retry_delays cannot be negative")
        if not self.helo_name or any(c.isspace() for c in self.helo_name):
            raise ConfigError("verifier helo_name must be one host name without spaces")
        object.__setattr__(self, "retry_delays", tuple(float(d) for d in self.retry_delays))

    @property
    def sender(self) -> str:
        """The reverse-path sent in MAIL FROM (without angle brackets)."""
        return f"verify@{self.helo_name}" if self.mail_from is None else self.mail_from

    def replace(self, **changes: Any) -> VerifierConfig:
        return dataclasses.replace(self, **changes)
