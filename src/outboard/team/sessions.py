"""Web sign-in sessions: a signed cookie that carries who is signed in, the CSRF token and when it started.

Signed, not stored: nothing to clean up and any process can check it. What makes a cookie stop working:
- its age passes SESSION_MAX_AGE (read from the runtime clock, so tests can move time);
- the user is deactivated, or changes password (the cookie holds a keyed fingerprint of the hash);
- the secret key changes (the signing key is derived from OUTBOARD_SECRET_KEY).
Signing out clears the cookie in the browser; a copied cookie stays valid until one of the above.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from functools import cache

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from outboard.db.models import User
from outboard.team.passwords import hash_password, verify_password

SESSION_MAX_AGE = timedelta(days=7)


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def derive_key(secret_key: str, purpose: str) -> bytes:
    """A key for one purpose (sessions, fingerprints...) from the configured secret, so no two uses share it."""
    return hmac.new(secret_key.encode(), f"outboard:{purpose}".encode(), hashlib.sha256).digest()


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass
class SessionState:
    """What the cookie says. Anonymous visitors have one too: the sign-in form needs a CSRF token."""

    csrf: str = field(default_factory=new_csrf_token)
    user_id: int | None = None
    workspace_id: int | None = None
    issued_at: float | None = None  # POSIX seconds from the runtime clock
    fingerprint: str | None = None
    run_id: int | None = None  # the run chosen in the top bar
    flash: str | None = None  # one message shown on the next page


class SessionCodec:
    def __init__(self, secret_key: str):
        self._serializer = URLSafeSerializer(derive_key(secret_key, "session"), salt="outboard-session-v1")
        self._fingerprint_key = derive_key(secret_key, "password-fingerprint")

    def dumps(self, state: SessionState) -> str:
        return self._serializer.dumps({k: v for k, v in asdict(state).items() if v is not None})

    def loads(self, text: str | None) -> SessionState | None:
        """The state in a cookie, or None if it is missing, forged or from an older format."""
        if not text:
            return None
        try:
            data = self._serializer.loads(text)
            return SessionState(**data) if isinstance(data, dict) and isinstance(data.get("csrf"), str) else None
        except (BadSignature, TypeError):
            return None

    def fingerprint(self, user: User) -> str:
        return hmac.new(self._fingerprint_key, (user.password_hash or "").encode(), hashlib.sha256).hexdigest()[:24]


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None. Takes as long for an unknown email as for a
    wrong password, so the answer time does not tell which addresses have an account."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active or not user.password_hash:
        verify_password(_dummy_hash(), password)
        return None
    return user if verify_password(user.password_hash, password) else None


def start(state: SessionState, codec: SessionCodec, user: User, now: datetime) -> SessionState:
    """A fresh signed-in state: a new CSRF token too, so a token seen before sign-in is worthless after."""
    return SessionState(user_id=user.id, workspace_id=user.workspace_id, issued_at=now.timestamp(),
                        fingerprint=codec.fingerprint(user), flash=state.flash)


def signed_in_user(session: Session, state: SessionState, codec: SessionCodec, now: datetime) -> User | None:
    """The user this state signs in, if the session is still good (see the module docstring)."""
    if state.user_id is None or state.issued_at is None or state.fingerprint is None:
        return None
    age = now.timestamp() - state.issued_at
    if age < -60 or age > SESSION_MAX_AGE.total_seconds():
        return None
    user = session.get(User, state.user_id)
    if user is None or not user.is_active or user.workspace_id != state.workspace_id:
        return None
    return user if hmac.compare_digest(codec.fingerprint(user), state.fingerprint) else None
