"""Fixtures for the writing tests: a real OpenAI-compatible server on loopback, sample leads, a strategy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from outboard.core.profile import LeadProfile
from outboard.core.writing import StrategyProfile
from outboard.devservers.openai_server import OpenAIServer
from outboard.write.llm import LLMConfig
from tests.write.sample_leads import sample_leads, sample_strategy


@pytest.fixture(scope="module")
def llm_server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as server:
        yield server


@pytest.fixture
def server(llm_server: OpenAIServer) -> Iterator[OpenAIServer]:
    """The module's server with an empty script, no recorded requests and no latency."""
    llm_server.reset()
    llm_server.latency_s = 0.0
    yield llm_server
    llm_server.reset()


@pytest.fixture
def config(server: OpenAIServer) -> LLMConfig:
    # Tiny backoff so retry tests run fast; Retry-After from the server is still honoured.
    return LLMConfig(base_url=server.base_url, model=server.model, backoff_base_s=0.01, backoff_max_s=0.05,
                     max_attempts=3)


@pytest.fixture(scope="session")
def leads() -> list[LeadProfile]:
    return sample_leads(200)


@pytest.fixture
def strategy() -> StrategyProfile:
    return sample_strategy()
