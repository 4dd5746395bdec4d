"""Invitations: an admin invites an email with a role; a one-time link lets that person set a password.

The link carries a random token; only its SHA-256 is stored, so the database alone cannot be used to
accept an invitation. A new invitation for the same address replaces the previous one.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from outboard.core.errors import NotFound, ValidationError
from outboard.db.models import Invitation, User
from outboard.db.scope import Scope
from outboard.db.timeline import record
from outboard.team.passwords import hash_password

INVITATION_TTL = timedelta(days=7)
ROLES = ("admin", "member")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_GONE = "this invitation link is not valid: it was used, revoked or has expired; ask an admin for a new one"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValidationError("role", "must be admin or member", value=role)
    return role


def invite(session: Session, workspace_id: int, email: str, role: str, now: datetime,
           invited_by: int | None = None) -> tuple[Invitation, str]:
    """A pending invitation and the token for its link (shown once)."""
    email = email.strip().lower()
    if not _EMAIL.match(email) or len(email) > 320:
        raise ValidationError("email", "is not an email address", value=email)
    check_role(role)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise ValidationError("email", "already has an Outboard account", value=email)
    session.execute(delete(Invitation).where(Invitation.workspace_id == workspace_id, Invitation.email == email,
                                             Invitation.accepted_at.is_(None)))
    token = secrets.token_urlsafe(32)
    invitation = Scope(session, workspace_id).add(
        Invitation(email=email, role=role, token_hash=_hash(token), expires_at=now + INVITATION_TTL))
    session.flush()
    record(session, workspace_id, "invitation_created", subject=f"user:{invited_by}" if invited_by else None,
           invitation_id=invitation.id, role=role)
    return invitation, token


def pending_invitations(session: Session, workspace_id: int) -> list[Invitation]:
    query = (Scope(session, workspace_id).select(Invitation).where(Invitation.accepted_at.is_(None))
             .order_by(Invitation.id.desc()))
    return list(session.scalars(query))


def revoke_invitation(session: Session, workspace_id: int, invitation_id: int) -> None:
    invitation = Scope(session, workspace_id).get(Invitation, invitation_id, "invitation")
    if invitation.accepted_at is not None:
        raise ValidationError("invitation", "was already accepted; change the user's role instead")
    session.delete(invitation)
    record(session, workspace_id, "invitation_revoked", invitation_id=invitation_id)


def open_invitation(session: Session, token: str, now: datetime) -> Invitation:
    """The pending invitation behind a link, or NotFound (the same answer for every kind of bad link)."""
    invitation = session.scalar(select(Invitation).where(Invitation.token_hash == _hash(token)))
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at <= now:
        raise NotFound(_GONE)
    return invitation


def accept_invitation(session: Session, token: str, name: str, password: str, now: datetime) -> User:
    """Create the invitee's account with the invited role; the link cannot be used again."""
    invitation = open_invitation(session, token, now)
    name = " ".join(name.split())
    if len(name) > 200:
        raise ValidationError("name", "must be at most 200 characters")
    if session.scalar(select(User.id).where(User.email == invitation.email)) is not None:
        raise NotFound(_GONE)
    user = User(workspace_id=invitation.workspace_id, email=invitation.email, name=name, role=invitation.role,
                password_hash=hash_password(password))
    session.add(user)
    invitation.accepted_at = now
    session.flush()
    record(session, invitation.workspace_id, "invitation_accepted", subject=f"user:{user.id}",
           invitation_id=invitation.id, role=invitation.role)
    return user
