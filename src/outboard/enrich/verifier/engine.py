"""The verifier: syntax → flags → MX → one SMTP turn (RCPT TO) per address and attempt → verdict,
with greylisting retries and the catch-all rule.

A `Verifier` is one batch: it remembers each domain's MX answer and catch-all status, each host's
limits, open connections and failures, and each address it already checked, so 20 addresses on one
domain cost one MX lookup, one catch-all probe and a few connections (kept open: one MAIL FROM,
then one RCPT TO per address). Use it as `async with Verifier(config) as v:` so kept-open
connections get their QUIT at the end.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import replace
from datetime import UTC, datetime

from outboard.core.verdicts import EmailVerdict
from outboard.enrich.verifier.config import VerifierConfig
from outboard.enrich.verifier.conversation import Attempt, Budget, DomainState, Prober
from outboard.enrich.verifier.flags import flags_for
from outboard.enrich.verifier.mxlookup import MxLookup, MxResolver
from outboard.enrich.verifier.pool import Limits
from outboard.enrich.verifier.result import Reason, Verification
from outboard.enrich.verifier.syntax import ParsedAddress, SyntaxProblem, parse_address
from outboard.enrich.verifier.verdict import Outcome, from_failure, from_rcpt, from_stage, with_catch_all

log = logging.getLogger(__name__)

_DNS_INVALID = {Reason.DOMAIN_NOT_FOUND, Reason.NO_MAIL_SERVER, Reason.NULL_MX}


class Verifier:
    """One verification batch. Use it from one event loop; create a new one for the next batch."""

    def __init__(self, config: VerifierConfig | None = None):
        self.config = config or VerifierConfig()
        self._mx = MxResolver(self.config)
        self._limits = Limits(self.config)
        self._prober = Prober(self.config, self._limits)
        self._domains: dict[str, DomainState] = {}
        self._addresses: dict[str, asyncio.Task[Verification]] = {}

    # public ---------------------------------------------------------------------------------------

    async def verify(self, address: str) -> Verification:
        """Verify one address. Never raises for bad input or bad servers: the verdict says what happened."""
        started_wall, started = datetime.now(UTC), time.monotonic()
        parsed = parse_address(address, allow_test_domains=self.config.allow_test_domains)
        if isinstance(parsed, SyntaxProblem):
            result = Verification(address=address if isinstance(address, str) else parsed.original,
                                  verdict=EmailVerdict.INVALID, reason=parsed.reason, detail=parsed.detail)
            return _stamp(result, started_wall, started)
        key = parsed.smtp_address
        task = self._addresses.get(key)
        if task is None:
            task = self._addresses[key] = asyncio.ensure_future(self._guarded(parsed, started_wall, started))
            return await asyncio.shield(task)
        shared = await asyncio.shield(task)  # the same address twice in a batch costs one check
        return replace(shared, address=address)

    async def stream(self, addresses: Iterable[str]) -> AsyncIterator[Verification]:
        """Verify many addresses, yielding each result as soon as it is known (completion order)."""
        async for _, result in self.indexed_stream(addresses):
            yield result

    async def indexed_stream(self, addresses: Iterable[str]) -> AsyncIterator[tuple[int, Verification]]:
        """Like `stream`, with each result's position in the input."""
        items = list(addresses)
        order = iter(_interleave_by_domain(items))
        window = max(64, 4 * self.config.max_concurrency)  # bounded task count, whatever the list size
        finished: asyncio.Queue[tuple[int, asyncio.Task[Verification]]] = asyncio.Queue()
        running: set[asyncio.Task[Verification]] = set()

        def launch(index: int) -> None:
            task = asyncio.ensure_future(self.verify(items[index]))
            running.add(task)
            # A callback per task keeps this O(1) per result (asyncio.wait re-scans every pending task).
            task.add_done_callback(lambda t, i=index: finished.put_nowait((i, t)))

        try:
            for index in itertools.islice(order, window):
                launch(index)
            while running:
                index, task = await finished.get()
                running.discard(task)
                following = next(order, None)
                if following is not None:
                    launch(following)
                yield index, task.result()
        finally:  # the caller stopped early: do not leave conversations running
            for task in running:
                task.cancel()

    async def lookup(self, domain: str) -> MxLookup:
        """The batch's MX answer for a domain (ASCII form), asked at most once."""
        return await self._mx.lookup(domain)

    def catch_all(self, ascii_domain: str) -> bool | None:
        """What the batch learned about a domain: True catch-all, False not, None not probed / unclear."""
        state = self._domains.get(ascii_domain.lower())
        return None if state is None else state.catch_all

    @property
    def conversations(self) -> int:
        """SMTP turns taken by this batch: one per address and attempt (each is one RCPT TO)."""
        return self._prober.conversations

    @property
    def connections(self) -> int:
        """TCP connections opened by this batch (fewer than conversations: connections are reused)."""
        return sum(pool.connections for pool in self._limits.hosts.values())

    @property
    def max_connections_per_host(self) -> dict[str, int]:
        """Highest number of simultaneous connections this batch had open to each MX host."""
        return {name: pool.max_open for name, pool in self._limits.hosts.items()}

    async def aclose(self) -> None:
        """Close the connections kept open for reuse (QUIT). Idle ones also close on their own."""
        await self._limits.close()

    async def __aenter__(self) -> Verifier:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # one address ----------------------------------------------------------------------------------

    async def _guarded(self, parsed: ParsedAddress, started_wall: datetime, started: float) -> Verification:
        try:
            result = await self._verify(parsed)
        except Exception as exc:  # a bug here must cost one address, not the batch
            log.exception("verifier failed on %s", parsed.normalized)
            result = Verification(address=parsed.original, verdict=EmailVerdict.UNKNOWN,
                                  reason=Reason.PROTOCOL_ERROR, retryable=True,
                                  detail=f"internal verifier error: {type(exc).__name__}: {exc}")
        result.normalized, result.domain = parsed.normalized, parsed.ascii_domain
        flags = flags_for(parsed.local_part, parsed.ascii_domain)
        result.disposable, result.role, result.free_provider = flags.disposable, flags.role, flags.free_provider
        return _stamp(result, started_wall, started)

    async def _verify(self, parsed: ParsedAddress) -> Verification:
        lookup = await self._mx.lookup(parsed.ascii_domain)
        if not lookup.ok:
            reason = lookup.problem or Reason.NO_MAIL_SERVER
            invalid = reason in _DNS_INVALID
            return Verification(address=parsed.original,
                                verdict=EmailVerdict.INVALID if invalid else EmailVerdict.UNKNOWN,
                                reason=reason, detail=lookup.detail, retryable=not invalid)
        state = self._domain(parsed.ascii_domain)
        budget = Budget(self.config.address_timeout)
        delays = self.config.retry_delays
        conversations = 0
        for round_number in range(len(delays) + 1):
            attempt, used = await self._try_hosts(parsed, lookup, state, budget)
            conversations += used
            outcome = self._outcome(attempt, state)
            if not self._transient(attempt, state) or round_number == len(delays):
                break
            delay = delays[round_number]
            if budget.left() <= delay + self.config.command_timeout / 10:
                break  # no time left for another conversation after the wait
            await asyncio.sleep(delay)
        if outcome.retryable and conversations > 1:
            outcome = replace(outcome, detail=f"{outcome.detail} (after {conversations} attempts)")
        return self._verification(parsed, lookup, attempt, outcome, state, conversations)

    async def _try_hosts(self, parsed: ParsedAddress, lookup: MxLookup, state: DomainState,
                         budget: Budget) -> tuple[Attempt, int]:
        last: Attempt | None = None
        used = 0
        for host in lookup.hosts:
            for ip in host.addresses[:2]:
                last = await self._prober.converse(parsed, host, ip, state, budget)
                used += 0 if last.skipped else 1
                if not last.try_next_host or budget.left() <= 0:
                    return last, used
        assert last is not None  # lookup.ok guarantees at least one host
        return last, used

    # verdicts -------------------------------------------------------------------------------------

    def _outcome(self, attempt: Attempt, state: DomainState) -> Outcome:
        if attempt.failure is not None:
            return from_failure(attempt.failure)
        if attempt.smtputf8_missing:
            return Outcome(EmailVerdict.UNKNOWN, Reason.SMTPUTF8_UNSUPPORTED, False,
                           f"{attempt.host.name} does not support SMTPUTF8, so a non-ASCII mailbox "
                           "cannot be checked there")
        assert attempt.reply is not None
        if not attempt.reached_rcpt:
            return from_stage(attempt.stage, attempt.reply)
        return with_catch_all(from_rcpt(attempt.reply), state.catch_all, self.config.catch_all_probe)

    def _transient(self, attempt: Attempt, state: DomainState) -> bool:
        """Worth another conversation after a wait: a 4xx decided, or the catch-all probe got one."""
        if attempt.failure is not None or attempt.reply is None:
            return False
        if 400 <= attempt.reply.code < 500:
            return True
        accepted = attempt.reached_rcpt and 200 <= attempt.reply.code < 300
        probe = state.probe_reply
        return (accepted and self.config.catch_all_probe and state.catch_all is None
                and probe is not None and 400 <= probe.code < 500)

    def _verification(self, parsed: ParsedAddress, lookup: MxLookup, attempt: Attempt, outcome: Outcome,
                      state: DomainState, conversations: int) -> Verification:
        reply = attempt.reply
        probe = attempt.probe_reply or state.probe_reply
        return Verification(
            address=parsed.original,
            verdict=outcome.verdict,
            reason=outcome.reason,
            detail=outcome.detail,
            retryable=outcome.retryable,
            mx_host=attempt.host.name,
            mx_ip=attempt.ip,
            implicit_mx=lookup.implicit,
            smtp_code=reply.code if reply else None,
            enhanced_status=reply.enhanced if reply else None,
            smtp_message=reply.message[:300] if reply else None,
            catch_all_probe_code=probe.code if probe else None,
            attempts=conversations,
        )

    def _domain(self, ascii_domain: str) -> DomainState:
        state = self._domains.get(ascii_domain)
        if state is None:
            state = self._domains[ascii_domain] = DomainState(ascii_domain)
        return state


def _stamp(result: Verification, started_wall: datetime, started: float) -> Verification:
    result.started_at = started_wall.isoformat(timespec="milliseconds")
    result.finished_at = datetime.now(UTC).isoformat(timespec="milliseconds")
    result.duration_ms = round((time.monotonic() - started) * 1000, 1)
    return result


def _interleave_by_domain(addresses: list[str]) -> list[int]:
    """Indexes ordered round-robin over domains, so a sorted list does not queue behind one host."""
    groups: dict[str, deque[int]] = {}
    for index, address in enumerate(addresses):
        domain = address.rpartition("@")[2].strip().lower() if isinstance(address, str) else ""
        groups.setdefault(domain, deque()).append(index)
    queues = deque(groups.values())
    order: list[int] = []
    while queues:
        queue = queues.popleft()
        order.append(queue.popleft())
        if queue:
            queues.append(queue)
    return order
