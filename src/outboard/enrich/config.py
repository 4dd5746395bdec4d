"""Enrichment's configuration: which providers in which order, their options, the tracing switch, how long
answers stay current, and the verifier's settings taken from the central ones.

Every value is read from `Settings` when it has the field (OUTBOARD_ENRICH_PROVIDERS → settings.enrich_providers),
else from the environment variable of that name, else the default here. Until settings.py lists these fields,
the environment is the way in (see docs/enrichment.md, "Configuration").
"""

from __future__ import annotations

import ipaddress
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from outboard.core.errors import ConfigError
from outboard.enrich.verifier import VerifierConfig

PREFIX = "OUTBOARD_"
_TRUE = {"1", "true", "yes", "on"}


def parse_dns_server(value: str) -> tuple[str, int]:
    """"1.2.3.4", "1.2.3.4:5353", "[::1]:53" or "::1" → (address, port). ValueError when it is not that."""
    text = value.strip()
    host, port = text, 53
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest:
            if not rest.startswith(":"):
                raise ValueError(value)
            port = int(rest[1:])
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
        port = int(port_text)
    ipaddress.ip_address(host)  # the DNS server must be an address: a name would need DNS itself
    if not 0 < port < 65536:
        raise ValueError(value)
    return host, port


# (setting name, EnrichConfig field, how to read it); the environment variable is OUTBOARD_ + upper case.
_READ: tuple[tuple[str, str, Any], ...] = (
    ("enrich_providers", "providers", "names"), ("enrich_finders", "finders", "names"),
    ("trace_providers", "trace", "flag"), ("enrich_cache_days", "cache_days", float),
    ("enrich_refresh_days", "refresh_days", float), ("enrich_email_recheck_days", "email_recheck_days", float),
    ("enrich_unknown_retry_minutes", "unknown_retry_minutes", float),
    ("enrich_max_candidates", "max_candidates", int), ("enrich_concurrency", "concurrency", int),
    ("enrich_batch_size", "batch_size", int), ("verify_allow_test_domains", "verify_allow_test_domains", "flag"),
    ("verify_retry_delays", "verify_retry_delays", "floats"),
    ("verify_address_timeout", "verify_address_timeout", float),
)


