"""A client for a Unipile-style LinkedIn REST provider (its webhooks: linkedin_webhooks.py).

The wire format is in docs/linkedin-provider.md. Sends (invite, message, withdraw) return an outcome
and never raise for what the provider answers; reads raise LinkedInApiError carrying the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Generic, TypeVar

import httpx

from outboard.core.errors import OutboardError, ValidationError
from outboard.send.channels.linkedin_manual import NOTE_LIMIT, check_invite_note, public_identifier
from outboard.send.outcomes import (
    AddressRejected,
    AuthFailed,
    ConnectionFailed,
    Deferred,
    Failed,
    Outcome,
    ReputationBlocked,
    Sent,
)

RESTRICTED = frozenset({"errors/account_restricted", "errors/account_warning"})
LIMIT_BACKOFF = timedelta(hours=5)  # after LinkedIn's own limit signal (market.md 2.3)


@dataclass(frozen=True)
class LinkedInApiSettings:
    base_url: str
    api_key: str
    account_id: str
    timeout: float = 30.0
    note_limit: int = NOTE_LIMIT


@dataclass(frozen=True)
class Profile:
    provider_id: str
    public_identifier: str
    name: str
    connected: bool  # 1st degree: messages may go, no invite needed


@dataclass(frozen=True)
class Relation:
    provider_id: str
    public_identifier: str
    name: str
    connected_at: datetime


@dataclass(frozen=True)
class Invitation:
    id: str
    provider_id: str
    sent_at: datetime


@dataclass(frozen=True)
class Chat:
    id: str
    attendee_provider_id: str
    updated_at: datetime


@dataclass(frozen=True)
class ChatMessage:
    id: str
    chat_id: str
    sender_provider_id: str
    text: str
    sent_at: datetime
    from_us: bool


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    cursor: str | None  # pass it back for the next page; None on the last


class LinkedInApiError(OutboardError):
    def __init__(self, outcome: Outcome):
        self.outcome = outcome
        super().__init__(f"LinkedIn provider: {getattr(outcome, 'reason', outcome)}")


def _retry_after(response: httpx.Response, default: timedelta) -> timedelta:
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:  # an HTTP date: measured against the response's own Date, not our clock
        wait = parsedate_to_datetime(value) - parsedate_to_datetime(response.headers["Date"])
        return max(wait, timedelta(0))
    except (KeyError, TypeError, ValueError):
        return default


def outcome_for_response(response: httpx.Response, *, mutation: bool) -> Outcome:
    """An error answer → an outcome. `mutation`: the request may have changed something (send, withdraw)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}
    kind, detail, status = str(body.get("type", "")), body.get("detail"), response.status_code
    reason = f"{status} {kind or response.reason_phrase}" + (f": {detail}" if detail else "")
    if status == 429:
        return Deferred(_retry_after(response, timedelta(minutes=1)), reason)
    if kind in RESTRICTED:
        return ReputationBlocked(status, kind, reason)  # LinkedIn warned the account: pause it
    if status in (401, 403):
        return AuthFailed(reason)
    if kind == "errors/limit_exceeded":
        return Deferred(_retry_after(response, LIMIT_BACKOFF), reason)
    if status == 404:
        return AddressRejected(status, kind or None, reason)
    if status == 503:
        return Deferred(_retry_after(response, timedelta(minutes=5)), reason)
    if status >= 500:
        return ConnectionFailed(reason, maybe_delivered=mutation)
    return Failed(status, kind or None, reason)


def _sent(answer: dict[str, Any] | Outcome, key: str, chat_id: str | None = None) -> Outcome:
    if not isinstance(answer, dict):
        return answer
    if not answer.get(key):
        return ConnectionFailed(f"the provider's answer has no {key}", maybe_delivered=True)
    thread = answer.get("chat_id") or chat_id
    return Sent(str(answer[key]), thread_id=str(thread) if thread else None)


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value)


