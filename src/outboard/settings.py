"""Configuration: environment variables `OUTBOARD_*` (or a `.env` file in the working folder).

A setting that Outboard does not know is an error, not silently ignored: a typo in a cap or a key must
not send mail with the default.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError as PydanticValidationError
from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from outboard.core.errors import ConfigError

PREFIX = "OUTBOARD_"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, env_file=".env", extra="forbid")

    # SQLite file in the working folder by default; `postgresql+psycopg://user@host/db` to scale out.
    database_url: str = "sqlite:///outboard.db"
    # Fernet key (urlsafe base64, 32 bytes) for secrets at rest. `outboard init` writes one into .env.
    secret_key: str | None = None
    # Where Huey keeps its queue: sqlite (file next to the database), redis, postgres, or immediate
    # (tasks run inline: tests and one-shot commands).
    job_backend: str = "sqlite"
    job_queue_path: str = "outboard-jobs.db"
    redis_url: str = "redis://127.0.0.1:6379/0"
    workers: int = 2
    # Public base URL of the web app: one-click unsubscribe links point here.
    public_url: str = "http://127.0.0.1:8000"
    # OpenAI-compatible endpoint for the writer, the ICP parser and reply labels (optional).
    llm_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_api_key: str | None = None
    llm_concurrency: int = 8
    # Email verifier: where to ask DNS and which SMTP port MX hosts listen on (25 in production).
    verify_dns_server: str | None = None
    verify_smtp_port: int = 25
    verify_helo: str = "verify.outboard.local"
    verify_mail_from: str = "verify@outboard.local"
    verify_timeout: float = 10.0
    verify_allow_test_domains: bool | None = None  # accept .test domains (demo, tests)
    verify_retry_delays: str | None = None  # greylisting waits in seconds, "15,45"
    verify_address_timeout: float | None = None  # whole budget for one address, retries included
    # Enrichment waterfall (see docs/enrichment.md); unset values take the defaults of enrich/config.py.
    enrich_providers: str | None = None  # profile providers in order, "index,http_profile"
    enrich_finders: str | None = None  # email finders in order, "pattern,http_finder"
    enrich_profile_api_url: str | None = None
    enrich_profile_api_key: str | None = None
    enrich_finder_api_url: str | None = None
    enrich_finder_api_key: str | None = None
    enrich_provider_options: str | None = None  # JSON {"provider": {"option": value}}
    enrich_cache_days: float | None = None
    enrich_refresh_days: float | None = None
    enrich_email_recheck_days: float | None = None
    enrich_unknown_retry_minutes: float | None = None
    enrich_max_candidates: int | None = None
    enrich_concurrency: int | None = None
    enrich_batch_size: int | None = None
    trace_providers: bool | None = None  # log every provider call
    # A people-search API for discovery (docs/discovery.md), used by `search --source api`.
    people_api_url: str | None = None
    people_api_key: str | None = None
    log_level: str = "WARNING"
    # Workspace slug the CLI acts on (default: the first workspace).
    cli_workspace: str | None = None

    @field_validator("job_backend")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if value not in {"sqlite", "redis", "postgres", "immediate"}:
            raise ValueError("must be sqlite, redis, postgres or immediate")
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql+psycopg://", "postgresql://")):
            raise ValueError("must start with sqlite:/// or postgresql+psycopg://")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")


def _unknown_environment() -> list[str]:
    known = {PREFIX + name.upper() for name in Settings.model_fields}
    return sorted(k for k in os.environ if k.startswith(PREFIX) and k not in known)


def load_settings(**overrides: object) -> Settings:
    """Read and check the configuration; any problem becomes one ConfigError line."""
    unknown = _unknown_environment()
    if unknown:
        raise ConfigError(f"unknown setting {unknown[0]}: known settings are listed in docs/configuration.md")
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except PydanticValidationError as exc:
        problem = exc.errors()[0]
        name = PREFIX + ".".join(str(p) for p in problem["loc"]).upper()
        if problem["type"] == "extra_forbidden":
            raise ConfigError(f"unknown setting {name} in .env: see docs/configuration.md") from None
        raise ConfigError(f"setting {name}: {problem['msg']}") from None


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()


def env_file() -> Path:
    return Path(".env")
