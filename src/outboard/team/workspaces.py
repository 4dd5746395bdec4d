"""Creating workspaces and their first admin; finding the workspace a command acts on."""

from __future__ import annotations

import re
import secrets as pysecrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outboard.core.errors import NotFound, ValidationError
from outboard.db.models import User, Workspace
from outboard.db.timeline import record
from outboard.team.passwords import hash_password

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not slug:
        raise ValidationError("workspace", "needs letters or digits in its name", value=name)
    return slug[:100]


def create_workspace(session: Session, name: str, admin_email: str, password: str | None = None,
                     admin_name: str = "") -> tuple[Workspace, User, str | None]:
    """A new workspace and its admin. Returns the generated password when none was given."""
    if not _EMAIL.match(admin_email):
        raise ValidationError("admin email", "is not an email address", value=admin_email)
    slug = slugify(name)
    if session.scalar(select(Workspace.id).where(Workspace.slug == slug)) is not None:
        raise ValidationError("workspace", f"a workspace named {slug!r} already exists")
    if session.scalar(select(User.id).where(User.email == admin_email.lower())) is not None:
        raise ValidationError("admin email", "already belongs to a user", value=admin_email)
    generated = None if password else pysecrets.token_urlsafe(12)
    workspace = Workspace(name=name, slug=slug, preferences={})
    session.add(workspace)
    session.flush()
    user = User(workspace_id=workspace.id, email=admin_email.lower(), name=admin_name, role="admin",
                password_hash=hash_password(password or generated or ""))
    session.add(user)
    session.flush()
    record(session, workspace.id, "workspace_created", subject=f"user:{user.id}", name=name)
    return workspace, user, generated


def find_workspace(session: Session, slug: str | None) -> Workspace:
    """The workspace named by `slug`; without one, the only workspace (or the first created)."""
    if slug:
        workspace = session.scalar(select(Workspace).where(Workspace.slug == slug))
        if workspace is None:
            raise NotFound(f"workspace {slug!r} not found; `outboard init` lists how to create one")
        return workspace
    workspace = session.scalar(select(Workspace).order_by(Workspace.id).limit(1))
    if workspace is None:
        raise NotFound("no workspace yet: run `outboard init` first")
    return workspace


def workspace_count(session: Session) -> int:
    return session.scalar(select(func.count(Workspace.id))) or 0
