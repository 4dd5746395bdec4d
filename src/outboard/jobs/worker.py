"""`outboard worker`: runs queued jobs (Huey consumer threads) and ticks the send scheduler.

Start as many as you like on machines sharing PostgreSQL (and Redis or PostgreSQL for the queue): the
scheduler locks due steps with SKIP LOCKED, so workers never send the same step twice.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable

from outboard.db import tallies
from outboard.inbox.tasks import inbox_tick
from outboard.jobs.runner import InProcessConsumer
from outboard.runtime import Runtime, use_runtime
from outboard.send.scheduler import TickResult, drain

log = logging.getLogger(__name__)

# How often a worker folds the dashboard tallies (appended on every send) back to one row per value.
TALLY_FOLD_SECONDS = 60.0


__all__ = ["drain", "run_worker"]


def run_worker(rt: Runtime, *, interval: float = 5.0, once: bool = False, jobs: bool = True,
               on_tick: Callable[[TickResult], None] | None = None) -> None:
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    with use_runtime(rt):
        consumer = InProcessConsumer(rt) if jobs and not once else None
        if consumer:
            consumer.__enter__()
        folded_at: float | None = None
        try:
            while not stop.is_set():
                result = drain(rt)
                if folded_at is None or time.monotonic() - folded_at >= TALLY_FOLD_SECONDS:
                    with rt.db.transaction() as session:
                        tallies.compact(session)
                    folded_at = time.monotonic()
                inbox_tick(rt, idle=not once)  # mail (IDLE or polling), LinkedIn, processing, webhooks out
                if on_tick:
                    on_tick(result)
                if once:
                    return
                stop.wait(interval)
        finally:
            if consumer:
                consumer.__exit__(None, None, None)
