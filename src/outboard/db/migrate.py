"""Create or upgrade the schema with Alembic; the same migrations serve SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


_SEARCH_DDL = ("_fts", "search_tsv")


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Autogenerate leaves alone what hand-written revisions create outside the models for full-text
    search: SQLite FTS5 virtual tables and their shadow tables (`*_fts*`), PostgreSQL tsvector columns
    and their GIN indexes (`*search_tsv*`)."""
    handwritten = reflected and compare_to is None and name is not None and any(p in name for p in _SEARCH_DDL)
    return not handwritten


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def upgrade(engine: Engine, revision: str = "head") -> bool:
    """Upgrade to `revision`; returns whether anything changed."""
    before = current_revision(engine)
    command.upgrade(alembic_config(engine), revision)
    return current_revision(engine) != before


def downgrade(engine: Engine, revision: str = "base") -> None:
    command.downgrade(alembic_config(engine), revision)
