"""The LLM writer against a real OpenAI-compatible server on loopback: good answers, malformed JSON,
refusals, 429 and 5xx. It retries or reports clearly, and never returns a broken draft as good."""

from __future__ import annotations

import json
import time

import pytest

from outboard.core.profile import LeadProfile
from outboard.core.sequence import Channel
from outboard.devservers.openai_server import OpenAIServer, Reply
from outboard.plays.library import get_play
from outboard.write.cache import MemoryDraftCache, cache_key
from outboard.write.guardrails import approvable, check_drafts
from outboard.write.hooks import mine_hooks
from outboard.write.llm import LLMConfig, LLMWriter
from outboard.write.prompt import PROMPT_VERSION
from outboard.write.writer import WriteRequest, WriterError
from tests.write.sample_leads import TODAY, sample_strategy

BRIEFS = tuple(get_play("cold-linkedin-first").briefs())
STRATEGY = sample_strategy()


def _request(lead: LeadProfile, key: str = "") -> WriteRequest:
    return WriteRequest(lead, STRATEGY, BRIEFS, tuple(mine_hooks(lead, STRATEGY, today=TODAY)), key)


async def test_a_good_answer_becomes_grounded_drafts_for_every_step(server: OpenAIServer, config: LLMConfig,
                                                                    leads: list[LeadProfile]) -> None:
    lead = leads[10]
    request = _request(lead)
    drafts = await LLMWriter(config).awrite(lead, STRATEGY, request.steps, request.hooks)
    assert [(d.position, d.channel) for d in drafts] == [(b.position, b.channel) for b in BRIEFS]
    assert drafts[2].subject and all(d.subject is None for i, d in enumerate(drafts) if i != 2)
    assert all(d.generator == f"llm:{server.model}" and d.prompt_version == PROMPT_VERSION for d in drafts)
    assert all(approvable(f) for f in check_drafts(drafts, lead, STRATEGY))
    (call,) = server.requests
    body = call.body
    assert body["model"] == server.model
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert [m["role"] for m in body["messages"]] == ["system", "user"]


async def test_usage_is_returned_per_draft_and_adds_up(server: OpenAIServer, leads: list[LeadProfile]) -> None:
    config = LLMConfig(base_url=server.base_url, model=server.model, usd_per_mtok_in=2.5, usd_per_mtok_out=10)
    (result,) = await LLMWriter(config).write_batch([_request(leads[1])])
    assert result.ok and result.usage["calls"] == 1
    for name in ("prompt_tokens", "completion_tokens", "total_tokens", "cost_micro_usd"):
        assert sum(d.usage[name] for d in result.drafts) == result.usage[name] > 0
    assert result.usage["cost_micro_usd"] == round(result.usage["prompt_tokens"] * 2.5
                                                   + result.usage["completion_tokens"] * 10)


async def test_malformed_json_is_retried_then_succeeds(server: OpenAIServer, config: LLMConfig,
                                                       leads: list[LeadProfile]) -> None:
    server.script(Reply.malformed(), Reply.raw('{"messages": []}'))
    (result,) = await LLMWriter(config).write_batch([_request(leads[2])])
    assert result.ok and len(result.drafts) == len(BRIEFS)
    assert len(server.requests) == 3 and result.usage["calls"] == 3


async def test_malformed_json_every_time_is_a_clear_error_and_no_drafts(server: OpenAIServer, config: LLMConfig,
                                                                        leads: list[LeadProfile]) -> None:
    server.script(Reply.malformed(), Reply.raw("Sure! Here are your messages."), Reply.raw('{"messages": 3}'))
    (result,) = await LLMWriter(config).write_batch([_request(leads[2], key="enrollment-9")])
    assert not result.ok and result.drafts == () and result.key == "enrollment-9"
    assert result.error is not None and result.error.code == "malformed_output"
    assert "3 attempts" in str(result.error) and '"messages" list' in str(result.error)
    with pytest.raises(WriterError, match="did not return the requested JSON"):
        server.script(*[Reply.malformed()] * 3)
        await LLMWriter(config).awrite(leads[2], STRATEGY, BRIEFS)


@pytest.mark.parametrize("answer", [
    {"messages": [{"position": 9, "channel": "email", "subject": "x", "body": "Hi", "hook_fact_paths": []}]},
    {"messages": "no"},
    {"data": []},
])
async def test_answers_off_the_schema_are_not_drafts(server: OpenAIServer, config: LLMConfig,
                                                     leads: list[LeadProfile], answer: object) -> None:
    server.script(*[Reply.raw(json.dumps(answer))] * 3)
    (result,) = await LLMWriter(config).write_batch([_request(leads[3])])
    assert result.error is not None and result.error.code == "malformed_output" and not result.drafts