class LinkedInApiClient:
    def __init__(self, settings: LinkedInApiSettings):
        self.settings = settings
        self._http = httpx.AsyncClient(base_url=settings.base_url.rstrip("/") + "/api/v1",
                                       headers={"X-API-KEY": settings.api_key, "Accept": "application/json"},
                                       timeout=settings.timeout)

    async def __aenter__(self) -> LinkedInApiClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # Sends: an outcome, never an exception for the provider's answer.

    async def send_invitation(self, provider_id: str, note: str = "") -> Outcome:
        check_invite_note(note, self.settings.note_limit)
        payload = {"account_id": self.settings.account_id, "provider_id": provider_id, "message": note}
        return _sent(await self._send("POST", "/users/invite", json=payload), "invitation_id")

    async def send_message(self, text: str, *, chat_id: str | None = None,
                           attendee_provider_id: str | None = None) -> Outcome:
        """Into an existing chat, or a new chat with the attendee (a 1st-degree connection)."""
        if not text.strip():
            raise ValidationError("message", "a LinkedIn message cannot be empty")
        if chat_id:
            answer = await self._send("POST", f"/chats/{chat_id}/messages", json={"text": text})
        elif attendee_provider_id:
            answer = await self._send("POST", "/chats", json={
                "account_id": self.settings.account_id, "attendees_ids": [attendee_provider_id], "text": text})
        else:
            raise ValidationError("message", "needs a chat id or an attendee")
        return _sent(answer, "message_id", chat_id)

    async def withdraw_invitation(self, invitation_id: str) -> Outcome:
        answer = await self._send("DELETE", f"/users/invite/sent/{invitation_id}",
                                  params={"account_id": self.settings.account_id})
        return Sent(invitation_id) if isinstance(answer, dict) else answer

    # Reads: raise LinkedInApiError(outcome) on an error answer.

    async def get_profile(self, profile: str) -> Profile:
        """By profile link, public id or provider id."""
        body = await self._read(f"/users/{public_identifier(profile)}")
        return Profile(body["provider_id"], body["public_identifier"],
                       f"{body.get('first_name', '')} {body.get('last_name', '')}".strip(),
                       body.get("network_distance") == "FIRST_DEGREE")

    async def list_relations(self, cursor: str | None = None, limit: int = 100) -> Page[Relation]:
        """1st-degree connections, newest first."""
        body = await self._read("/users/relations", cursor=cursor, limit=limit)
        return Page([Relation(i["member_id"], i["public_identifier"],
                              f"{i.get('first_name', '')} {i.get('last_name', '')}".strip(),
                              _when(i["created_at"])) for i in body["items"]], body.get("cursor"))

    async def new_relations(self, since: datetime, max_pages: int = 50) -> list[Relation]:
        """Connections made after `since` (the polling fallback when a webhook was missed)."""
        found, cursor = [], None
        for _ in range(max_pages):
            page = await self.list_relations(cursor)
            fresh = [r for r in page.items if r.connected_at > since]
            found += fresh
            if len(fresh) < len(page.items) or page.cursor is None:
                break
            cursor = page.cursor
        return found

    async def list_sent_invitations(self, cursor: str | None = None, limit: int = 100) -> Page[Invitation]:
        body = await self._read("/users/invite/sent", cursor=cursor, limit=limit)
        return Page([Invitation(i["id"], i["invited_user_id"], _when(i["date"])) for i in body["items"]],
                    body.get("cursor"))

    async def list_chats(self, cursor: str | None = None, limit: int = 100) -> Page[Chat]:
        body = await self._read("/chats", cursor=cursor, limit=limit)
        return Page([Chat(i["id"], i["attendee_provider_id"], _when(i["timestamp"])) for i in body["items"]],
                    body.get("cursor"))

    async def list_messages(self, chat_id: str, cursor: str | None = None,
                            limit: int = 100) -> Page[ChatMessage]:
        body = await self._read(f"/chats/{chat_id}/messages", cursor=cursor, limit=limit)
        return Page([ChatMessage(i["id"], i["chat_id"], i["sender_id"], i["text"], _when(i["timestamp"]),
                                 bool(i.get("is_sender"))) for i in body["items"]], body.get("cursor"))

    async def _send(self, method: str, path: str, **kwargs: Any) -> dict[str, Any] | Outcome:
        try:
            response = await self._http.request(method, path, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            return ConnectionFailed(f"{type(exc).__name__}: {exc}")  # nothing reached the provider
        except httpx.TransportError as exc:
            return ConnectionFailed(f"{type(exc).__name__}: {exc}", maybe_delivered=True)
        if not response.is_success:
            return outcome_for_response(response, mutation=True)
        try:
            answer = response.json() if response.content else {}
        except ValueError:
            answer = None
        if not isinstance(answer, dict):  # it worked, but we cannot tell what it made
            return ConnectionFailed(f"{response.status_code} with an unreadable body", maybe_delivered=True)
        return answer

    async def _read(self, path: str, cursor: str | None = None, limit: int | None = None) -> dict[str, Any]:
        params: dict[str, str | int] = {"account_id": self.settings.account_id}
        if cursor:
            params["cursor"] = cursor
        if limit:
            params["limit"] = limit
        try:
            response = await self._http.get(path, params=params)
        except httpx.TransportError as exc:
            raise LinkedInApiError(ConnectionFailed(f"{type(exc).__name__}: {exc}")) from exc
        if not response.is_success:
            raise LinkedInApiError(outcome_for_response(response, mutation=False))
        return dict(response.json())
