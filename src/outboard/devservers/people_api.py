"""A local people-search API speaking the format of docs/discovery.md ("The people-search API").

It holds person records in the prospect-index format (with their company under "company"), answers
`POST /v1/people/search` with the ones that match the filters (ranking.matches, the reference semantics),
in id order, page by page with opaque cursors, and checks the bearer key. For tests it can be scripted to
misbehave on the next requests: 429 with a Retry-After, a 5xx, any 4xx, a dropped connection. Every
request is recorded.

    with PeopleApiServer(records, today=date(2026, 1, 15)) as api:
        api.fail_next(429, retry_after="1")
        provider = HttpPeopleSearch(PeopleApiConfig(api.base_url, api.api_key))
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

from outboard.core.errors import ValidationError
from outboard.devservers.http import HttpDevServer
from outboard.sources.icp.filters import SearchFilters
from outboard.sources.ranking import Matcher

MAX_LIMIT = 100


@dataclass(frozen=True)
class Recorded:
    path: str
    body: Any
    headers: dict[str, str]
    status: int


@dataclass(frozen=True)
class _Failure:
    status: int
    retry_after: str | None = None
    code: str = ""
    message: str = ""
    drop: bool = False  # close the connection without an answer


def _cursor(offset: int, fingerprint: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "f": fingerprint}).encode()).decode()


def _read_cursor(text: str, fingerprint: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(text.encode()))
        offset, seen = int(data["o"]), str(data["f"])
    except (ValueError, KeyError, TypeError):
        raise ValidationError("cursor", "is not a cursor this API gave out") from None
    if seen != fingerprint:
        raise ValidationError("cursor", "belongs to a search with other filters")
    return offset


class PeopleApiServer(HttpDevServer):
    def __init__(self, records: Iterable[Mapping[str, Any]] = (), *, api_key: str = "dev-people-key",
                 today: date | None = None, host: str = "127.0.0.1", port: int = 0):
        self.api_key = api_key
        self.today = today or datetime.now(UTC).date()
        self.records = sorted((dict(r) for r in records), key=lambda r: str(r.get("id")))
        self.requests: list[Recorded] = []
        self._failures: deque[_Failure] = deque()
        self._lock = threading.Lock()
        super().__init__(_handler_for(self), "people-api", host=host, port=port)

    @property
    def base_url(self) -> str:
        return self.address

    def fail_next(self, status: int, *, times: int = 1, retry_after: str | None = None, code: str = "",
                  message: str = "", drop: bool = False) -> None:
        """Answer the next `times` searches with this error (429: Retry-After `retry_after` seconds)."""
        with self._lock:
            self._failures.extend([_Failure(status, retry_after, code, message, drop)] * times)

    def _next_failure(self) -> _Failure | None:
        with self._lock:
            return self._failures.popleft() if self._failures else None

    def search(self, body: Any) -> tuple[int, dict[str, Any]]:
        """(status, JSON body) for one search request."""
        if not isinstance(body, dict):
            return 400, _error("invalid_request", "the body must be a JSON object")
        try:
            filters = SearchFilters.from_dict(body.get("filters") or {})
        except ValidationError as exc:
            return 422, _error("invalid_filters", str(exc))
        limit = body.get("limit", 50)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            return 400, _error("invalid_limit", f"limit must be a whole number from 1 to {MAX_LIMIT}")
        fingerprint = hashlib.sha256(filters.to_json().encode()).hexdigest()[:16]
        try:
            offset = _read_cursor(body["cursor"], fingerprint) if body.get("cursor") else 0
        except ValidationError as exc:
            return 400, _error("invalid_cursor", str(exc))
        matcher = Matcher(filters, self.today)
        found = [r for r in self.records if matcher(r)]
        page = found[offset:offset + limit]
        following = offset + len(page)
        return 200, {"data": page, "next_cursor": _cursor(following, fingerprint) if following < len(found) else None,
                     "total": len(found)}


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _handler_for(server: PeopleApiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read `requests`
            return

        def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            payload = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body: Any = json.loads(raw or b"{}")
            except ValueError:
                body = None
            status, answer, extra = self._answer(body)
            with server._lock:
                server.requests.append(Recorded(self.path, body, dict(self.headers.items()), status))
            if status == 0:  # a dropped connection
                self.close_connection = True
                self.connection.close()
                return
            self._send(status, answer, extra)

        def _answer(self, body: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
            if self.path.split("?")[0].rstrip("/") != "/v1/people/search":
                return 404, _error("not_found", f"no route {self.path}"), {}
            if self.headers.get("Authorization") != f"Bearer {server.api_key}":
                return 401, _error("unauthorized", "missing or wrong API key"), {}
            failure = server._next_failure()
            if failure is not None:
                if failure.drop:
                    return 0, {}, {}
                headers = {"Retry-After": failure.retry_after} if failure.retry_after is not None else {}
                default = "slow down" if failure.status == 429 else "scripted failure"
                return failure.status, _error(failure.code or f"http_{failure.status}",
                                              failure.message or default), headers
            if body is None:
                return 400, _error("invalid_json", "the body is not JSON"), {}
            status, answer = server.search(body)
            return status, answer, {}

        def do_GET(self) -> None:
            self._send(405, _error("method_not_allowed", "POST /v1/people/search"))

    return Handler


def main() -> None:
    """`python -m outboard.devservers.people_api --sample 2000 --port 8091`: serve sample people."""
    from outboard.sources.ranking import join_companies
    from outboard.sources.sample import SampleGenerator, SampleSpec

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--sample", type=int, default=2000, help="sample people to serve")
    parser.add_argument("--api-key", default="dev-people-key")
    args = parser.parse_args()
    generator = SampleGenerator(SampleSpec(people=args.sample, seed=7, reference_date=datetime.now(UTC).date()))
    companies = {c["id"]: c for c in generator.companies()}
    server = PeopleApiServer(join_companies(generator.people(), companies), api_key=args.api_key,
                             host=args.host, port=args.port)
    print(f"people-search API on {server.base_url} (key {args.api_key}); Ctrl-C to stop", flush=True)
    server.serve_until_interrupted()


if __name__ == "__main__":
    main()