@pytest.mark.parametrize("reply", [Reply.refusal(), Reply.raw("I'm sorry, but I can't write that message.")])
async def test_a_refusal_is_reported_and_not_retried(server: OpenAIServer, config: LLMConfig,
                                                     leads: list[LeadProfile], reply: Reply) -> None:
    server.script(reply)
    (result,) = await LLMWriter(config).write_batch([_request(leads[4])])
    assert result.error is not None and result.error.code == "refused" and not result.drafts
    assert "refused" in str(result.error) and len(server.requests) == 1


async def test_429_waits_for_retry_after_then_succeeds(server: OpenAIServer, config: LLMConfig,
                                                       leads: list[LeadProfile]) -> None:
    server.script(Reply.rate_limit(retry_after="1"))
    started = time.monotonic()
    (result,) = await LLMWriter(config).write_batch([_request(leads[5])])
    assert result.ok and len(server.requests) == 2
    assert time.monotonic() - started >= 1.0


async def test_5xx_is_retried_with_backoff(server: OpenAIServer, config: LLMConfig, leads: list[LeadProfile]) -> None:
    server.script(Reply.error(500), Reply.error(503))
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    (result,) = await LLMWriter(config, sleep=sleep).write_batch([_request(leads[6])])
    assert result.ok and len(server.requests) == 3
    assert len(waits) == 2 and 0 < waits[0] <= 0.01 and 0 < waits[1] <= 0.02  # exponential, jittered


async def test_a_server_that_keeps_failing_is_reported_as_retryable(server: OpenAIServer, config: LLMConfig,
                                                                    leads: list[LeadProfile]) -> None:
    server.script(*[Reply.error(500)] * 3)
    (result,) = await LLMWriter(config).write_batch([_request(leads[7])])
    assert result.error is not None and result.error.code == "server_error" and result.error.retryable
    assert result.error.attempts == 3 and not result.drafts


async def test_a_client_error_is_not_retried(server: OpenAIServer, config: LLMConfig,
                                             leads: list[LeadProfile]) -> None:
    server.script(Reply.error(401, "Invalid API key"))
    (result,) = await LLMWriter(config).write_batch([_request(leads[7])])
    assert result.error is not None and result.error.code == "rejected" and "401" in str(result.error)
    assert len(server.requests) == 1


async def test_an_unreachable_endpoint_is_a_connection_error(leads: list[LeadProfile]) -> None:
    config = LLMConfig(base_url="http://127.0.0.1:9/v1", model="m", max_attempts=2, backoff_base_s=0.01)
    (result,) = await LLMWriter(config).write_batch([_request(leads[8])])
    assert result.error is not None and result.error.code == "connection"


async def test_one_bad_lead_does_not_sink_the_batch_and_concurrency_is_bounded(
        server: OpenAIServer, config: LLMConfig, leads: list[LeadProfile]) -> None:
    server.latency_s = 0.1
    server.script(Reply.refusal())
    writer = LLMWriter(LLMConfig(**{**config.__dict__, "concurrency": 3}))
    results = await writer.write_batch([_request(lead, key=str(i)) for i, lead in enumerate(leads[:9])])
    assert [r.key for r in results] == [str(i) for i in range(9)]
    assert sum(not r.ok for r in results) == 1 and sum(r.ok for r in results) == 8
    assert server.max_in_flight == 3


async def test_regenerating_an_unchanged_lead_costs_nothing(server: OpenAIServer, config: LLMConfig,
                                                            leads: list[LeadProfile]) -> None:
    cache = MemoryDraftCache()
    writer = LLMWriter(config, cache=cache)
    first = await writer.write_batch([_request(leads[11])])
    again = await writer.write_batch([_request(leads[11])])
    assert len(server.requests) == 1
    assert again[0].cached and again[0].usage == {"calls": 0}
    assert [d.body for d in again[0].drafts] == [d.body for d in first[0].drafts]
    assert all(d.usage["total_tokens"] == 0 for d in again[0].drafts)
    request = _request(leads[11])
    key = cache_key(request.lead, STRATEGY, BRIEFS, request.hooks, model=server.model)
    assert cache.get(key) is not None
    changed = LeadProfile(**{**leads[11].__dict__, "title": "Chief Executive Officer"})
    assert cache_key(changed, STRATEGY, BRIEFS, request.hooks, model=server.model) != key
    assert cache_key(request.lead, STRATEGY, BRIEFS, request.hooks, model="other") != key
    await writer.write_batch([_request(changed)])
    assert len(server.requests) == 2


def test_the_blocking_form_works_outside_an_event_loop(server: OpenAIServer, config: LLMConfig,
                                                       leads: list[LeadProfile]) -> None:
    drafts = LLMWriter(config).write(leads[12], STRATEGY, BRIEFS)
    assert [d.channel for d in drafts] == [Channel.LINKEDIN_INVITE, Channel.LINKEDIN_MESSAGE, Channel.EMAIL,
                                           Channel.EMAIL]


async def test_the_dev_server_lists_its_model(server: OpenAIServer) -> None:
    import openai

    async with openai.AsyncOpenAI(base_url=server.base_url, api_key="x", max_retries=0) as client:
        models = await client.models.list()
    assert [m.id for m in models.data] == [server.model]
