"""REST API tokens: shown once at creation, stored only as a SHA-256 hash, revocable.

A token is `obt_` + 43 random URL-safe characters (256 bits), so a plain SHA-256 is enough: there is
nothing to guess, and a fast hash lets every API request look its token up by an indexed column.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from outboard.core.errors import NotFound, ValidationError
from outboard.db.models import ApiToken, User
from outboard.db.scope import Scope
from outboard.db.session import clock_of
from outboard.db.timeline import record

PREFIX = "obt_"
# Writing last_used_at on every request would turn each read into a write; once a minute is enough.
_TOUCH_EVERY = timedelta(minutes=1)


def token_hash(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create_token(session: Session, workspace_id: int, user_id: int, name: str) -> tuple[ApiToken, str]:
    """A new token for this user; returns the row and the plaintext, which is never stored."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError("name", "give the token a name, such as the script that will use it")
    if len(name) > 200:
        raise ValidationError("name", "must be at most 200 characters")
    plaintext = PREFIX + secrets.token_urlsafe(32)
    token = Scope(session, workspace_id).add(
        ApiToken(user_id=user_id, name=name, token_hash=token_hash(plaintext), prefix=plaintext[:12]))
    session.flush()
    record(session, workspace_id, "api_token_created", subject=f"user:{user_id}", token_id=token.id, name=name)
    return token, plaintext


def list_tokens(session: Session, workspace_id: int, user_id: int | None = None) -> list[ApiToken]:
    """The workspace's tokens, newest first; only `user_id`'s when given."""
    query = Scope(session, workspace_id).select(ApiToken).order_by(ApiToken.id.desc())
    if user_id is not None:
        query = query.where(ApiToken.user_id == user_id)
    return list(session.scalars(query))


def revoke_token(session: Session, workspace_id: int, token_id: int, *, user_id: int | None = None) -> ApiToken:
    """Revoke a token (idempotent). With `user_id`, only that user's own tokens are found."""
    token = Scope(session, workspace_id).get(ApiToken, token_id, "API token")
    if user_id is not None and token.user_id != user_id:
        raise NotFound(f"API token {token_id} not found")
    if token.revoked_at is None:
        token.revoked_at = clock_of(session).now()
        record(session, workspace_id, "api_token_revoked", subject=f"user:{token.user_id}", token_id=token.id)
    return token


def user_for_token(session: Session, plaintext: str, now: datetime) -> tuple[User, ApiToken] | None:
    """The active user a presented token belongs to, or None (unknown, revoked, or user deactivated)."""
    if not plaintext.startswith(PREFIX):
        return None
    row = session.execute(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == token_hash(plaintext))
    ).one_or_none()
    if row is None:
        return None
    token, user = row
    if token.revoked_at is not None or not user.is_active or user.workspace_id != token.workspace_id:
        return None
    if token.last_used_at is None or now - token.last_used_at > _TOUCH_EVERY:
        token.last_used_at = now
    return user, token
