"""People-search APIs as a discovery source: the provider interface, and one HTTP implementation.

A provider answers SearchFilters with pages of person records in the prospect-index format (with the
company under "company"), so ranking, fit signals, dedup and saving treat them exactly like index results.
`HttpPeopleSearch` speaks the JSON format documented in docs/discovery.md ("The people-search API"):

    POST {url}/v1/people/search   Authorization: Bearer KEY
    {"filters": {...SearchFilters...}, "limit": 50, "cursor": null}
    → 200 {"data": [person, ...], "next_cursor": "..." | null, "total": 1234 | null}
    → 4xx/5xx {"error": {"code": "...", "message": "..."}}

429 is retried after Retry-After (seconds or an HTTP date, capped at `max_wait`), 5xx and network errors
with exponential backoff, `max_retries` times; other 4xx answers fail at once with the API's message.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx

from outboard.core.errors import ConfigError, OutboardError
from outboard.sources.icp.filters import SearchFilters
from outboard.sources.index.keys import person_keys

MAX_PAGE = 100


@dataclass(frozen=True)
class PeoplePage:
    records: list[dict[str, Any]]
    next_cursor: str | None
    total: int | None = None


class PeopleSearchProvider(Protocol):
    """Answers a search with one page of people; `cursor` is the previous page's `next_cursor`."""

    name: str

    def search(self, filters: SearchFilters, *, limit: int = 50, cursor: str | None = None) -> PeoplePage: ...


class PeopleApiError(OutboardError):
    """The API refused or could not answer; the message says which and what it said."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.status, self.code = status, code


@dataclass
class PeopleApiConfig:
    url: str
    api_key: str = ""
    timeout: float = 15.0
    max_retries: int = 4
    backoff: float = 0.5  # seconds before the first retry of a 5xx; doubles each time
    max_wait: float = 60.0  # longest Retry-After honoured; longer waits fail the request

    @classmethod
    def from_settings(cls, settings: Any, url: str | None = None, api_key: str | None = None) -> PeopleApiConfig:
        """From `people_api_url` / `people_api_key` settings when Settings has them, else the given values."""
        url = url or getattr(settings, "people_api_url", None)
        if not url:
            raise ConfigError("no people-search API is configured: give --api-url (and --api-key), or set "
                              "people_api_url in the settings (docs/discovery.md)")
        key = api_key if api_key is not None else getattr(settings, "people_api_key", None)
        return cls(url=str(url), api_key=str(key or ""))


def _retry_after(value: str | None, now: Callable[[], datetime]) -> float | None:
    if not value:
        return None
    text = value.strip()
    if text.replace(".", "", 1).isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now()).total_seconds())


def _message(response: httpx.Response) -> tuple[str, str | None]:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:200] or response.reason_phrase, None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return str(error.get("message") or response.reason_phrase)[:300], error.get("code")
    return response.reason_phrase, None


def api_record(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A person record from an API page, with the identity keys dedup reads ("_keys")."""
    record = dict(raw)
    record["id"] = str(record.get("id") or "")
    company = record.get("company")
    record["company"] = dict(company) if isinstance(company, Mapping) else None
    for name in ("posts", "positions", "skills"):
        if not isinstance(record.get(name), list):
            record[name] = []
    keys = person_keys(first_name=record.get("first_name"), last_name=record.get("last_name"),
                       full_name=record.get("full_name"), linkedin=record.get("linkedin_id") or record.get(
                           "linkedin_url"), email=record.get("email"),
                       company_domain=record.get("company_domain") or (record["company"] or {}).get("domain"),
                       company_name=record.get("company_name") or (record["company"] or {}).get("name"))
    record.setdefault("full_name", keys.full_name)
    record["_keys"] = (keys.linkedin, keys.email, keys.name_domain, keys.company_domain)
    return record


@dataclass
class HttpPeopleSearch:
    config: PeopleApiConfig
    name: str = "people_api"
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    client: httpx.Client | None = None

    def __post_init__(self) -> None:
        if self.client is None:
            headers = {"Accept": "application/json", "User-Agent": "outboard-discovery"}
            if self.config.api_key:
                headers["Authorization"] = f"Bearer {self.config.api_key}"
            self.client = httpx.Client(base_url=self.config.url.rstrip("/"), timeout=self.config.timeout,
                                       headers=headers)

    def close(self) -> None:
        if self.client is not None:
            self.client.close()

    def search(self, filters: SearchFilters, *, limit: int = 50, cursor: str | None = None) -> PeoplePage:
        body = {"filters": filters.to_dict(), "limit": max(1, min(MAX_PAGE, limit)), "cursor": cursor}
        response = self._send(body)
        try:
            data = response.json()
        except ValueError:
            raise PeopleApiError(f"{self.name} answered {response.status_code} with a body that is not JSON",
                                 status=response.status_code) from None
        items = data.get("data") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise PeopleApiError(f"{self.name} answered without a 'data' list", status=response.status_code)
        records = [api_record(item) for item in items if isinstance(item, Mapping) and item.get("id")]
        next_cursor = data.get("next_cursor")
        total = data.get("total")
        return PeoplePage(records, str(next_cursor) if next_cursor else None,
                          int(total) if isinstance(total, int) and not isinstance(total, bool) else None)

    def _send(self, body: dict[str, Any]) -> httpx.Response:
        assert self.client is not None
        delay = self.config.backoff
        last = "no answer"
        for attempt in range(self.config.max_retries + 1):
            try:
                response = self.client.post("/v1/people/search", json=body)
            except httpx.HTTPError as exc:  # connection refused, reset, timeout: worth another try
                last = f"{type(exc).__name__}: {exc}"
                wait: float | None = delay
            else:
                if response.status_code < 300:
                    return response
                message, code = _message(response)
                if response.status_code == 429:
                    wait = _retry_after(response.headers.get("Retry-After"), self.now)
                    if wait is not None and wait > self.config.max_wait:
                        raise PeopleApiError(f"{self.name} is rate limited for {wait:.0f} s (Retry-After); try "
                                             "again later", status=429, code=code)
                    wait = delay if wait is None else wait
                    last = f"429 rate limited: {message}"
                elif response.status_code >= 500:
                    wait, last = delay, f"{response.status_code}: {message}"
                else:
                    hint = " (check the API key)" if response.status_code in (401, 403) else ""
                    raise PeopleApiError(f"{self.name} refused the search ({response.status_code}"
                                         f"{' ' + code if code else ''}): {message}{hint}",
                                         status=response.status_code, code=code)
            if attempt == self.config.max_retries:
                break
            self.sleep(wait)
            delay *= 2
        raise PeopleApiError(f"{self.name} did not answer after {self.config.max_retries + 1} attempts ({last})")
