"""The LLM writer: any OpenAI-compatible endpoint (OpenAI, Ollama, vLLM, llama.cpp) behind the Writer
interface. One call per lead writes every step; calls run concurrently under a semaphore; 429 and 5xx
are retried with exponential backoff and jitter (Retry-After honoured); malformed JSON is retried, then
reported; refusals are reported, never turned into drafts.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import openai

from outboard.core.profile import LeadProfile
from outboard.core.writing import Draft, Hook, StepBrief, StrategyProfile
from outboard.write.cache import DraftCache, request_key
from outboard.write.prompt import PROMPT_VERSION, build_messages, response_schema
from outboard.write.reply import MalformedReply, looks_like_refusal, parse_reply
from outboard.write.writer import WriteRequest, WriterError, WriteResult

_RETRY_STATUS = {408, 409, 425, 429}


@dataclass(frozen=True)
class LLMConfig:
    base_url: str  # e.g. http://localhost:11434/v1 (Ollama) or https://api.openai.com/v1
    model: str
    api_key: str = "not-needed"  # local servers accept anything; the SDK wants a value
    concurrency: int = 16
    max_attempts: int = 6  # per lead, for 429 / 5xx / connection errors
    malformed_attempts: int = 3  # per lead, for answers that are not the schema's JSON
    backoff_base_s: float = 0.5
    backoff_max_s: float = 20.0
    max_retry_after_s: float = 120.0
    timeout_s: float = 60.0
    temperature: float = 0.4
    max_tokens: int = 1500
    response_format: str = "json_schema"  # json_schema | json_object | none (for servers without either)
    usd_per_mtok_in: float = 0.0  # prices for cost accounting, micro-dollars per token
    usd_per_mtok_out: float = 0.0


def retry_delay(attempt: int, headers: Mapping[str, str], config: LLMConfig, rng: random.Random) -> float:
    """Seconds to wait before retry number `attempt` (1-based): the server's Retry-After when it sends
    one (capped), else exponential backoff with jitter."""
    after = _retry_after(headers)
    if after is not None:
        return min(after, config.max_retry_after_s) + rng.uniform(0, 0.05)
    ceiling = min(config.backoff_max_s, config.backoff_base_s * 2 ** (attempt - 1))
    return rng.uniform(ceiling / 2, ceiling)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    lowered = {k.lower(): v for k, v in headers.items()}
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = lowered.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) / scale)
        except ValueError:
            pass
        try:  # an HTTP date
            return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            continue
    return None


class LLMWriter:
    name = "llm"

    def __init__(self, config: LLMConfig, *, cache: DraftCache | None = None, rng: random.Random | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        self.config, self.cache = config, cache
        self._rng = rng or random.Random()
        self._sleep = sleep

    @property
    def generator(self) -> str:
        return f"llm:{self.config.model}"

    def write(self, lead: LeadProfile, strategy: StrategyProfile, steps: Sequence[StepBrief],
              hooks: Sequence[Hook] = ()) -> list[Draft]:
        """Blocking form for synchronous callers (Huey tasks). Raises WriterError."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            request = WriteRequest(lead, strategy, tuple(steps), tuple(hooks))
            return _drafts_or_raise(asyncio.run(self.write_batch([request]))[0])
        raise WriterError("config", "LLMWriter.write() was called inside an event loop; await awrite() instead")

    async def awrite(self, lead: LeadProfile, strategy: StrategyProfile, steps: Sequence[StepBrief],
                     hooks: Sequence[Hook] = ()) -> list[Draft]:
        request = WriteRequest(lead, strategy, tuple(steps), tuple(hooks))
        return _drafts_or_raise((await self.write_batch([request]))[0])

    async def write_batch(self, requests: Sequence[WriteRequest]) -> list[WriteResult]:
        gate = asyncio.Semaphore(max(1, self.config.concurrency))
        async with openai.AsyncOpenAI(base_url=self.config.base_url, api_key=self.config.api_key or "not-needed",
                                      max_retries=0, timeout=self.config.timeout_s) as client:
            return list(await asyncio.gather(*(self._one(client, gate, r) for r in requests)))

    async def _one(self, client: openai.AsyncOpenAI, gate: asyncio.Semaphore, request: WriteRequest) -> WriteResult:
        messages = build_messages(request.lead, request.strategy, request.steps, request.hooks)
        key = request_key(messages, model=self.config.model, response_format=self.config.response_format)
        if self.cache is not None and (cached := self.cache.get(key)) is not None:
            drafts = tuple(Draft(d.position, d.channel, d.body, d.subject, d.hooks, d.generator, d.prompt_version,
                                 {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0, "cached": 1})
                           for d in cached)
            return WriteResult(request.key, drafts, cached=True, usage={"calls": 0})
        usage: dict[str, int] = {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
        async with gate:
            try:
                drafts = await self._generate(client, messages, request, usage)
            except WriterError as exc:
                return WriteResult(request.key, error=exc, usage=self._priced(usage))
        usage = self._priced(usage)
        drafts = _share_usage(drafts, usage)
        if self.cache is not None:
            self.cache.put(key, drafts)
        return WriteResult(request.key, tuple(drafts), usage=usage)

    async def _generate(self, client: openai.AsyncOpenAI, messages: list[dict[str, str]], request: WriteRequest,
                        usage: dict[str, int]) -> list[Draft]:
        transient = malformed = 0
        problem = ""
        while True:
            usage["calls"] += 1
            try:
                response = await client.chat.completions.create(**self._params(messages, request.steps))
            except openai.APIStatusError as exc:
                if exc.status_code not in _RETRY_STATUS and exc.status_code < 500:
                    raise WriterError("rejected", f"the model endpoint refused the request: HTTP {exc.status_code} "
                                      f"{_short(exc.message)}", attempts=usage["calls"]) from None
                transient += 1
                code = "rate_limited" if exc.status_code == 429 else "server_error"
                if transient >= self.config.max_attempts:
                    raise WriterError(code, f"the model endpoint still answered HTTP {exc.status_code} after "
                                      f"{transient} attempts", attempts=usage["calls"], retryable=True) from None
                await self._sleep(retry_delay(transient, dict(exc.response.headers), self.config, self._rng))
                continue
            except (openai.APIConnectionError, openai.APITimeoutError) as exc:
                transient += 1
                if transient >= self.config.max_attempts:
                    raise WriterError("connection", f"cannot reach the model endpoint {self.config.base_url}: "
                                      f"{_short(str(exc))}", attempts=usage["calls"], retryable=True) from None
                await self._sleep(retry_delay(transient, {}, self.config, self._rng))
                continue
            except openai.APIResponseValidationError as exc:
                malformed, problem = malformed + 1, f"unreadable response ({_short(str(exc))})"
            else:
                _add_usage(usage, response)
                try:
                    return self._read(response, request)
                except MalformedReply as exc:
                    malformed, problem = malformed + 1, str(exc)
            if malformed >= self.config.malformed_attempts:
                raise WriterError("malformed_output", f"the model did not return the requested JSON in {malformed} "
                                  f"attempts; last problem: {problem}", attempts=usage["calls"])

    def _params(self, messages: list[dict[str, str]], steps: Sequence[StepBrief]) -> dict[str, Any]:
        params: dict[str, Any] = {"model": self.config.model, "messages": messages,
                                  "temperature": self.config.temperature, "max_tokens": self.config.max_tokens}
        if self.config.response_format == "json_schema":
            params["response_format"] = {"type": "json_schema", "json_schema": {
                "name": "outreach_messages", "strict": True, "schema": response_schema(steps)}}
        elif self.config.response_format == "json_object":
            params["response_format"] = {"type": "json_object"}
        return params

    def _read(self, response: Any, request: WriteRequest) -> list[Draft]:
        choice = response.choices[0] if response.choices else None
        if choice is None:
            raise MalformedReply("the response has no choices")
        message = choice.message
        refusal = getattr(message, "refusal", None)
        if refusal or choice.finish_reason == "content_filter":
            reason = _short(refusal or "content filter")
            raise WriterError("refused", f"the model refused to write for this lead: {reason}")
        content = message.content or ""
        if choice.finish_reason == "length":
            raise MalformedReply("the answer was cut off (max_tokens reached)")
        if looks_like_refusal(content):
            raise WriterError("refused", f"the model refused to write for this lead: {_short(content)}")
        drafts, refused = parse_reply(content, request.steps, request.hooks, generator=self.generator,
                                      prompt_version=PROMPT_VERSION)
        if refused:
            raise WriterError("refused", f"the model refused to write for this lead: {_short(refused)}")
        return drafts

    def _priced(self, usage: dict[str, int]) -> dict[str, int]:
        cost = usage.get("prompt_tokens", 0) * self.config.usd_per_mtok_in + usage.get(
            "completion_tokens", 0) * self.config.usd_per_mtok_out
        return {**usage, "cost_micro_usd": round(cost)}


def _add_usage(usage: dict[str, int], response: Any) -> None:
    reported = getattr(response, "usage", None)
    for name in ("prompt_tokens", "completion_tokens", "total_tokens"):
        usage[name] += int(getattr(reported, name, 0) or 0)


def _share_usage(drafts: list[Draft], usage: dict[str, int]) -> list[Draft]:
    """Split the call's tokens and cost across the drafts it produced (remainder to the first), so the
    usage ledger can meter each message."""
    names = ("prompt_tokens", "completion_tokens", "total_tokens", "cost_micro_usd")
    count = len(drafts) or 1
    out = []
    for i, draft in enumerate(drafts):
        share = {n: usage.get(n, 0) // count + (usage.get(n, 0) % count if i == 0 else 0) for n in names}
        out.append(Draft(draft.position, draft.channel, draft.body, draft.subject, draft.hooks, draft.generator,
                         draft.prompt_version, share))
    return out


def _drafts_or_raise(result: WriteResult) -> list[Draft]:
    if result.error is not None:
        raise result.error
    return list(result.drafts)


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
