"""IMAP IDLE: one thread per mailbox that waits for the server to announce new mail and syncs at once.

Used where the server offers IDLE (RFC 2177); the worker's periodic poll stays on as a slower safety net
and is the only path for servers without it. IDLE is renewed every few minutes (servers drop it after
29 at most), and a broken connection is retried with backoff. The thread ends when told to, or when the
worker that started it has stopped calling in (`alive()` turns false).
"""

from __future__ import annotations

import imaplib
import logging
import threading
import time
from collections.abc import Callable

from outboard.inbox.mailbox import ImapSettings, connect, disconnect

log = logging.getLogger(__name__)
RENEW_SECONDS = 600.0
CHECK_SECONDS = 2.0  # how often the thread looks up from IDLE to see whether it should stop
MAX_BACKOFF = 300.0


class IdleWatcher(threading.Thread):
    def __init__(self, account_id: int, settings: ImapSettings, on_new: Callable[[int], None],
                 alive: Callable[[], bool]):
        super().__init__(name=f"imap-idle-{account_id}", daemon=True)
        self.account_id, self.settings, self.on_new, self.alive = account_id, settings, on_new, alive
        self.supported: bool | None = None  # None until the server said whether it can IDLE
        self.idling = False
        self.failures = 0
        self.last_error: str | None = None
        self._aborts: list[float] = []
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()

    def _running(self) -> bool:
        return not self._stop_event.is_set() and self.alive()

    def run(self) -> None:
        while self._running():
            try:
                self._watch()
                if self.supported is False:
                    return  # the periodic poll does the work for this server
            except imaplib.IMAP4.abort as exc:
                # imapclient reads IDLE responses from a non-blocking socket: a response line that arrives
                # in two TCP segments aborts the connection ("unterminated line"). Something did arrive, so
                # sync now and reconnect at once; only a burst of these backs off.
                self.idling = False
                self.last_error = f"IDLE aborted: {exc}"[:300]
                log.info("IDLE on account %s aborted (%s); syncing and reconnecting", self.account_id, exc)
                self._safe_sync()
                self._aborts = [t for t in self._aborts if time.monotonic() - t < 60] + [time.monotonic()]
                if len(self._aborts) > 10:
                    self._stop_event.wait(10.0)
            except Exception as exc:  # network, TLS, login, server restart: try again later
                self.idling = False
                self.failures += 1
                self.last_error = f"{type(exc).__name__}: {exc}"[:300]
                log.warning("IDLE on account %s failed (%s); retrying", self.account_id, self.last_error)
                self._stop_event.wait(min(MAX_BACKOFF, 2.0 * 2 ** min(self.failures, 8)))

    def _safe_sync(self) -> None:
        try:
            self.on_new(self.account_id)
        except Exception:  # the periodic poll retries; the watcher goes on
            log.exception("sync of account %s after an IDLE notice failed", self.account_id)

    def _watch(self) -> None:
        client = connect(self.settings)
        try:
            self.supported = client.has_capability("IDLE")
            if not self.supported:
                return
            client.select_folder(self.settings.folder, readonly=True)
            self._safe_sync()  # whatever arrived while we were not watching
            client.idle()
            self.idling, self.failures, renewed = True, 0, time.monotonic()
            while self._running():
                responses = client.idle_check(timeout=CHECK_SECONDS)
                if any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses):
                    client.idle_done()
                    self._safe_sync()
                    client.idle()
                    renewed = time.monotonic()
                elif time.monotonic() - renewed > RENEW_SECONDS:
                    client.idle_done()
                    client.idle()
                    renewed = time.monotonic()
            client.idle_done()
        finally:
            self.idling = False
            disconnect(client)
