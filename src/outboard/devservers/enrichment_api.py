"""A local enrichment API speaking the format of docs/enrichment.md: person match with paginated posts,
and an email finder. Runs in a thread on loopback, records every request, and can be scripted: answer
the next requests with an error (429 with Retry-After, 5xx, 401), answer slowly (client timeouts), or call
a function on each request (a test's crash switch).

    with EnrichmentApiServer() as api:
        api.add_person({"first_name": "Jane", "last_name": "Doe", "company": {"domain": "acme.test"}, ...},
                       posts=[{"text": "...", "published_at": "2026-02-20"}])
        api.add_email("Jane", "Doe", "acme.test", "jane.doe@acme.test", score=91)
        ...  # point a provider at api.base_url with api.api_key
        api.rate_limit(times=1, retry_after=1)
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from outboard.devservers.http import HttpDevServer

PREFIX = "/v1"
MAX_PAGE = 50


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # without /v1 and the query
    query: dict[str, str]
    body: Any
    headers: dict[str, str]


@dataclass
class _Script:
    status: int
    times: int
    retry_after: str | None
    path_prefix: str
    delay: float = 0.0  # >0: answer normally, this many seconds late


class _Answer(Exception):
    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        self.status, self.body, self.headers = status, body, headers or {}


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> _Answer:
    return _Answer(status, {"error": {"code": code, "message": message}}, headers)


def _fold(text: Any) -> str:
    plain = unicodedata.normalize("NFKD", str(text or "").casefold())
    return " ".join("".join(c for c in plain if not unicodedata.combining(c)).split())


class EnrichmentApiServer(HttpDevServer):
    def __init__(self, *, api_key: str = "dev-key"):
        self.api_key = api_key
        self.requests: list[RecordedRequest] = []
        self.on_request: Callable[[RecordedRequest], None] | None = None  # called before answering
        self._people: dict[str, dict[str, Any]] = {}
        self._posts: dict[str, list[dict[str, Any]]] = {}
        self._emails: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._scripts: list[_Script] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        super().__init__(_handler_for(self), "enrichment-api")

    @property
    def base_url(self) -> str:
        return self.address

    # The world.

    def add_person(self, person: dict[str, Any], posts: list[dict[str, Any]] | None = None) -> str:
        """A person in the API's format (docs/enrichment.md); posts newest first. Returns its id."""
        with self._lock:
            person_id = str(person.get("id") or f"per_{next(self._ids)}")
            self._people[person_id] = {**person, "id": person_id, "posts_count": len(posts or [])}
            self._posts[person_id] = list(posts or [])
            return person_id

    def add_email(self, first_name: str, last_name: str, domain: str, email: str, *, score: int = 90,
                  status: str = "valid", pattern: str | None = None) -> None:
        with self._lock:
            self._emails[(_fold(first_name), _fold(last_name), domain.lower())] = {
                "email": email, "score": score, "status": status, "pattern": pattern}

    # The script.

    def fail_next(self, status: int, *, times: int = 1, retry_after: int | str | None = None,
                  path_prefix: str = "/") -> None:
        """The next `times` requests under `path_prefix` get this status (with Retry-After when given)."""
        with self._lock:
            self._scripts.append(_Script(status, times, None if retry_after is None else str(retry_after),
                                         path_prefix))

    def rate_limit(self, *, times: int = 1, retry_after: int | str = 1, path_prefix: str = "/") -> None:
        self.fail_next(429, times=times, retry_after=retry_after, path_prefix=path_prefix)

    def slow_next(self, seconds: float, *, times: int = 1, path_prefix: str = "/") -> None:
        """The next `times` requests are answered `seconds` late (a client with a shorter timeout gives up)."""
        with self._lock:
            self._scripts.append(_Script(200, times, None, path_prefix, delay=seconds))

    def count(self, path_prefix: str = "/") -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.path.startswith(path_prefix))

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._scripts.clear()

    # Serving.

    def _scripted(self, path: str) -> _Script | None:
        with self._lock:
            for script in self._scripts:
                if script.times > 0 and path.startswith(script.path_prefix):
                    script.times -= 1
                    return script
        return None

    def _answer(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, dict[str, Any]]:
        route = (method, *path.strip("/").split("/"))
        with self._lock:
            match route:
                case ("POST", "people", "match"):
                    return 200, {"person": self._match(body or {})}
                case ("GET", "people", person_id, "posts"):
                    return 200, self._page(person_id, query)
                case ("GET", "email", "find"):
                    return 200, self._find(query)
        raise _error(404, "no_route", f"no route {method} {path}")

    def _match(self, body: dict[str, Any]) -> dict[str, Any]:
        linkedin, email = _fold(body.get("linkedin_username")), _fold(body.get("email"))
        first, last = _fold(body.get("first_name")), _fold(body.get("last_name"))
        full = _fold(body.get("full_name")) or f"{first} {last}".strip()
        domain, company = _fold(body.get("company_domain")), _fold(body.get("company_name"))
        if not (linkedin or email or (full and (domain or company))):
            raise _error(400, "invalid_request", "give linkedin_username, email, or a name with a company")
        for person in self._people.values():
            their = person.get("company") or {}
            name = _fold(person.get("full_name")) or f"{_fold(person.get('first_name'))} " \
                                                     f"{_fold(person.get('last_name'))}".strip()
            if (linkedin and linkedin == _fold(person.get("linkedin_username"))) \
                    or (email and email == _fold(person.get("email"))) \
                    or (full and full == name and ((domain and domain == _fold(their.get("domain")))
                                                   or (company and company == _fold(their.get("name"))))):
                return person
        raise _error(404, "not_found", "no person matches")

    def _page(self, person_id: str, query: dict[str, str]) -> dict[str, Any]:
        if person_id not in self._people:
            raise _error(404, "not_found", f"no person {person_id}")
        posts = self._posts[person_id]
        start = int(base64.urlsafe_b64decode(query["cursor"]).decode()) if query.get("cursor") else 0
        end = start + max(1, min(int(query.get("limit", 10)), MAX_PAGE))
        cursor = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(posts) else None
        return {"data": posts[start:end], "next_cursor": cursor}

    def _find(self, query: dict[str, str]) -> dict[str, Any]:
        domain = (query.get("domain") or "").lower()
        first, last = _fold(query.get("first_name")), _fold(query.get("last_name"))
        if not domain or not (first or last):
            raise _error(400, "invalid_request", "give domain, first_name and last_name")
        found = self._emails.get((first, last, domain))
        if found is None:
            raise _error(404, "not_found", "no address found")
        return found


def _handler_for(server: EnrichmentApiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            path = url.path.removeprefix(PREFIX)
            query = dict(parse_qsl(url.query))
            headers: dict[str, str] = {}
            try:
                body = json.loads(raw) if raw else None
                request = RecordedRequest(self.command, path, query, body, dict(self.headers))
                with server._lock:
                    server.requests.append(request)
                if server.on_request is not None:
                    server.on_request(request)
                if self.headers.get("Authorization") != f"Bearer {server.api_key}":
                    raise _error(401, "unauthorized", "missing or wrong API key")
                script = server._scripted(path)
                if script is not None and script.delay:
                    time.sleep(script.delay)
                elif script is not None:
                    extra = {"Retry-After": script.retry_after} if script.retry_after else {}
                    raise _error(script.status, "scripted", "scripted failure", extra)
                status, answer = server._answer(self.command, path, query, body)
            except _Answer as exc:
                status, answer, headers = exc.status, exc.body, exc.headers
            except (ValueError, KeyError, TypeError) as exc:
                status, answer = 400, _error(400, "invalid_request", str(exc)).body
            data = json.dumps(answer).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                pass

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: object) -> None:  # quiet: requests are recorded instead
            pass

    return Handler
