"""One address's turn on an SMTP connection: open (or reuse) a connection within the host's limits,
keep one MAIL FROM transaction open, send RCPT TO for the address and, once per domain, for a random
mailbox (the catch-all probe). Never DATA."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import string
import time
from dataclasses import dataclass

from outboard.enrich.verifier.config import VerifierConfig
from outboard.enrich.verifier.mxlookup import MailHost
from outboard.enrich.verifier.pool import HostPool, Limits, Session
from outboard.enrich.verifier.result import Reason
from outboard.enrich.verifier.smtp import Reply, SmtpClient, SmtpFailure
from outboard.enrich.verifier.syntax import ParsedAddress

log = logging.getLogger(__name__)


def _random_local_part() -> str:
    # Looks like nobody's mailbox and never collides with a real one.
    alphabet = string.ascii_lowercase + string.digits
    return secrets.choice(string.ascii_lowercase) + "".join(secrets.choice(alphabet) for _ in range(15))


class DomainState:
    """Catch-all knowledge for one domain within the batch."""

    def __init__(self, ascii_domain: str):
        self.probe_address = f"{_random_local_part()}@{ascii_domain}"  # fixed: greylisting remembers it
        self.catch_all: bool | None = None
        self.probe_reply: Reply | None = None
        self.probing: asyncio.Future[None] | None = None

    def record(self, reply: Reply) -> None:
        self.probe_reply = reply
        if 200 <= reply.code < 300:
            self.catch_all = True
        elif reply.code >= 500:
            self.catch_all = False


class Budget:
    """The time one address may spend in SMTP; the clock starts with its first connection."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.deadline: float | None = None

    def start(self) -> float:
        if self.deadline is None:
            self.deadline = time.monotonic() + self.seconds
        return self.deadline

    def left(self) -> float:
        return self.seconds if self.deadline is None else self.deadline - time.monotonic()


@dataclass
class Attempt:
    """One SMTP conversation and where it stopped."""

    host: MailHost
    ip: str
    stage: str = "connect"  # connect, greeting, helo, mail, rcpt
    reply: Reply | None = None  # the reply that decided (non-2xx before RCPT, or the RCPT reply)
    failure: SmtpFailure | None = None
    probe_reply: Reply | None = None
    smtputf8_missing: bool = False
    skipped: bool = False  # the host was down for this batch; no connection was made

    @property
    def reached_rcpt(self) -> bool:
        return self.stage == "rcpt" and self.reply is not None

    @property
    def try_next_host(self) -> bool:
        # RFC 5321 §5.1: move on when a host cannot be reached or will not talk to us at all.
        if self.failure is not None:
            return self.stage in ("connect", "greeting", "helo")
        return self.stage == "greeting"


