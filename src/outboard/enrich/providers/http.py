"""Calling a provider's JSON API politely: bounded timeouts, 429 answered by waiting what Retry-After
says, 5xx and network errors retried with exponential backoff, a deadline on the whole call.

One policy, a sync loop (profile providers) and an async loop (finders). What is left after the retries
becomes ProviderUnavailable, so the waterfall moves on and the lead is asked again on a later run.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from outboard.core.enrichment import ProviderUnavailable


@dataclass(frozen=True)
class HttpPolicy:
    timeout: float = 10.0  # connect, read, write: each at most this long
    max_attempts: int = 4
    backoff: float = 0.5  # first wait after a 5xx or a network error; doubled each time
    max_backoff: float = 8.0
    max_retry_after: float = 30.0  # a longer Retry-After is not waited for: the lead is retried later
    deadline: float = 60.0  # one logical call, waits included

    @classmethod
    def from_options(cls, options: Any) -> HttpPolicy:
        values = {k: float(options[k]) for k in ("timeout", "backoff", "max_retry_after", "deadline") if k in options}
        if "max_attempts" in options:
            values["max_attempts"] = int(options["max_attempts"])  # type: ignore[assignment]
        return cls(**values)  # type: ignore[arg-type]


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date (RFC 9110 §10.2.3). None when absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _wait_for(policy: HttpPolicy, attempt: int, response: httpx.Response | None, started: float,
              name: str) -> float | None:
    """Seconds to wait before the next attempt, None when the answer is final. Raises when giving up."""
    if response is not None and response.status_code < 500 and response.status_code != 429:
        return None
    last = attempt >= policy.max_attempts
    if response is not None and response.status_code == 429:
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        wait = policy.backoff * 2 ** (attempt - 1) if wait is None else wait
        if wait > policy.max_retry_after or last:
            raise ProviderUnavailable(f"{name} is rate limiting us (429); retry in {wait:.0f} s", retry_after=wait)
    else:
        wait = min(policy.max_backoff, policy.backoff * 2 ** (attempt - 1))
        if last:
            what = f"answered {response.status_code}" if response is not None else "could not be reached"
            raise ProviderUnavailable(f"{name} {what} {attempt} times")
    if time.monotonic() - started + wait > policy.deadline:
        raise ProviderUnavailable(f"{name} did not answer within {policy.deadline:.0f} s")
    return wait


def _network_problem(exc: httpx.HTTPError, name: str) -> str:
    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "could not be reached"
    return f"{name} {kind}: {type(exc).__name__}"


def send(client: httpx.Client, policy: HttpPolicy, name: str, request: Callable[[httpx.Client], httpx.Response],
         sleep: Callable[[float], None] = time.sleep) -> httpx.Response:
    """The final response (2xx or a 4xx other than 429); ProviderUnavailable when there is none."""
    started = time.monotonic()
    for attempt in range(1, policy.max_attempts + 1):
        try:
            response: httpx.Response | None = request(client)
        except httpx.HTTPError as exc:
            response, problem = None, _network_problem(exc, name)
            if attempt >= policy.max_attempts:
                raise ProviderUnavailable(problem) from None
        wait = _wait_for(policy, attempt, response, started, name)
        if wait is None:
            assert response is not None
            return response
        sleep(wait)
    raise ProviderUnavailable(f"{name} gave no usable answer")  # not reached: _wait_for raises on the last attempt


async def send_async(client: httpx.AsyncClient, policy: HttpPolicy, name: str,
                     request: Callable[[httpx.AsyncClient], Any]) -> httpx.Response:
    started = time.monotonic()
    for attempt in range(1, policy.max_attempts + 1):
        try:
            response: httpx.Response | None = await request(client)
        except httpx.HTTPError as exc:
            response, problem = None, _network_problem(exc, name)
            if attempt >= policy.max_attempts:
                raise ProviderUnavailable(problem) from None
        wait = _wait_for(policy, attempt, response, started, name)
        if wait is None:
            assert response is not None
            return response
        await asyncio.sleep(wait)
    raise ProviderUnavailable(f"{name} gave no usable answer")


def refuse(response: httpx.Response, name: str) -> None:
    """401/403: the key is wrong or lacks rights; asking again in this run will not help."""
    if response.status_code in (401, 403):
        raise ProviderUnavailable(f"{name} refused our API key ({response.status_code}): check its settings",
                                  permanent=True)


def json_body(response: httpx.Response, name: str) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise ProviderUnavailable(f"{name} answered {response.status_code} with something that is not JSON") from None
    if not isinstance(data, dict):
        raise ProviderUnavailable(f"{name} answered with JSON that is not an object")
    return data
