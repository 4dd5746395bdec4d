"""The plumbing every local HTTP dev server shares: bound at construction (so its address is known before
it starts), served from a background thread between start() and stop(), or in the foreground from the
command line until Ctrl-C."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


class HttpDevServer:
    def __init__(self, handler: type[BaseHTTPRequestHandler], name: str, *, host: str = "127.0.0.1",
                 port: int = 0, queue: int = 5):
        self._http = ThreadingHTTPServer((host, port), handler, bind_and_activate=False)
        self._http.daemon_threads = True
        self._http.request_queue_size = queue
        self._http.server_bind()
        self._http.server_activate()
        self._name = name
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._http.server_address[1]

    @property
    def address(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Self:
        # A short poll interval so that stop() returns at once (tests start and stop many servers).
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.05,), name=self._name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def serve_until_interrupted(self) -> None:
        try:
            self._http.serve_forever(0.2)
        except KeyboardInterrupt:
            pass
        finally:
            self._http.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
