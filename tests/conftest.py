"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, a simulated clock, a runtime.

PostgreSQL tests skip with a clear message when the server is unreachable, except under CI=true, where
they must run.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from outboard.core.clock import SimulatedClock
from outboard.db.database import Database
from outboard.db.migrate import upgrade
from outboard.db.models import Base
from outboard.runtime import Runtime, use_runtime
from outboard.secrets import SecretBox
from outboard.settings import Settings
from outboard.team.workspaces import create_workspace

PG_SERVER = os.environ.get("OUTBOARD_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI") == "true"
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday


def _pg_reachable() -> str | None:
    try:
        engine = create_engine(PG_SERVER, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return None
    except Exception as exc:  # any failure means: not reachable here
        return str(exc).splitlines()[0]


def require_service(name: str, problem: str | None) -> None:
    if problem is None:
        return
    if IN_CI:
        pytest.fail(f"{name} is required when CI=true but is not reachable: {problem}")
    pytest.skip(f"{name} not reachable ({problem}); these tests run when it is (and always under CI=true)")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database.open(f"sqlite:///{path}")
    upgrade(db.engine)
    db.close()
    return path


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    require_service("PostgreSQL", _pg_reachable())
    name = f"outboard_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_SERVER.rsplit("/", 1)[0] + f"/{name}"
    db = Database.open(url)
    upgrade(db.engine)
    db.close()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_postgres(db: Database) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with db.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(START)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "outboard.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_database_url")
    db = Database.open(url)
    _truncate_postgres(db)
    db.close()
    return url


@pytest.fixture
def db(database_url: str, clock: SimulatedClock) -> Iterator[Database]:
    database = Database.open(database_url, clock)
    yield database
    database.close()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, secret_key=SecretBox.new_key(), job_backend="immediate",
                    job_queue_path=str(tmp_path / "jobs.db"), _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def rt(settings: Settings, db: Database, clock: SimulatedClock) -> Iterator[Runtime]:
    runtime = Runtime(settings, db, clock)
    with use_runtime(runtime):
        yield runtime


@pytest.fixture
def workspace_id(db: Database) -> int:
    with db.transaction() as session:
        workspace, _user, _ = create_workspace(session, "Acme Outreach", "admin@acme.test", "correct horse battery")
        return workspace.id
