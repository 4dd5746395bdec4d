"""A prospect index with known ground truth, loaded once per test session on SQLite and on PostgreSQL.

Loading 5,000 people costs seconds, so the discovery tests share one loaded index per backend (cached
here, dropped at the end of the session) instead of loading it per test. The PostgreSQL index lives in a
database of its own: the shared test database is truncated by other tests between theirs. Each test that
writes leads, groups, suppressions or usage starts from a clean workspace (`clean`); the index rows stay.

    @pytest.fixture(scope="module", params=BACKENDS)
    def env(request, tmp_path_factory, sqlite_template):
        return index_env(request, tmp_path_factory, sqlite_template)
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, delete, text

from outboard.core.clock import SimulatedClock
from outboard.db.database import Database
from outboard.db.migrate import upgrade
from outboard.db.models import (
    Company,
    Event,
    FieldProvenance,
    Job,
    Lead,
    SourceGroup,
    SourceGroupMember,
    Suppression,
    UsageEntry,
    Workspace,
)
from outboard.runtime import Runtime
from outboard.secrets import SecretBox
from outboard.settings import Settings
from outboard.sources.index.loader import load_files
from outboard.sources.ranking import join_companies
from outboard.sources.sample import SampleGenerator, SampleSpec, write_sample
from outboard.team.workspaces import create_workspace
from tests.conftest import PG_SERVER, _pg_reachable, require_service

REF = date(2026, 1, 15)  # the sample's reference date, and "today" for every search in these tests
PEOPLE = 5_000
SEED = 2026
BACKENDS = ["sqlite", "postgresql"]


@dataclass
class IndexEnv:
    backend: str
    db: Database
    rt: Runtime
    workspace_id: int
    files: dict[str, Path]
    url: str

    @property
    def records(self) -> list[dict[str, Any]]:
        return sample_records()

    def by_id(self) -> dict[str, dict[str, Any]]:
        return {r["id"]: r for r in self.records}


@cache
def sample_records() -> list[dict[str, Any]]:
    """The generated people with their company under "company": the ground truth."""
    generator = SampleGenerator(SampleSpec(people=PEOPLE, seed=SEED, reference_date=REF))
    companies = {c["id"]: c for c in generator.companies()}
    return list(join_companies(generator.people(), companies))


_ENVS: dict[str, IndexEnv] = {}


def _database(backend: str, tmp: Path, template: Path, config: pytest.Config) -> str:
    if backend == "sqlite":
        path = tmp / "index.db"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    require_service("PostgreSQL", _pg_reachable())
    name = f"outboard_index_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    config.add_cleanup(drop)
    url = PG_SERVER.rsplit("/", 1)[0] + f"/{name}"
    db = Database.open(url)
    upgrade(db.engine)
    db.close()
    return url


def index_env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
              sqlite_template: Path) -> IndexEnv:
    """The loaded index for `request.param` (created on first use in the session)."""
    backend = request.param
    if backend in _ENVS:
        env = _ENVS[backend]
    else:
        tmp = tmp_path_factory.mktemp(f"index-{backend}")
        url = _database(backend, tmp, sqlite_template, request.config)
        clock = SimulatedClock(datetime(REF.year, REF.month, REF.day, 9, 0, tzinfo=UTC))
        db = Database.open(url, clock)
        settings = Settings(database_url=url, secret_key=SecretBox.new_key(), job_backend="immediate",
                            job_queue_path=str(tmp / "jobs.db"), _env_file=None)  # type: ignore[call-arg]
        rt = Runtime(settings, db, clock)
        with db.transaction() as session:
            workspace, _, _ = create_workspace(session, "Index Tests", f"admin-{backend}@acme.test",
                                               "correct horse battery")
            workspace_id = workspace.id
        files = write_sample(tmp / "sample", SampleSpec(people=PEOPLE, seed=SEED, reference_date=REF), "jsonl")
        summary = load_files(db, workspace_id, [files["companies"], files["people"]])
        assert summary.rejected == 0 and summary.people_new == PEOPLE
        env = _ENVS[backend] = IndexEnv(backend, db, rt, workspace_id, files, url)
        request.config.add_cleanup(db.close)
        request.config.add_cleanup(lambda: _ENVS.pop(backend, None))
    return env


def clean(env: IndexEnv) -> None:
    """Leads, companies, groups, suppressions, usage, jobs and events of the workspace removed; the index
    and the budget reset."""
    ws = env.workspace_id
    with env.db.transaction() as session:
        groups = select_ids(session, SourceGroup, ws)
        if groups:
            session.execute(delete(SourceGroupMember).where(SourceGroupMember.source_group_id.in_(groups)))
        leads = select_ids(session, Lead, ws)
        if leads:
            session.execute(delete(FieldProvenance).where(FieldProvenance.lead_id.in_(leads)))
        for model in (Event, Lead, Company, SourceGroup, Job, UsageEntry, Suppression):
            session.execute(delete(model).where(model.workspace_id == ws))
        session.get(Workspace, ws).credit_budget = None  # type: ignore[union-attr]


def select_ids(session: Any, model: Any, workspace_id: int) -> list[int]:
    from sqlalchemy import select

    return list(session.scalars(select(model.id).where(model.workspace_id == workspace_id)))
