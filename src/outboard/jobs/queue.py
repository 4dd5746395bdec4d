"""The Huey instance for the configured backend, with the one task that runs any Outboard job."""

from __future__ import annotations

from pathlib import Path

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey

from outboard.core.errors import ConfigError
from outboard.settings import Settings


def make_huey(settings: Settings) -> Huey:
    name = "outboard"
    if settings.job_backend == "immediate":
        huey: Huey = MemoryHuey(name, immediate=True)
    elif settings.job_backend == "sqlite":
        huey = SqliteHuey(name, filename=str(Path(settings.job_queue_path)))
    elif settings.job_backend == "redis":
        huey = RedisHuey(name, url=settings.redis_url)
    else:
        huey = _postgres_huey(name, settings.database_url)
    # Imported here: the task module needs the runtime, which needs this factory.
    from outboard.jobs.runner import register_tasks

    register_tasks(huey)
    return huey


def _postgres_huey(name: str, url: str) -> Huey:
    import peewee
    from huey.contrib.sql_huey import SqlHuey
    from sqlalchemy.engine import make_url

    if not url.startswith("postgresql"):
        raise ConfigError("OUTBOARD_JOB_BACKEND=postgres needs OUTBOARD_DATABASE_URL to be PostgreSQL")
    parts = make_url(url)
    database = peewee.PostgresqlDatabase(
        parts.database, host=parts.host, port=parts.port or 5432, user=parts.username,
        password=parts.password, prefer_psycopg3=True,
    )
    return SqlHuey(name, database=database)
