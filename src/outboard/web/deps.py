"""Who is looking at a page, what they may do, and the CSRF check every unsafe request passes."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from outboard.runtime import Runtime
from outboard.team.sessions import SessionCodec, SessionState, signed_in_user
from outboard.web.session import SCOPE_KEY, WebSession

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SignInRequired(Exception):
    """The page needs a signed-in user; answered with a redirect to the sign-in page."""


class Forbidden(Exception):
    """The user's role does not allow this (members cannot change settings)."""

    def __init__(self, message: str = "Only workspace admins can change this."):
        super().__init__(message)


class CsrfRefused(Exception):
    """An unsafe request without the session's CSRF token."""


@dataclass(frozen=True)
class Viewer:
    user_id: int
    workspace_id: int
    email: str
    name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def display_name(self) -> str:
        return self.name or self.email


def runtime_of(request: Request) -> Runtime:
    return request.app.state.rt


def web_session(request: Request) -> WebSession:
    """The request's session; paths outside the session middleware (API, static, unsubscribe) get an empty
    one that is never written back."""
    if SCOPE_KEY not in request.scope:
        request.scope[SCOPE_KEY] = WebSession(SessionState(), fresh=False)
    return request.scope[SCOPE_KEY]


def db_session(rt: Runtime = Depends(runtime_of)) -> Iterator[Session]:
    with rt.db.sessions() as session:
        yield session


def current_viewer(request: Request) -> Viewer | None:
    """The signed-in user, checked once per request."""
    if hasattr(request.state, "viewer"):
        return request.state.viewer
    rt: Runtime = request.app.state.rt
    codec: SessionCodec = request.app.state.codec
    found = None
    with rt.db.sessions() as session:
        user = signed_in_user(session, web_session(request).state, codec, rt.clock.now())
        if user is not None:
            found = Viewer(user.id, user.workspace_id, user.email, user.name, user.role)
    request.state.viewer = found
    return found


def viewer(request: Request) -> Viewer:
    found = current_viewer(request)
    if found is None:
        raise SignInRequired()
    return found


def admin_viewer(who: Viewer = Depends(viewer)) -> Viewer:
    if not who.is_admin:
        raise Forbidden()
    return who


async def csrf_protect(request: Request) -> None:
    """Every POST/PUT/PATCH/DELETE of the pages must carry the session's token, in the form field or (htmx)
    the header. A form from another site cannot know it: it lives in our HttpOnly cookie and our pages."""
    if request.method in SAFE_METHODS:
        return
    given = request.headers.get(CSRF_HEADER)
    if not given:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(CSRF_FIELD)
            given = value if isinstance(value, str) else None
    expected = web_session(request).state.csrf
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise CsrfRefused()
