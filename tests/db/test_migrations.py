"""The same migrations create, tear down and recreate the schema on SQLite and PostgreSQL."""

from sqlalchemy import inspect

from outboard.db.migrate import current_revision, downgrade, head_revision, include_object, upgrade
from outboard.db.models import Base


def test_upgrade_downgrade_upgrade_round_trip(db):
    assert current_revision(db.engine) == head_revision(db.engine)
    downgrade(db.engine, "base")
    assert current_revision(db.engine) is None
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    assert upgrade(db.engine) is True
    assert upgrade(db.engine) is False
    assert set(Base.metadata.tables) <= set(inspect(db.engine).get_table_names())


def test_models_and_migrations_agree(db):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include_object})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], "models changed without a migration: run scripts/regen-initial-migration"
