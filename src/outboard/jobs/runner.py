"""Running jobs: enqueue on Huey, execute any kind by id, and an in-process consumer for one machine."""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from typing import Any

from huey import Huey

from outboard.core.errors import OutboardError
from outboard.jobs.progress import JobCancelled, Progress, create_job, read_job, set_state
from outboard.jobs.registry import lookup
from outboard.runtime import Runtime, runtime

log = logging.getLogger(__name__)
FINAL = ("succeeded", "failed", "cancelled")


def execute(job_id: int) -> None:
    """Run one job row to its end. Handlers are idempotent, so running a job again after a crash
    continues where it stopped instead of redoing (or re-charging) finished work."""
    rt = runtime()
    job = read_job(rt.db, job_id)
    if job.state in FINAL:
        return
    kind = lookup(job.kind)
    set_state(rt.db, job_id, "running", error=None)
    progress = Progress(rt.db, job_id, job.workspace_id)
    try:
        result = kind.handler(progress, workspace_id=job.workspace_id, **job.params)
    except JobCancelled:
        return
    except OutboardError as exc:
        set_state(rt.db, job_id, "failed", error=str(exc)[:2000])
        return
    except Exception as exc:  # a bug: keep the trace on the job for the user to report
        log.exception("job %s failed", job_id)
        set_state(rt.db, job_id, "failed", error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"[:2000])
        return
    set_state(rt.db, job_id, "succeeded", result=result or {}, message="done")


_RUN_JOB = "run_job_task"


def register_tasks(huey: Huey) -> None:
    setattr(huey, _RUN_JOB, huey.task(name="outboard.run_job")(execute))


def submit(rt: Runtime, workspace_id: int, kind: str, params: dict[str, Any], total: int | None = None) -> int:
    """Create the job row, then enqueue it (after commit, so a worker always finds the row)."""
    lookup(kind)  # unknown kinds fail here, not in a worker
    job_id = create_job(rt.db, workspace_id, kind, params, total)
    getattr(rt.huey, _RUN_JOB)(job_id)
    return job_id


class InProcessConsumer:
    """A Huey consumer on threads inside this process: the default on one machine."""

    def __init__(self, rt: Runtime, workers: int | None = None):
        self.rt = rt
        self.consumer = rt.huey.create_consumer(workers=workers or rt.settings.workers, worker_type="thread",
                                                periodic=False, initial_delay=0.05, max_delay=0.5)

    def __enter__(self) -> InProcessConsumer:
        if not self.rt.huey.immediate:
            self.consumer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.rt.huey.immediate:
            self.consumer.stop(graceful=True)


def wait_for(rt: Runtime, job_id: int, on_progress: Callable[[Any], None] | None = None,
             poll: float = 0.2, timeout: float | None = None) -> Any:
    """Poll the job row until it ends, calling `on_progress(job)` each time; returns the final row."""
    started = time.monotonic()
    while True:
        job = read_job(rt.db, job_id)
        if on_progress:
            on_progress(job)
        if job.state in FINAL:
            return job
        if timeout is not None and time.monotonic() - started > timeout:
            raise OutboardError(f"job {job_id} did not finish within {timeout:.0f} s (state {job.state})")
        time.sleep(poll)
