"""Entry points: one address, many addresses (list or stream), and a wrapper for sync code."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable

from outboard.enrich.verifier.config import VerifierConfig
from outboard.enrich.verifier.engine import Verifier
from outboard.enrich.verifier.result import Verification


async def verify_one(address: str, config: VerifierConfig | None = None) -> Verification:
    async with Verifier(config) as verifier:
        return await verifier.verify(address)


async def verify_stream(addresses: Iterable[str], config: VerifierConfig | None = None
                        ) -> AsyncIterator[Verification]:
    """One batch; results in completion order (each carries its `address`)."""
    async with Verifier(config) as verifier:
        async for result in verifier.stream(addresses):
            yield result


async def verify_many(addresses: Iterable[str], config: VerifierConfig | None = None) -> list[Verification]:
    """One batch; results in input order."""
    items = list(addresses)
    results: list[Verification | None] = [None] * len(items)
    async with Verifier(config) as verifier:
        async for index, result in verifier.indexed_stream(items):
            results[index] = result
    return [r for r in results if r is not None]


def verify_sync(addresses: str | Iterable[str], config: VerifierConfig | None = None) -> list[Verification]:
    """For sync callers (CLI, Huey tasks). Must not be called from inside a running event loop."""
    items = [addresses] if isinstance(addresses, str) else list(addresses)
    return asyncio.run(verify_many(items, config))
