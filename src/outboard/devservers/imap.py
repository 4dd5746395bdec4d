"""A real IMAP server on loopback (pymap's in-memory backend), for tests, benchmarks and the demo.

It runs its own asyncio loop in a thread, so synchronous code starts and stops it; port 0 picks a free
port. Mail is put in the way a mail provider would, over IMAP itself: `append` speaks APPEND as a client
(imaplib), `create_folder` / `delete_folder` speak CREATE / DELETE (deleting and re-creating a folder
gives it a new UIDVALIDITY, which is how the sync's resync is tested). IDLE is offered unless
`idle=False`, so both the IDLE and the polling paths of the sync can be exercised.

    with ImapServer(users={"sam": "pw"}) as imap:
        imap.append("sam", raw_bytes)                # into INBOX
        imap.append("sam", sent_bytes, folder="Sent")
        ... point an account at 127.0.0.1:imap.port, security "none", user "sam", password "pw"
"""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import threading
from argparse import Namespace
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from types import TracebackType

from proxyprotocol.reader import ProxyProtocolReader
from pymap.backend.dict import Config, DictBackend, Identity, Login
from pymap.concurrent import Subsystem
from pymap.config import BackendCapability
from pymap.imap import IMAPServer
from pymap.user import Passwords, UserMetadata
from pysasl.hashing import BuiltinHash

DEFAULT_FOLDERS = ("Sent",)


class _DevConfig(Config):
    """The dict backend's config with a fixed greeting (no DNS lookup of our own name) and IDLE on or off."""

    def __init__(self, *args: object, idle: bool = True, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._idle = idle

    @property
    def backend_capability(self) -> BackendCapability:
        return BackendCapability(idle=self._idle, object_id=True, multi_append=True)

    @property
    def greeting(self) -> bytes:
        return b"Server ready outboard-dev-imap"


class ImapServer:
    def __init__(self, users: dict[str, str] | None = None, *, host: str = "127.0.0.1", port: int = 0,
                 idle: bool = True, folders: Iterable[str] = DEFAULT_FOLDERS):
        self.users = dict(users or {"outboard": "outboard"})
        self.host, self._requested_port, self.idle = host, port, idle
        self.folders = tuple(folders)
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="imap-dev-server", daemon=True)
        self._server: asyncio.AbstractServer | None = None
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="imap-dev-cpu")

    # Lifecycle.

    def start(self) -> ImapServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(timeout=10)
        for user in self.users:
            for folder in self.folders:
                self.create_folder(user, folder)
        return self

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()

        if self._thread.is_alive():
            # Connections still open (an IDLE client) may hold the close up: the loop stops anyway.
            with contextlib.suppress(TimeoutError):
                asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=5)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
        self._executor.shutdown(wait=False)

    def __enter__(self) -> ImapServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    async def _serve(self) -> None:
        first_user, first_password = next(iter(self.users.items()))
        args = Namespace(debug=False, passlib_cfg=None, proxy_protocol=None, inherited_sockets=None)
        config = _DevConfig(args, host=self.host, port=self._requested_port, demo_data=False,
                            demo_user=first_user, demo_password=first_password, tls_enabled=False,
                            invalid_user_sleep=0.0, cpu_subsystem=Subsystem.for_threading(self._executor),
                            hash_context=BuiltinHash(rounds=1000),  # a dev server: fast logins
                            idle=self.idle)
        config.apply_context()  # the backend reads its concurrency helpers from context variables
        login = Login(config)
        self._backend = DictBackend(login, config)
        passwords = Passwords(config)
        for user, password in self.users.items():
            metadata = UserMetadata(config, user, password=await passwords.hash_password(password))
            await Identity(user, login, None, frozenset()).set(metadata)
        callback = ProxyProtocolReader(config.proxy_protocol).get_callback(IMAPServer(login, config))
        self._server = await asyncio.start_server(callback, host=self.host, port=self._requested_port)
        self.port = self._server.sockets[0].getsockname()[1]

    # Putting mail in, as a client would.

    def client(self, user: str) -> imaplib.IMAP4:
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        conn.login(user, self.users[user])
        return conn

    def append(self, user: str, raw: bytes, *, folder: str = "INBOX", flags: str = "",
               when: datetime | None = None) -> None:
        conn = self.client(user)
        try:
            moment = imaplib.Time2Internaldate((when or datetime.now(UTC)).timestamp())
            status, answer = conn.append(_quote(folder), f"({flags})" if flags else None, moment, raw)
            if status != "OK":
                raise RuntimeError(f"APPEND to {folder} failed: {answer!r}")
        finally:
            conn.logout()

    def create_folder(self, user: str, folder: str) -> None:
        conn = self.client(user)
        try:
            conn.create(_quote(folder))  # NO when it exists already: fine
        finally:
            conn.logout()

    def delete_folder(self, user: str, folder: str) -> None:
        conn = self.client(user)
        try:
            status, answer = conn.delete(_quote(folder))
            if status != "OK":
                raise RuntimeError(f"DELETE {folder} failed: {answer!r}")
        finally:
            conn.logout()

    def count(self, user: str, folder: str = "INBOX") -> int:
        conn = self.client(user)
        try:
            status, data = conn.select(_quote(folder), readonly=True)
            return int(data[0] or 0) if status == "OK" else 0
        finally:
            conn.logout()


def _quote(folder: str) -> str:
    return f'"{folder}"' if " " in folder else folder