def _names(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    return tuple(dict.fromkeys(i.strip() for i in items if i.strip()))


@dataclass(frozen=True)
class EnrichConfig:
    # Waterfall order, by registry name (outboard.enrich.providers.registry). Unconfigured ones are skipped.
    providers: tuple[str, ...] = ("index", "http_profile")
    finders: tuple[str, ...] = ("pattern", "http_finder")
    # Options per provider name: {"url", "api_key", "timeout", "target": "module:Name" for extra plug-ins}.
    provider_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    trace: bool = False  # log every provider call (OUTBOARD_TRACE_PROVIDERS=1)
    cache_days: float = 90.0  # a provider's answer is reused this long
    refresh_days: float = 30.0  # a lead whose waterfall ran this recently is not asked again
    email_recheck_days: float = 30.0  # a verdict this recent is current
    unknown_retry_minutes: float = 30.0  # an unknown verdict is asked again after this (greylisting)
    max_candidates: int = 8  # addresses the pattern finder tries per lead (one SMTP conversation each)
    concurrency: int = 4  # leads looked up at once (profile waterfall)
    batch_size: int = 25  # leads per unit of progress and of email verification
    verify_allow_test_domains: bool = False  # accept .test domains (demo, tests)
    verify_retry_delays: tuple[float, ...] = (15.0, 45.0)  # greylisting waits
    verify_address_timeout: float = 90.0

    def __post_init__(self) -> None:
        for name in ("max_candidates", "concurrency", "batch_size"):
            if getattr(self, name) < 1:
                raise ConfigError(f"enrichment setting {name} must be at least 1")

    def options_for(self, name: str) -> Mapping[str, Any]:
        return self.provider_options.get(name, {})

    @classmethod
    def from_settings(cls, settings: Any = None, environ: Mapping[str, str] | None = None) -> EnrichConfig:
        env = os.environ if environ is None else environ

        def read(name: str) -> Any:
            value = getattr(settings, name, None) if settings is not None else None
            return value if value is not None else env.get(PREFIX + name.upper())

        values: dict[str, Any] = {}
        try:
            for setting, name, kind in _READ:
                raw = read(setting)
                if raw in (None, ""):
                    continue
                if kind == "names":
                    values[name] = _names(raw)
                elif kind == "flag":
                    values[name] = raw if isinstance(raw, bool) else str(raw).strip().lower() in _TRUE
                elif kind == "floats":
                    values[name] = tuple(float(d) for d in (_names(raw) if isinstance(raw, str) else raw))
                else:
                    values[name] = kind(raw)
        except ValueError as exc:
            raise ConfigError(f"enrichment setting: {exc}") from None
        values["provider_options"] = _provider_options(read)
        return cls(**values)


def _provider_options(read: Any) -> dict[str, dict[str, Any]]:
    """The shipped HTTP providers have settings of their own; any other provider (or a second HTTP one)
    gets its options from OUTBOARD_ENRICH_PROVIDER_OPTIONS, a JSON object by provider name."""
    options: dict[str, dict[str, Any]] = {}
    for name, prefix in (("http_profile", "enrich_profile_api"), ("http_finder", "enrich_finder_api")):
        entry = {key: read(f"{prefix}_{key}") for key in ("url", "key")}
        if entry["url"]:
            options[name] = {"url": entry["url"], "api_key": entry["key"] or ""}
    raw = read("enrich_provider_options")
    if raw:
        try:
            extra = json.loads(raw) if isinstance(raw, str) else raw
        except json.JSONDecodeError as exc:
            raise ConfigError(f"OUTBOARD_ENRICH_PROVIDER_OPTIONS is not JSON: {exc}") from None
        if not isinstance(extra, dict) or not all(isinstance(v, dict) for v in extra.values()):
            raise ConfigError('OUTBOARD_ENRICH_PROVIDER_OPTIONS must be {"name": {"option": value}}')
        for name, values in extra.items():
            options[str(name)] = {**options.get(str(name), {}), **values}
    return options


def verifier_config(settings: Any, config: EnrichConfig | None = None, **overrides: Any) -> VerifierConfig:
    """The SMTP verifier as the central settings describe it (DNS server, SMTP port, HELO, MAIL FROM,
    timeouts); `overrides` win (the CLI's options)."""
    config = config or EnrichConfig.from_settings(settings)
    options: dict[str, Any] = {}
    if getattr(settings, "verify_dns_server", None):
        try:
            options["dns_server"], options["dns_port"] = parse_dns_server(settings.verify_dns_server)
        except ValueError:
            raise ConfigError("OUTBOARD_VERIFY_DNS_SERVER must be an IP address with an optional port "
                              f"(1.2.3.4:53), got {settings.verify_dns_server!r}") from None
    if getattr(settings, "verify_smtp_port", None):
        options["smtp_port"] = settings.verify_smtp_port
    if getattr(settings, "verify_helo", None):
        options["helo_name"] = settings.verify_helo
    if getattr(settings, "verify_mail_from", None) is not None:
        options["mail_from"] = settings.verify_mail_from
    timeout = getattr(settings, "verify_timeout", None)
    if timeout:
        # OUTBOARD_VERIFY_TIMEOUT bounds each SMTP command; connecting and DNS get no longer than that.
        options.update(command_timeout=timeout, connect_timeout=min(10.0, timeout), dns_timeout=min(5.0, timeout))
    options.update(address_timeout=config.verify_address_timeout, retry_delays=config.verify_retry_delays,
                   allow_test_domains=config.verify_allow_test_domains)
    options.update(overrides)
    return VerifierConfig(**options)
