"""Which writer the configuration asks for: the offline composer by default, the LLM writer when an
OpenAI-compatible endpoint is configured (OUTBOARD_LLM_BASE_URL) or when the user asks for it."""

from __future__ import annotations

from outboard.core.errors import ConfigError, ValidationError
from outboard.db.database import Database
from outboard.settings import Settings
from outboard.write.composer import Composer
from outboard.write.llm import LLMConfig, LLMWriter
from outboard.write.store_cache import DbDraftCache
from outboard.write.writer import Writer

WRITER_NAMES = ("composer", "llm")


def writer_name(settings: Settings, requested: str | None) -> str:
    """`requested` is composer, llm, or None/"auto" (llm when an endpoint is configured)."""
    if requested in (None, "", "auto"):
        return "llm" if settings.llm_base_url else "composer"
    if requested not in WRITER_NAMES:
        raise ValidationError("writer", "must be composer or llm", value=requested)
    if requested == "llm" and not settings.llm_base_url:
        raise ConfigError("the LLM writer needs an OpenAI-compatible endpoint: set OUTBOARD_LLM_BASE_URL "
                          "(and OUTBOARD_LLM_MODEL, OUTBOARD_LLM_API_KEY); see docs/writing.md")
    return requested


def llm_config(settings: Settings) -> LLMConfig:
    if not settings.llm_base_url:
        raise ConfigError("OUTBOARD_LLM_BASE_URL is not set")
    return LLMConfig(base_url=settings.llm_base_url, model=settings.llm_model,
                     api_key=settings.llm_api_key or "not-needed", concurrency=max(1, settings.llm_concurrency))


def make_writer(settings: Settings, db: Database, workspace_id: int, requested: str | None = None) -> Writer:
    """The configured writer; the LLM writer gets the workspace's database-backed draft cache."""
    if writer_name(settings, requested) == "composer":
        return Composer()
    config = llm_config(settings)
    return LLMWriter(config, cache=DbDraftCache(db, workspace_id, config.model))
