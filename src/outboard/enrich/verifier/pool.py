"""Open SMTP connections per MX host: a cap that counts idle connections too, reuse with RSET, and a
token bucket for new connections. The remote side sees at most `per_host_connections` from us."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field

from outboard.enrich.verifier.config import VerifierConfig
from outboard.enrich.verifier.limits import TokenBucket
from outboard.enrich.verifier.smtp import SmtpClient


@dataclass(eq=False)
class Session:
    """A connection past EHLO/HELO. Its MAIL FROM transaction stays open between addresses."""

    client: SmtpClient
    ip: str
    extensions: frozenset[str]
    addresses: int = 0  # RCPT TO sent for addresses (the catch-all probe not counted)
    mail_open: bool = False  # MAIL FROM accepted, transaction open
    utf8: bool = False  # the open transaction was started with SMTPUTF8
    idle_timer: asyncio.TimerHandle | None = field(default=None, repr=False)


class HostPool:
    def __init__(self, name: str, config: VerifierConfig):
        self.name = name
        self.cap = config.per_host_connections
        self.bucket = TokenBucket(config.per_host_rate, config.per_host_burst)
        self.idle_timeout = config.idle_timeout
        self.failure_limit = config.host_failure_limit
        self.consecutive_failures = 0
        self.open = 0  # connections open or being opened, idle ones included
        self.max_open = 0
        self.connections = 0  # opened in total
        self._idle: list[Session] = []
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._closing: set[asyncio.Task[None]] = set()

    @property
    def down(self) -> bool:
        """Failed so often in a row that the rest of the batch should not wait for it."""
        return self.consecutive_failures >= self.failure_limit

    async def acquire(self) -> Session | None:
        """An idle session to reuse, or None: then the caller owns a free slot and opens a connection.
        Either way the caller must end with `give_back(session)` or `release()`."""
        while True:
            if self._idle:
                session = self._idle.pop()  # most recently used: least likely to have timed out
                if session.idle_timer is not None:
                    session.idle_timer.cancel()
                return session
            if self.open < self.cap:
                self.open += 1
                self.max_open = max(self.max_open, self.open)
                return None
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._wake()  # we were woken but will not use it: pass it on
                else:
                    self._waiters.remove(waiter)
                raise

    def opened(self) -> None:
        self.connections += 1

    def give_back(self, session: Session) -> None:
        """Keep the connection for the next address; it is closed if nobody takes it soon."""
        loop = asyncio.get_running_loop()
        session.idle_timer = loop.call_later(self.idle_timeout, self._expire, session)
        self._idle.append(session)
        self._wake()

    def release(self) -> None:
        """The caller's connection is closed (or was never opened): its slot is free."""
        self.open -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def _expire(self, session: Session) -> None:
        if session in self._idle:
            self._idle.remove(session)
            task = asyncio.ensure_future(self._quit(session))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    async def _quit(self, session: Session) -> None:
        try:
            await session.client.quit(ignore_deadline=True)
        finally:
            self.release()  # only once the socket is closed, so the cap holds at the server

    async def close(self) -> None:
        """End of the batch: say QUIT on every idle connection and wait for those already closing."""
        idle, self._idle = self._idle, []
        for session in idle:
            if session.idle_timer is not None:
                session.idle_timer.cancel()
        await asyncio.gather(*(self._quit(s) for s in idle), *self._closing, return_exceptions=True)


class Limits:
    """Per-host pools (created on first use) and the overall cap on conversations in progress."""

    def __init__(self, config: VerifierConfig):
        self._config = config
        self.active = asyncio.Semaphore(config.max_concurrency)
        self.hosts: dict[str, HostPool] = {}

    def host(self, name: str) -> HostPool:
        pool = self.hosts.get(name)
        if pool is None:
            pool = self.hosts[name] = HostPool(name, self._config)
        return pool

    async def close(self) -> None:
        await asyncio.gather(*(pool.close() for pool in self.hosts.values()))