class Prober:
    """Runs turns for a batch; counts them (`conversations`) for the batch's figures."""

    def __init__(self, config: VerifierConfig, limits: Limits):
        self.config = config
        self._limits = limits
        self.conversations = 0  # turns taken: one per address and attempt

    async def converse(self, parsed: ParsedAddress, host: MailHost, ip: str, state: DomainState,
                       budget: Budget) -> Attempt:
        """One address's turn on a connection to the host: a reused one (its transaction still open,
        so the turn is a single RCPT TO) or a new one."""
        attempt = Attempt(host, ip)
        pool = self._limits.host(host.name)
        session = await pool.acquire()  # from here on we own one of the host's connection slots
        keep = False
        try:
            if pool.down:
                keep = session is not None  # an idle connection stays usable for later addresses
                attempt.skipped = True
                attempt.failure = SmtpFailure(Reason.CONNECTION_FAILED, f"{host.name} was skipped: it failed "
                                              f"{pool.consecutive_failures} times in a row in this batch")
                return attempt
            if session is None:
                await pool.bucket.take()
            async with self._limits.active:
                deadline = budget.start()
                self.conversations += 1
                if session is not None:
                    session.client.deadline = deadline
                    if session.client.dead:  # the server hung up while it sat in the pool
                        session.client.close()
                        session = None
                if session is None:
                    session = await self._open(pool, ip, attempt, deadline)
                    if session is None:
                        return attempt
                    attempt.ip = session.ip
                    keep = await self._transaction(session, parsed, state, attempt)
                else:
                    attempt.ip = session.ip
                    keep, session = await self._on_reused(pool, session, parsed, state, attempt, deadline)
        except SmtpFailure as failure:
            attempt.failure = failure
        finally:
            if not attempt.skipped:
                pool.consecutive_failures = 0 if attempt.failure is None else pool.consecutive_failures + 1
            healthy = attempt.failure is None or attempt.skipped
            if session is not None and keep and healthy and \
                    session.addresses < self.config.addresses_per_connection:
                pool.give_back(session)
            else:
                if session is not None:  # close before freeing the slot: the cap holds at the server
                    if attempt.failure is None:
                        await session.client.quit()
                    else:
                        session.client.close()
                pool.release()
        return attempt

    async def _on_reused(self, pool: HostPool, session: Session, parsed: ParsedAddress, state: DomainState,
                         attempt: Attempt, deadline: float) -> tuple[bool, Session | None]:
        """Run the turn on a pooled connection; if the server turns out to have dropped it before
        answering anything, that is not this address's fault: run it again on a new connection (once).
        A 421 reply is not treated so: servers say 421 to slow us down, and that deserves the wait."""
        replies = session.client.replies
        try:
            return await self._transaction(session, parsed, state, attempt), session
        except SmtpFailure as failure:
            if failure.reason is not Reason.CONNECTION_CLOSED or session.client.replies != replies:
                raise
        session.client.close()
        fresh = await self._open(pool, session.ip, attempt, deadline)
        if fresh is None:
            return False, None
        try:
            return await self._transaction(fresh, parsed, state, attempt), fresh
        except SmtpFailure:
            fresh.client.close()
            raise

    async def _open(self, pool: HostPool, ip: str, attempt: Attempt, deadline: float) -> Session | None:
        """Connect, read the greeting, EHLO (HELO for old servers). None when the server refuses us
        (the refusal is in `attempt`); SmtpFailure when it cannot be reached."""
        config = self.config
        client = await SmtpClient.connect(ip, config.smtp_port, connect_timeout=config.connect_timeout,
                                          command_timeout=config.command_timeout, deadline=deadline)
        pool.opened()
        try:
            attempt.stage = "greeting"
            greeting = await client.read_reply("the greeting")
            if not 200 <= greeting.code < 300:
                attempt.reply = greeting
                await client.quit()
                return None
            attempt.stage = "helo"
            hello = await client.command(f"EHLO {config.helo_name}", "EHLO")
            extensions = hello.keywords
            if 500 <= hello.code < 600:  # an old server without ESMTP: fall back to HELO
                hello = await client.command(f"HELO {config.helo_name}", "HELO")
                extensions = set()
            if not 200 <= hello.code < 300:
                attempt.reply = hello
                await client.quit()
                return None
        except BaseException:
            client.close()
            raise
        return Session(client, ip, frozenset(extensions))

    async def _transaction(self, session: Session, parsed: ParsedAddress, state: DomainState,
                           attempt: Attempt) -> bool:
        """MAIL FROM when no transaction is open, RCPT TO, maybe the catch-all probe; never DATA.
        Returns whether the connection can serve the next address."""
        config, client = self.config, session.client
        attempt.stage = "mail"
        if parsed.needs_smtputf8 and "SMTPUTF8" not in session.extensions:
            attempt.smtputf8_missing = True
            return True
        if not session.mail_open or (parsed.needs_smtputf8 and not session.utf8):
            if session.mail_open:  # a UTF-8 mailbox needs a transaction opened with SMTPUTF8
                reset = await client.command("RSET")
                session.mail_open = False
                if not 200 <= reset.code < 300:
                    attempt.reply = reset
                    return False
            suffix = " SMTPUTF8" if parsed.needs_smtputf8 else ""
            mail = await client.command(f"MAIL FROM:<{config.sender}>{suffix}", "MAIL FROM")
            if not 200 <= mail.code < 300:
                attempt.reply = mail
                return mail.code != 421
            session.mail_open, session.utf8 = True, parsed.needs_smtputf8
        attempt.stage = "rcpt"
        session.addresses += 1
        attempt.reply = await client.command(f"RCPT TO:<{parsed.smtp_address}>", "RCPT TO")
        if attempt.reply.code in (421, 452):  # closing, or no more recipients here: use a new connection
            return False
        # Probe for catch-all in the same transaction, also after a 4xx: a greylisting server then
        # remembers the probe address too, and the retry answers both questions.
        if config.catch_all_probe and attempt.reply.code < 500 and state.catch_all is None:
            try:
                attempt.probe_reply = await self._probe(client, state)
            except SmtpFailure as failure:  # the address's answer stands; catch-all stays unknown
                log.debug("catch-all probe failed on %s: %s", state.probe_address, failure.detail)
                return False
        return True

    async def _probe(self, client: SmtpClient, state: DomainState) -> Reply | None:
        if state.probing is not None:  # another connection is asking right now: wait for its answer
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(state.probing), self.config.command_timeout)
            if state.catch_all is not None:
                return None
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        state.probing = future
        try:
            reply = await client.command(f"RCPT TO:<{state.probe_address}>", "the catch-all probe")
            state.record(reply)
            return reply
        finally:
            if state.probing is future:
                state.probing = None
            if not future.done():
                future.set_result(None)
