"""The people of a workspace and their roles (Admin: settings, sender accounts, team, budget; Member: runs)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outboard.core.errors import ValidationError
from outboard.db.models import User
from outboard.db.scope import Scope
from outboard.db.timeline import record
from outboard.team.invitations import check_role


def list_members(session: Session, workspace_id: int) -> list[User]:
    return list(session.scalars(Scope(session, workspace_id).select(User).order_by(User.id)))


def change_role(session: Session, workspace_id: int, user_id: int, role: str, *, by_user_id: int) -> User:
    """Give a member another role. The workspace always keeps at least one active admin."""
    check_role(role)
    user = Scope(session, workspace_id).get(User, user_id, "user")
    if user.role == role:
        return user
    if user.role == "admin":
        admins = session.scalar(select(func.count()).select_from(User).where(
            User.workspace_id == workspace_id, User.role == "admin", User.is_active.is_(True)))
        if (admins or 0) <= 1:
            raise ValidationError("role", "the workspace needs at least one admin; make someone else admin first")
    previous, user.role = user.role, role
    record(session, workspace_id, "role_changed", subject=f"user:{user.id}", by=by_user_id,
           **{"from": previous, "to": role})
    return user
