"""SMTP servers on loopback that behave like real MX hosts, and a plain accepting mail sink.

One `MxServer` can stand in for many MX hosts at once. The test DNS maps MX host names to loopback
addresses; the server listens on each of those addresses (all on one port) or on a single one.

- Connection-level behaviour (greeting, `EHLO` support) is chosen by the local address the client
  connected to (`hosts={"127.0.0.2": HostBehaviour(on_connect=ConnectAction.BUSY)}`), because at that
  point nothing else identifies the "host".
- Mailbox-level behaviour is chosen by the domain of `RCPT TO`, which is how a real MX serving many
  domains decides as well (`domains={"acme.test": DomainBehaviour(users={"jane"})}`).

Every reply can be delayed (`reply_latency`), connections are counted per local address (the
benchmark reads the maximum concurrency per host), every RCPT is logged, and messages that reach DATA
are kept in memory and optionally written as .eml files.

    with MxServer.sink() as sink:                  # accepts everything, stores every message
        send_mail(port=sink.port)
        sink.wait_for_messages(1)
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import itertools
import logging
import threading
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Any, cast

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

# aiosmtpd 1.4 warns on every successful AUTH about its own legacy attribute; nothing to fix on our side.
warnings.filterwarnings("ignore", message="Session.login_data is deprecated", category=DeprecationWarning)
logging.getLogger("mail.log").setLevel(logging.ERROR)  # it logs the same notice as a warning


class RcptAction(StrEnum):
    """What the server does when RCPT TO names a mailbox of the domain."""

    ANSWER = "answer"  # known users 250, others 550 5.1.1 (or 250 for catch-all domains)
    CLOSE = "close"  # drop the connection without a reply
    STALL = "stall"  # never reply; the client has to time out
    BUSY = "busy"  # 421 4.7.0 and close (server overloaded / rate limit on connections)
    RATE_LIMIT = "rate_limit"  # 452 4.5.3 (too many recipients, slow down)
    POLICY = "policy"  # 550 5.7.1 (the client is blocked, says nothing about the mailbox)


class ConnectAction(StrEnum):
    """What the server does when a client connects to one of its addresses."""

    GREET = "greet"  # 220, a normal session
    CLOSE = "close"  # accept the TCP connection and drop it at once
    STALL = "stall"  # accept and never greet
    BUSY = "busy"  # 421 greeting, then close


@dataclass(frozen=True)
class DomainBehaviour:
    users: frozenset[str] = frozenset()  # local parts that exist (matched case-insensitively)
    catch_all: bool = False  # accept every local part
    greylist: bool = False  # first attempt per (client, sender, recipient) gets 451 4.7.1
    on_rcpt: RcptAction = RcptAction.ANSWER

    @classmethod
    def mailboxes(cls, *users: str, greylist: bool = False) -> DomainBehaviour:
        return cls(users=frozenset(u.lower() for u in users), greylist=greylist)

    @classmethod
    def accept_all(cls, greylist: bool = False) -> DomainBehaviour:
        return cls(catch_all=True, greylist=greylist)

    @classmethod
    def acting(cls, action: RcptAction) -> DomainBehaviour:
        return cls(on_rcpt=action)


@dataclass(frozen=True)
class HostBehaviour:
    on_connect: ConnectAction = ConnectAction.GREET
    ehlo: bool = True  # False: EHLO gets 502, so clients must fall back to HELO


@dataclass(frozen=True)
class RcptRecord:
    client: str
    host: str  # the local address the client connected to, i.e. which MX "host"
    mail_from: str
    rcpt: str
    reply: str  # "" when the server closed or stalled instead of replying
    at: float  # time.monotonic()


@dataclass
class ReceivedMessage:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    peer: str
    received_at: datetime
    auth_user: str | None = None
    eml_path: Path | None = None

    @property
    def message(self) -> EmailMessage:
        return cast(EmailMessage, email.message_from_bytes(self.data, policy=email.policy.default))


@dataclass
class MxStats:
    """Counters read from other threads; copy them with `MxServer.snapshot()` for stable numbers."""

    connections: int = 0
    active_by_host: dict[str, int] = field(default_factory=dict)
    max_active_by_host: dict[str, int] = field(default_factory=dict)
    rcpts: list[RcptRecord] = field(default_factory=list)
    data_commands: int = 0

    def rcpt_count(self, domain: str | None = None) -> int:
        if domain is None:
            return len(self.rcpts)
        suffix = "@" + domain.lower()
        return sum(1 for r in self.rcpts if r.rcpt.lower().endswith(suffix))


def _domain_key(domain: str) -> str:
    name = domain.strip().rstrip(".").lower()
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError:
        return name


class _Handler:
    """aiosmtpd hooks: the mailbox rules."""

    def __init__(self, owner: MxServer):
        self.owner = owner

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        owner = self.owner
        local, _, domain = address.rpartition("@")
        behaviour = owner.behaviour_for(domain)
        protocol = cast(_MxProtocol, server)
        record = dict(client=protocol.peer_ip, host=protocol.local_ip, mail_from=envelope.mail_from or "",
                      rcpt=address)
        if behaviour is None:
            return owner._log_rcpt(record, "550 5.7.1 Relay access denied")
        action = behaviour.on_rcpt
        if action in (RcptAction.CLOSE, RcptAction.STALL):
            owner._log_rcpt(record, "")
            if action is RcptAction.CLOSE:
                assert server.transport is not None
                server.transport.abort()
            # Wait until connection_lost cancels this session task (or the server stops).
            await owner._stopping_event().wait()
            assert server.transport is not None
            server.transport.abort()
            return ""
        if action is RcptAction.BUSY:
            reply = owner._log_rcpt(record, "421 4.7.0 Too many connections, try again later")
            protocol.close_after_reply = True
            return reply
        if action is RcptAction.RATE_LIMIT:
            return owner._log_rcpt(record, "452 4.5.3 Too many recipients, slow down")
        if action is RcptAction.POLICY:
            return owner._log_rcpt(record, "550 5.7.1 Client host blocked by policy")
        if behaviour.greylist and owner._greylisted(protocol.peer_ip, envelope.mail_from or "", address):
            return owner._log_rcpt(record, "451 4.7.1 Greylisted, please try again later")
        if behaviour.catch_all or local.lower() in behaviour.users:
            envelope.rcpt_tos.append(address)
            envelope.rcpt_options.extend(rcpt_options)
            return owner._log_rcpt(record, "250 2.1.5 Recipient OK")
        return owner._log_rcpt(record, "550 5.1.1 The email account that you tried to reach does not exist")

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        message = ReceivedMessage(
            mail_from=envelope.mail_from or "",
            rcpt_tos=list(envelope.rcpt_tos),
            data=envelope.original_content or b"",
            peer=str(session.peer[0]) if session.peer else "",
            received_at=datetime.now(UTC),
            auth_user=getattr(session, "outboard_auth_user", None),
        )
        number = self.owner._store(message)
        return f"250 2.0.0 OK: queued as {number:06d}"


def _accept_any(server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                auth_data: Any) -> AuthResult:
    session.outboard_auth_user = getattr(auth_data, "login", b"").decode("utf-8", "replace")  # type: ignore[attr-defined]
    return AuthResult(success=True, handled=False, auth_data=auth_data)


class _MxProtocol(SMTP):
    """aiosmtpd's SMTP with latency per reply, connection counting and connect-level behaviours."""

    def __init__(self, owner: MxServer, **kwargs: Any):
        super().__init__(_Handler(owner), **kwargs)
        self.owner = owner
        self.local_ip = ""
        self.peer_ip = ""
        self.close_after_reply = False
        self._continuing = False  # inside a multi-line reply: only its first line waits
        self._counted = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if not self._counted:  # called again on STARTTLS; count the TCP connection once
            sockname = transport.get_extra_info("sockname") or ("", 0)
            peername = transport.get_extra_info("peername") or ("", 0)
            self.local_ip, self.peer_ip = str(sockname[0]), str(peername[0])
            self._counted = True
            self.owner._opened(self)
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        if self._counted:
            self._counted = False
            self.owner._closed(self)
        super().connection_lost(error)

    async def push(self, status: Any) -> None:
        latency = self.owner.reply_latency
        if latency and not self._continuing:
            await asyncio.sleep(latency)
        text = status.decode("utf-8", "replace") if isinstance(status, bytes) else str(status)
        self._continuing = text[3:4] == "-"
        await super().push(status)
        if self.close_after_reply and not self._continuing and self.transport is not None:
            self.transport.close()

    async def _handle_client(self) -> None:
        # Overrides aiosmtpd's session loop only to misbehave before the greeting (pinned aiosmtpd 1.4).
        action = self.owner.host_behaviour(self.local_ip).on_connect
        if action is ConnectAction.GREET:
            await super()._handle_client()
            return
        assert self.transport is not None
        if action is ConnectAction.BUSY:
            self.close_after_reply = True
            await self.push("421 4.7.0 Service not available, closing transmission channel")
            return
        if action is ConnectAction.STALL:
            await self.owner._stopping_event().wait()
        self.transport.abort()

    async def smtp_EHLO(self, hostname: str) -> None:
        if not self.owner.host_behaviour(self.local_ip).ehlo:
            await self.push('502 5.5.2 Error: command "EHLO" not recognized')
            return
        await super().smtp_EHLO(hostname)

    async def smtp_DATA(self, arg: str) -> None:
        self.owner._count_data()
        await super().smtp_DATA(arg)


