"""A local LinkedIn API provider speaking the Unipile-style format of docs/linkedin-provider.md.

It runs in a thread on loopback, keeps a small world (profiles, invitations, relations, chats), records
every request, and can be scripted: answer the next requests with an error (rate limit with
Retry-After, auth error), put the account under a restriction warning, accept an invitation or have a
lead reply, each of which can POST a signed webhook to a URL.

    with LinkedInApiServer() as provider:
        anna = provider.add_profile("anna-schmidt", "Anna", "Schmidt")
        ...  # point the client at provider.base_url with provider.api_key and provider.account_id
        provider.accept_invitation(anna)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from outboard.core.clock import Clock, SystemClock
from outboard.devservers.http import HttpDevServer

PREFIX = "/api/v1"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # without /api/v1 and the query
    query: dict[str, str]
    body: Any
    headers: dict[str, str]


@dataclass
class _Failure:
    status: int
    type: str
    times: int
    retry_after: str | None
    path_prefix: str


@dataclass
class _World:
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)  # provider_id -> profile
    invitations: dict[str, dict[str, Any]] = field(default_factory=dict)  # invitation id -> pending invite
    relations: list[dict[str, Any]] = field(default_factory=list)  # newest last
    chats: dict[str, dict[str, Any]] = field(default_factory=dict)


class _Answer(Exception):
    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        self.status, self.body, self.headers = status, body, headers or {}


def _error(status: int, kind: str, detail: str = "", headers: dict[str, str] | None = None) -> _Answer:
    return _Answer(status, {"object": "Error", "status": status, "type": kind, "title": kind.split("/")[-1],
                            "detail": detail}, headers)


class LinkedInApiServer(HttpDevServer):
    def __init__(self, *, api_key: str = "dev-key", account_id: str = "li-account-1", clock: Clock | None = None,
                 webhook_url: str | None = None, webhook_secret: str = "dev-webhook-secret"):
        self.api_key, self.account_id, self.clock = api_key, account_id, clock or SystemClock()
        self.webhook_url, self.webhook_secret = webhook_url, webhook_secret
        self.requests: list[RecordedRequest] = []
        self.restricted = False  # LinkedIn showed the account a warning: invites and messages are refused
        self.webhook_statuses: list[int] = []
        self._world = _World()
        self._failures: list[_Failure] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        super().__init__(_handler_for(self), "linkedin-api")

    @property
    def base_url(self) -> str:
        return self.address

    # The world and the script.

    def add_profile(self, public_identifier: str, first_name: str = "", last_name: str = "",
                    connected: bool = False) -> str:
        """A LinkedIn member; returns its provider id."""
        with self._lock:
            provider_id = f"ACoAA{next(self._ids):08d}"
            self._world.profiles[provider_id] = {
                "object": "UserProfile", "provider_id": provider_id, "public_identifier": public_identifier,
                "first_name": first_name, "last_name": last_name,
                "network_distance": "FIRST_DEGREE" if connected else "SECOND_DEGREE"}
            return provider_id

    def fail_next(self, status: int, kind: str, *, times: int = 1, retry_after: int | str | None = None,
                  path_prefix: str = "/") -> None:
        """The next `times` requests under `path_prefix` get this error (Retry-After when given)."""
        with self._lock:
            self._failures.append(_Failure(status, kind, times, None if retry_after is None else str(retry_after),
                                           path_prefix))

    def rate_limit(self, times: int = 1, retry_after: int | str = 2) -> None:
        self.fail_next(429, "errors/too_many_requests", times=times, retry_after=retry_after)

    def auth_error(self, times: int = 1) -> None:
        self.fail_next(401, "errors/disconnected_account", times=times)

    def pending_invitations(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._world.invitations.values())

    def accept_invitation(self, provider_id: str) -> None:
        """The lead accepts: a new 1st-degree relation and a `new_relation` webhook."""
        with self._lock:
            for key, invite in list(self._world.invitations.items()):
                if invite["invited_user_id"] == provider_id:
                    del self._world.invitations[key]
            profile = self._world.profiles[provider_id]
            profile["network_distance"] = "FIRST_DEGREE"
            now = self.clock.now().isoformat()
            self._world.relations.append({
                "object": "UserRelation", "member_id": provider_id, "public_identifier": profile["public_identifier"],
                "first_name": profile["first_name"], "last_name": profile["last_name"], "created_at": now})
        self.post_webhook({"event": "new_relation", "account_id": self.account_id, "user_provider_id": provider_id,
                           "user_public_identifier": profile["public_identifier"],
                           "user_full_name": f"{profile['first_name']} {profile['last_name']}".strip(),
                           "timestamp": now})

    def reply(self, provider_id: str, text: str) -> str:
        """The lead writes to us: a message in their chat and a `message_received` webhook. Returns the chat id."""
        with self._lock:
            chat = self._chat_with(provider_id)
            message = self._add_message(chat, provider_id, text, from_us=False)
        self.post_webhook({"event": "message_received", "account_id": self.account_id, "chat_id": chat["id"],
                           "message_id": message["id"], "message": text, "timestamp": message["timestamp"],
                           "is_sender": False, "sender": {"attendee_provider_id": provider_id}})
        return str(chat["id"])

    def post_webhook(self, event: dict[str, Any]) -> None:
        """POST the event, signed, to `webhook_url` (if set); the answer's status is kept."""
        if not self.webhook_url:
            return
        body = json.dumps(event).encode()
        signature = "sha256=" + hmac.new(self.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
        response = httpx.post(self.webhook_url, content=body, timeout=5,
                              headers={"Content-Type": "application/json", "X-Webhook-Signature": signature})
        self.webhook_statuses.append(response.status_code)

    # Serving (called from the handler threads, under the lock).

    def _answer(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, dict[str, Any]]:
        for failure in self._failures:
            if path.startswith(failure.path_prefix) and failure.times > 0:
                failure.times -= 1
                headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
                raise _error(failure.status, failure.type, "scripted failure", headers)
        account = query.get("account_id") or (body or {}).get("account_id")
        if account is not None and account != self.account_id:
            raise _error(404, "errors/account_not_found", f"no account {account}")
        route = (method, *path.strip("/").split("/"))
        match route:
            case ("GET", "users", "relations"):
                return 200, self._page("UserRelationsList", self._world.relations[::-1], query)
            case ("GET", "users", "invite", "sent"):
                return 200, self._page("InvitationList", list(self._world.invitations.values()), query)
            case ("DELETE", "users", "invite", "sent", invitation_id):
                if self._world.invitations.pop(invitation_id, None) is None:
                    raise _error(404, "errors/resource_not_found", "no such pending invitation")
                return 200, {"object": "InvitationCanceled"}
            case ("POST", "users", "invite"):
                return 201, self._invite(body)
            case ("GET", "users", identifier):
                return 200, self._profile(identifier)
            case ("GET", "chats"):
                chats = [{"object": "Chat", "id": c["id"], "attendee_provider_id": c["attendee"],
                          "timestamp": c["timestamp"]} for c in self._world.chats.values()]
                return 200, self._page("ChatList", chats[::-1], query)
            case ("POST", "chats"):
                return 201, self._start_chat(body)
            case ("GET", "chats", chat_id, "messages"):
                return 200, self._page("MessageList", self._chat(chat_id)["messages"][::-1], query)
            case ("POST", "chats", chat_id, "messages"):
                self._refuse_if_restricted()
                message = self._add_message(self._chat(chat_id), self.account_id, body["text"], from_us=True)
                return 201, {"object": "MessageSent", "message_id": message["id"]}
        raise _error(404, "errors/not_found", f"no route {method} {path}")

    def _profile(self, identifier: str) -> dict[str, Any]:
        for profile in self._world.profiles.values():
            if identifier in (profile["provider_id"], profile["public_identifier"]):
                return profile
        raise _error(404, "errors/resource_not_found", f"no member {identifier}")

    def _refuse_if_restricted(self) -> None:
        if self.restricted:
            raise _error(422, "errors/account_restricted", "LinkedIn has restricted this account's activity")

    def _invite(self, body: dict[str, Any]) -> dict[str, Any]:
        self._refuse_if_restricted()
        profile = self._profile(body["provider_id"])
        if profile["network_distance"] == "FIRST_DEGREE":
            raise _error(422, "errors/already_connected", "already a 1st-degree connection")
        if any(i["invited_user_id"] == profile["provider_id"] for i in self._world.invitations.values()):
            raise _error(422, "errors/already_invited_recently", "an invitation is already pending")
        if len(body.get("message") or "") > 300:
            raise _error(422, "errors/invalid_parameters", "note longer than 300 characters")
        invitation_id = f"inv-{next(self._ids)}"
        self._world.invitations[invitation_id] = {
            "object": "Invitation", "id": invitation_id, "invited_user_id": profile["provider_id"],
            "invited_user_public_id": profile["public_identifier"], "message": body.get("message") or "",
            "date": self.clock.now().isoformat()}
        return {"object": "UserInvitationSent", "invitation_id": invitation_id}

    def _start_chat(self, body: dict[str, Any]) -> dict[str, Any]:
        self._refuse_if_restricted()
        [attendee] = body["attendees_ids"]
        if self._profile(attendee)["network_distance"] != "FIRST_DEGREE":
            raise _error(422, "errors/not_connected", "messages go only to 1st-degree connections")
        chat = self._chat_with(attendee)
        message = self._add_message(chat, self.account_id, body["text"], from_us=True)
        return {"object": "ChatStarted", "chat_id": chat["id"], "message_id": message["id"]}

    def _chat(self, chat_id: str) -> dict[str, Any]:
        if chat_id not in self._world.chats:
            raise _error(404, "errors/resource_not_found", f"no chat {chat_id}")
        return self._world.chats[chat_id]

    def _chat_with(self, attendee: str) -> dict[str, Any]:
        for chat in self._world.chats.values():
            if chat["attendee"] == attendee:
                return chat
        chat_id = f"chat-{next(self._ids)}"
        chat = {"id": chat_id, "attendee": attendee, "messages": [], "timestamp": self.clock.now().isoformat()}
        self._world.chats[chat_id] = chat
        return chat

    def _add_message(self, chat: dict[str, Any], sender: str, text: str, *, from_us: bool) -> dict[str, Any]:
        message = {"object": "ChatMessage", "id": f"msg-{next(self._ids)}", "chat_id": chat["id"],
                   "sender_id": sender, "text": text, "timestamp": self.clock.now().isoformat(),
                   "is_sender": from_us}
        chat["messages"].append(message)
        chat["timestamp"] = message["timestamp"]
        return message

    @staticmethod
    def _page(kind: str, items: list[dict[str, Any]], query: dict[str, str]) -> dict[str, Any]:
        """Newest first; the cursor is an opaque offset."""
        start = int(base64.urlsafe_b64decode(query["cursor"]).decode()) if query.get("cursor") else 0
        limit = min(int(query.get("limit", 100)), 250)
        end = start + limit
        cursor = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(items) else None
        return {"object": kind, "items": items[start:end], "cursor": cursor}


def _handler_for(server: LinkedInApiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            path = url.path.removeprefix(PREFIX)
            query = dict(parse_qsl(url.query))
            headers: dict[str, str] = {}
            try:
                body = json.loads(raw) if raw else None
                with server._lock:
                    server.requests.append(RecordedRequest(self.command, path, query, body, dict(self.headers)))
                    if self.headers.get("X-API-KEY") != server.api_key:
                        raise _error(401, "errors/unauthorized", "missing or wrong X-API-KEY")
                    status, answer = server._answer(self.command, path, query, body)
            except _Answer as exc:
                status, answer, headers = exc.status, exc.body, exc.headers
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                status, answer = 400, _error(400, "errors/invalid_parameters", str(exc)).body
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = _serve

        def log_message(self, format: str, *args: object) -> None:  # quiet: requests are recorded instead
            pass

    return Handler
