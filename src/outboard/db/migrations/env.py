"""Alembic environment: the engine comes from Outboard's configuration (or the caller)."""

from alembic import context

from outboard.db.migrate import include_object
from outboard.db.models import Base

config = context.config


def _engine():
    engine = config.attributes.get("engine")
    if engine is None:
        from outboard.db.engine import make_engine
        from outboard.settings import settings

        engine = make_engine(settings().database_url)
    return engine


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
