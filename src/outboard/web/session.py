"""The session cookie on every page request: read before the route runs, written back if it changed.

A plain ASGI middleware (not Starlette's SessionMiddleware) so that the state is typed, the clock is the
runtime's, and the cookie carries the attributes we choose: HttpOnly, SameSite=Lax, Secure (and the
`__Host-` name) when the public URL is https.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from outboard.team.sessions import SESSION_MAX_AGE, SessionCodec, SessionState

SCOPE_KEY = "outboard.session"
# Paths that never use the session: the API (bearer tokens), static files, the public unsubscribe page,
# the providers' signed webhooks.
SKIP_PREFIXES = ("/api/", "/static/", "/u/", "/webhooks/")


class WebSession:
    """The request's session state; any change marks it to be written back."""

    def __init__(self, state: SessionState, *, fresh: bool):
        self.state = state
        self.modified = fresh

    def replace(self, state: SessionState) -> None:
        self.state, self.modified = state, True

    def update(self, **changes: Any) -> None:
        self.replace(replace(self.state, **changes))

    def clear(self) -> None:
        self.replace(SessionState())

    def pop_flash(self) -> str | None:
        flash = self.state.flash
        if flash:
            self.update(flash=None)
        return flash


class SessionMiddleware:
    def __init__(self, app: ASGIApp, codec: SessionCodec, *, secure: bool):
        self.app, self.codec, self.secure = app, codec, secure
        self.cookie_name = "__Host-outboard" if secure else "outboard_session"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(SKIP_PREFIXES):
            await self.app(scope, receive, send)
            return
        raw = dict(scope.get("headers") or []).get(b"cookie", b"").decode("latin-1")
        state = self.codec.loads(cookie_parser(raw).get(self.cookie_name))
        session = WebSession(state or SessionState(), fresh=state is None)
        scope[SCOPE_KEY] = session

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and session.modified:
                MutableHeaders(scope=message).append("set-cookie", self.cookie(session.state))
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def cookie(self, state: SessionState) -> str:
        parts = [f"{self.cookie_name}={self.codec.dumps(state)}", "Path=/", "HttpOnly", "SameSite=Lax",
                 f"Max-Age={int(SESSION_MAX_AGE.total_seconds())}"]
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts)
