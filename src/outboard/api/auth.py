"""Who is calling the API: `Authorization: Bearer <token>` only. Browser cookies are not accepted here,
which is why the API needs no CSRF token (a cross-site form cannot attach a bearer header)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from outboard.runtime import Runtime
from outboard.team.tokens import user_for_token

_bearer = HTTPBearer(auto_error=False, description="An API token from Settings → API tokens")
_UNAUTHORIZED = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True)
class Caller:
    user_id: int
    workspace_id: int
    email: str
    name: str
    role: str
    token_id: int

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def get_runtime(request: Request) -> Runtime:
    return request.app.state.rt


def db_session(rt: Runtime = Depends(get_runtime)) -> Iterator[Session]:
    """A read session for one request; writes open their own transaction."""
    with rt.db.sessions() as session:
        yield session


def caller(credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
           rt: Runtime = Depends(get_runtime)) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "send an API token as `Authorization: Bearer <token>`", headers=_UNAUTHORIZED)
    with rt.db.transaction() as session:  # a transaction: last_used_at may be updated
        found = user_for_token(session, credentials.credentials, rt.clock.now())
        if found is None:
            raise HTTPException(401, "this API token is unknown or was revoked", headers=_UNAUTHORIZED)
        user, token = found
        return Caller(user.id, user.workspace_id, user.email, user.name, user.role, token.id)


def admin(who: Caller = Depends(caller)) -> Caller:
    if not who.is_admin:
        raise HTTPException(403, "only workspace admins can do this")
    return who