class MxServer:
    """Simulated MX hosts (or a mail sink) in a background thread with its own event loop.

    Start from sync code with `start()`/`stop()` or `with MxServer(...) as mx:`; from async code the
    same calls work (`async with` too) because the server never shares the caller's loop.
    """

    def __init__(
        self,
        domains: Mapping[str, DomainBehaviour] | None = None,
        *,
        hosts: Sequence[str] = ("127.0.0.1",),
        port: int = 0,
        default: DomainBehaviour | None = None,
        host_behaviours: Mapping[str, HostBehaviour] | None = None,
        reply_latency: float = 0.0,
        greylist_delay: float = 0.0,
        eml_dir: str | Path | None = None,
        accept_any_auth: bool = False,
        hostname: str = "mx.outboard.test",
        smtputf8: bool = True,
        idle_timeout: float = 300.0,
    ):
        self._domains: dict[str, DomainBehaviour] = {}
        for name, behaviour in (domains or {}).items():
            self.add_domain(name, behaviour)
        self.hosts = list(dict.fromkeys(hosts))
        self.default = default  # None: unknown domains are refused as relaying (550 5.7.1)
        self._host_behaviours = dict(host_behaviours or {})
        self.reply_latency = reply_latency
        self.greylist_delay = greylist_delay
        self.eml_dir = Path(eml_dir) if eml_dir is not None else None
        self.hostname = hostname
        self._accept_any_auth = accept_any_auth
        self._smtputf8 = smtputf8
        self._idle_timeout = idle_timeout
        self._requested_port = port
        self.port = 0
        self.stats = MxStats()
        self.messages: list[ReceivedMessage] = []
        self._lock = threading.Lock()
        self._greylist: dict[tuple[str, str, str], float] = {}
        self._numbers = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopping: asyncio.Event | None = None
        self._servers: list[asyncio.AbstractServer] = []
        self._protocols: set[_MxProtocol] = set()
        self._message_arrived = threading.Condition(self._lock)

    @classmethod
    def sink(cls, *, host: str = "127.0.0.1", port: int = 0, eml_dir: str | Path | None = None,
             accept_any_auth: bool = True, reply_latency: float = 0.0) -> MxServer:
        """A server that accepts every recipient of every domain and stores what it receives."""
        return cls(hosts=(host,), port=port, default=DomainBehaviour.accept_all(), eml_dir=eml_dir,
                   accept_any_auth=accept_any_auth, reply_latency=reply_latency)

    # configuration ------------------------------------------------------------------------------

    def add_domain(self, domain: str, behaviour: DomainBehaviour) -> None:
        self._domains[_domain_key(domain)] = behaviour

    def set_host(self, address: str, behaviour: HostBehaviour) -> None:
        self._host_behaviours[address] = behaviour

    def behaviour_for(self, domain: str) -> DomainBehaviour | None:
        return self._domains.get(_domain_key(domain), self.default)

    def host_behaviour(self, address: str) -> HostBehaviour:
        return self._host_behaviours.get(address) or _GREET

    # lifecycle ----------------------------------------------------------------------------------

    def start(self) -> MxServer:
        if self._thread is not None:
            return self
        ready = threading.Event()
        failure: list[BaseException] = []
        loop = asyncio.new_event_loop()
        self._loop = loop

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._listen())
            except BaseException as exc:  # reported to the starting thread
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=run, name="outboard-mx", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            self._thread = None
            raise failure[0]
        return self

    async def _listen(self) -> None:
        loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()

        def factory() -> _MxProtocol:
            return _MxProtocol(
                self, hostname=self.hostname, enable_SMTPUTF8=self._smtputf8, timeout=self._idle_timeout,
                authenticator=_accept_any if self._accept_any_auth else None,
                auth_require_tls=not self._accept_any_auth, loop=loop,
            )

        first, rest = self.hosts[0], self.hosts[1:]
        for attempt in range(20):  # the first address picks the port, the others must share it
            server = await loop.create_server(factory, host=first, port=self._requested_port, backlog=1024)
            port = int(server.sockets[0].getsockname()[1])
            try:
                others = [await loop.create_server(factory, host=rest, port=port, backlog=1024)] if rest else []
            except OSError:
                server.close()
                if self._requested_port or attempt == 19:
                    raise
                continue
            self._servers = [server, *others]
            self.port = port
            return

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        self._thread = None
        self._loop = None

    async def _shutdown(self) -> None:
        if self._stopping is not None:
            self._stopping.set()  # releases stalled sessions
        for server in self._servers:
            server.close()
        for protocol in list(self._protocols):
            if protocol.transport is not None:
                protocol.transport.abort()
        await asyncio.sleep(0.05)  # let aborted sessions unwind
        self._servers = []

    def __enter__(self) -> MxServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    async def __aenter__(self) -> MxServer:
        return await asyncio.to_thread(self.start)

    async def __aexit__(self, *exc_info: Any) -> None:
        await asyncio.to_thread(self.stop)

    # observations -------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget counters, greylist memory and stored messages (between tests)."""
        with self._lock:
            active = dict(self.stats.active_by_host)
            self.stats = MxStats(active_by_host=active, max_active_by_host=dict(active))
            self._greylist.clear()
            self.messages.clear()

    def snapshot(self) -> MxStats:
        with self._lock:
            s = self.stats
            return MxStats(s.connections, dict(s.active_by_host), dict(s.max_active_by_host), list(s.rcpts),
                           s.data_commands)

    def rcpts_for(self, domain: str) -> list[RcptRecord]:
        suffix = "@" + _domain_key(domain)
        with self._lock:
            return [r for r in self.stats.rcpts if r.rcpt.lower().endswith(suffix)]

    def wait_for_messages(self, count: int, timeout: float = 5.0) -> list[ReceivedMessage]:
        """Block until at least `count` messages arrived; returns them (raises TimeoutError if not)."""
        deadline = time.monotonic() + timeout
        with self._message_arrived:
            while len(self.messages) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{len(self.messages)} of {count} messages arrived in {timeout}s")
                self._message_arrived.wait(remaining)
            return list(self.messages)

    # called from the server loop ----------------------------------------------------------------

    def _stopping_event(self) -> asyncio.Event:
        assert self._stopping is not None
        return self._stopping

    def _opened(self, protocol: _MxProtocol) -> None:
        self._protocols.add(protocol)
        host = protocol.local_ip
        with self._lock:
            stats = self.stats
            stats.connections += 1
            active = stats.active_by_host.get(host, 0) + 1
            stats.active_by_host[host] = active
            if active > stats.max_active_by_host.get(host, 0):
                stats.max_active_by_host[host] = active

    def _closed(self, protocol: _MxProtocol) -> None:
        self._protocols.discard(protocol)
        with self._lock:
            active = self.stats.active_by_host
            active[protocol.local_ip] = max(0, active.get(protocol.local_ip, 0) - 1)

    def _log_rcpt(self, record: dict[str, str], reply: str) -> str:
        with self._lock:
            self.stats.rcpts.append(RcptRecord(reply=reply, at=time.monotonic(), **record))
        return reply

    def _count_data(self) -> None:
        with self._lock:
            self.stats.data_commands += 1

    def _greylisted(self, client: str, sender: str, rcpt: str) -> bool:
        """Classic triplet greylisting: refuse until the same triplet comes back after the delay."""
        key = (client, sender.lower(), rcpt.lower())
        now = time.monotonic()
        with self._lock:
            first_seen = self._greylist.get(key)
            if first_seen is None:
                self._greylist[key] = now
                return True
        return now - first_seen < self.greylist_delay

    def _store(self, message: ReceivedMessage) -> int:
        with self._message_arrived:
            number = next(self._numbers)
            if self.eml_dir is not None:
                self.eml_dir.mkdir(parents=True, exist_ok=True)
                stamp = message.received_at.strftime("%Y%m%dT%H%M%S")
                path = self.eml_dir / f"{stamp}-{number:06d}.eml"
                path.write_bytes(message.data)
                message.eml_path = path
            self.messages.append(message)
            self._message_arrived.notify_all()
        return number


_GREET = HostBehaviour()


def loopback_hosts(count: int, start: int = 2) -> list[str]:
    """`count` distinct loopback addresses (127.0.x.y, skipping .0 and .255) for one simulated host each."""
    addresses: list[str] = []
    for n in itertools.count(start):
        third, fourth = divmod(n, 256)
        if fourth in (0, 255):
            continue
        addresses.append(f"127.0.{third}.{fourth}")
        if len(addresses) == count:
            return addresses
    return addresses

