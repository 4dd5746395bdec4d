"""A token bucket: how fast new connections to one MX host may be opened."""

from __future__ import annotations

import asyncio
import time


class TokenBucket:
    """`rate` tokens per second, at most `burst` saved up. Waiters are served in arrival order."""

    def __init__(self, rate: float, burst: int):
        self.rate, self.burst = rate, max(1, burst)
        self._tokens = float(self.burst)
        self._stamp = time.monotonic()

    async def take(self) -> None:
        if self.rate <= 0:
            return
        now = time.monotonic()
        self._tokens = min(float(self.burst), self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        # Reserve the token now (the balance may go negative) and sleep until it exists:
        # later callers queue behind, so the rate holds without a loop or a lock.
        self._tokens -= 1.0
        if self._tokens < 0:
            await asyncio.sleep(-self._tokens / self.rate)
