"""A real server for browser tests: uvicorn in a thread on a free port, over a fresh SQLite database."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from outboard.db.database import Database
from outboard.runtime import Runtime
from outboard.secrets import SecretBox
from outboard.settings import Settings

SCREENSHOTS = Path(__file__).with_name("screenshots")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def chromium_path() -> str:
    """The Debian Chromium. Playwright must never download a browser of its own."""
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is required when CI=true (apt-get install chromium)")
        pytest.skip("Chromium is not installed (apt-get install chromium); the browser tests run when it is")
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    rt: Runtime


@pytest.fixture
def live_server(tmp_path: Path, sqlite_template: Path) -> Iterator[LiveServer]:
    path = tmp_path / "outboard.db"
    shutil.copy(sqlite_template, path)
    port = free_port()
    settings = Settings(database_url=f"sqlite:///{path}", secret_key=SecretBox.new_key(), job_backend="immediate",
                        public_url=f"http://127.0.0.1:{port}", _env_file=None)  # type: ignore[call-arg]
    db = Database.open(settings.database_url)
    with served(Runtime(settings, db, db.clock), port) as server:
        yield server
    db.close()


@contextmanager
def served(rt: Runtime, port: int) -> Iterator[LiveServer]:
    """The app of `rt` served by uvicorn in a thread on `port` until the block ends."""
    from outboard.web.app import create_app

    server = uvicorn.Server(uvicorn.Config(create_app(rt), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "the web server did not start"
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", rt)
    finally:
        server.should_exit = True
        thread.join(10)
