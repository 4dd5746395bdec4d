"""The web app on a real database (SQLite and PostgreSQL), a browser-like client, and people to sign in as."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from starlette.routing import Mount, Route

from outboard.db.database import Database
from outboard.db.models import Company, Lead, User, Workspace
from outboard.db.scope import Scope
from outboard.runtime import Runtime
from outboard.secrets import SecretBox
from outboard.send.accounts import add_email_account, add_linkedin_account
from outboard.team.passwords import hash_password
from outboard.team.sessions import SessionState, start
from outboard.team.tokens import create_token
from outboard.team.workspaces import slugify
from outboard.web.app import create_app

ADMIN_EMAIL, PASSWORD = "admin@acme.test", "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Person:
    id: int
    email: str
    workspace_id: int
    role: str


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """The root fixture's databases, emptied faster on PostgreSQL: every table hangs off `workspaces` with ON
    DELETE CASCADE (except the enrichment cache), so two DELETEs take milliseconds where a TRUNCATE of every
    table takes about a second on a busy machine. Ids keep counting up; these tests never assume them."""
    if request.param == "sqlite":
        path = tmp_path / "outboard.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_database_url")
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM workspaces"))
        connection.execute(text("DELETE FROM enrichment_cache"))
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def password_hash() -> str:
    """One argon2 hash of PASSWORD for every user the tests create: hashing costs a fifth of a second."""
    return hash_password(PASSWORD)


def _workspace(db: Database, name: str, admin_email: str, password_hash: str) -> Person:
    with db.transaction() as session:
        workspace = Workspace(name=name, slug=slugify(name), preferences={})
        session.add(workspace)
        session.flush()
        user = User(workspace_id=workspace.id, email=admin_email, name="Ada Admin", role="admin",
                    password_hash=password_hash)
        session.add(user)
        session.flush()
        return Person(user.id, admin_email, workspace.id, "admin")


@pytest.fixture
def workspace_id(db: Database, password_hash: str) -> int:
    """Like the root fixture (same names), with the shared password hash."""
    return _workspace(db, "Acme Outreach", ADMIN_EMAIL, password_hash).workspace_id


@pytest.fixture
def app(rt: Runtime, workspace_id: int) -> FastAPI:
    return create_app(rt)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client


@pytest.fixture
def admin(db: Database, workspace_id: int) -> Person:
    with db.sessions() as session:
        user = Scope(session, workspace_id).select(User).where(User.email == ADMIN_EMAIL)
        found = session.scalars(user).one()
        return Person(found.id, found.email, workspace_id, "admin")


def add_user(db: Database, workspace_id: int, email: str, password_hash: str, role: str = "member") -> Person:
    with db.transaction() as session:
        user = User(workspace_id=workspace_id, email=email, name=email.split("@")[0].title(), role=role,
                    password_hash=password_hash)
        session.add(user)
        session.flush()
        return Person(user.id, email, workspace_id, role)


@pytest.fixture
def member(db: Database, workspace_id: int, password_hash: str) -> Person:
    return add_user(db, workspace_id, "member@acme.test", password_hash)


@pytest.fixture
def other_workspace(db: Database, password_hash: str) -> Person:
    """The admin of a second workspace: none of its objects may be seen from the first."""
    return _workspace(db, "Rival Inc", "boss@rival.test", password_hash)


def csrf_token(client: TestClient, page: str = "/signin") -> str:
    found = _CSRF.search(client.get(page).text)
    assert found, f"no CSRF field on {page}"
    return found.group(1)


def sign_in(client: TestClient, email: str = ADMIN_EMAIL, password: str = PASSWORD) -> TestClient:
    """Through the sign-in form, as a person would (a password check: slow, for the tests about signing in)."""
    response = client.post("/signin", data={"email": email, "password": password, "csrf_token": csrf_token(client)},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def signed_in_as(client: TestClient, person: Person) -> TestClient:
    """The session cookie the sign-in form would set, made with the app's own session code (no password
    check, so the many tests that only need someone signed in stay fast)."""
    app = client.app
    with app.state.rt.db.sessions() as session:
        user = session.get(User, person.id)
        state = start(SessionState(), app.state.codec, user, app.state.rt.clock.now())
    client.cookies.set("outboard_session", app.state.codec.dumps(state))
    return client


@pytest.fixture
def admin_client(client: TestClient, admin: Person) -> TestClient:
    return signed_in_as(client, admin)


@pytest.fixture
def member_client(app: FastAPI, member: Person) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield signed_in_as(test_client, member)


def api_token(db: Database, person: Person, name: str = "tests") -> str:
    with db.transaction() as session:
        return create_token(session, person.workspace_id, person.id, name)[1]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_leads(db: Database, workspace_id: int, count: int, *, stage: str = "discovered", prefix: str = "Lead",
               company: str | None = "Acme GmbH") -> list[int]:
    with db.transaction() as session:
        scope = Scope(session, workspace_id)
        company_row = scope.add(Company(name=company, domain="acme.example")) if company else None
        session.flush()
        emails = [f"{prefix.lower()}{i}@acme.example" for i in range(count)]
        leads = [scope.add(Lead(full_name=f"{prefix} {i:04d}", stage=stage, title="Head of Sales",
                                company_id=company_row.id if company_row else None, email=email, email_key=email))
                 for i, email in enumerate(emails)]
        session.flush()
        return [lead.id for lead in leads]


def routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) the application answers, the mounted API included (HEAD left out)."""
    found: list[tuple[str, str]] = []

    def walk(routes_: list, prefix: str) -> None:
        # FastAPI keeps included routers as one entry; iter_route_contexts lists the routes inside them.
        for context in iter_route_contexts(routes_):
            route = context.original_route
            if isinstance(route, Mount):
                if isinstance(route.app, FastAPI):
                    walk(route.app.routes, prefix + route.path)
            elif isinstance(route, APIRoute | Route) and context.path:
                found.extend((m, prefix + context.path) for m in sorted(context.methods or ()) if m != "HEAD")

    walk(app.routes, "")
    return found


def fill(path: str, values: dict[str, object]) -> str:
    """The path with each {parameter} replaced; a parameter without a value fails the test loudly."""
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"no test value for path parameter {{{name}}} in {path}: add one to the test"
        return str(values[name])

    return re.sub(r"\{(\w+)\}", one, path)


def sender_accounts(db, workspace_id: int) -> tuple[int, int]:
    """An email and a LinkedIn sender account of the workspace; their ids."""
    box = SecretBox(SecretBox.new_key())
    with db.transaction() as session:
        email = add_email_account(session, workspace_id, box, name="Sam", address="sam@get-acme.test",
                                  from_name="Sam", smtp_host="127.0.0.1")
        linkedin = add_linkedin_account(session, workspace_id, box, name="Sam LI", profile_id="sam-lee")
        return email.id, linkedin.id
