"""The model labeller against a real OpenAI-compatible server on loopback: a JSON-schema answer becomes the
label, a low confidence is marked for review, and anything unusable falls back to the rules."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from outboard.devservers.openai_server import OpenAIServer, Reply
from outboard.inbox.classify import ClassifierSettings, classify
from outboard.inbox.config import labeller_for
from outboard.inbox.labels import RuleLabeller
from outboard.inbox.llm_labeller import LlmLabeller
from outboard.settings import Settings

REPLY = (b"From: Anna <anna@acme.test>\r\nTo: sam@outboard-mail.test\r\nSubject: Re: Pipeline idea\r\n"
         b"Message-ID: <r1@acme.test>\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\n\r\n"
         b"I'm not the right person for this. Please contact my colleague Ben Ortiz (ben.ortiz@acme.test), "
         b"he runs sales ops.\r\n")


@pytest.fixture(scope="module")
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as running:
        yield running


def _answer(label: str, confidence: float, email: str = "", name: str = "") -> Reply:
    return Reply.raw(json.dumps({"label": label, "confidence": confidence, "referred_email": email,
                                 "referred_name": name, "reason": "test"}))


def test_the_model_label_and_referral_are_used(server: OpenAIServer) -> None:
    server.reset()
    server.script(_answer("wrong_person", 0.93, "ben.ortiz@acme.test", "Ben Ortiz"))
    result = classify(REPLY, labeller=LlmLabeller(server.base_url, server.model))
    assert result.kind == "reply" and result.label == "wrong_person" and result.confidence == 0.93
    assert not result.needs_review and result.labeller.startswith("llm:")
    assert (result.referred_email, result.referred_name) == ("ben.ortiz@acme.test", "Ben Ortiz")
    [request] = server.requests
    assert request.body["response_format"]["type"] == "json_schema"
    assert "ben.ortiz@acme.test" in request.messages[-1]["content"]  # the new text, quoted history removed


def test_low_confidence_is_marked_for_a_person_and_invented_referrals_are_dropped(server: OpenAIServer) -> None:
    server.reset()
    server.script(_answer("wrong_person", 0.35, "someone@made-up.test", "Someone"))
    result = classify(REPLY, labeller=LlmLabeller(server.base_url, server.model),
                      settings=ClassifierSettings(review_threshold=0.6))
    assert result.label == "wrong_person" and result.needs_review and result.referred_email is None


@pytest.mark.parametrize("reply", [Reply.malformed(), Reply.refusal(), Reply.error(500), _answer("spam", 0.9)])
def test_an_unusable_answer_falls_back_to_the_rules(server: OpenAIServer, reply: Reply) -> None:
    server.reset()
    server.script(reply, reply)
    result = classify(REPLY, labeller=LlmLabeller(server.base_url, server.model))
    assert result.label == "wrong_person" and result.labeller == RuleLabeller.name
    assert any("failed" in reason for reason in result.reasons)


def test_the_model_is_used_only_when_configured(server: OpenAIServer) -> None:
    assert isinstance(labeller_for(Settings(_env_file=None)), RuleLabeller)  # type: ignore[call-arg]
    configured = Settings(llm_base_url=server.base_url, llm_model=server.model, _env_file=None)  # type: ignore[call-arg]
    assert isinstance(labeller_for(configured), LlmLabeller)
