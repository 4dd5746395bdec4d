"""Run a background job from a command and show its progress bar, fed from the job row (the same numbers
the web page shows). Every long command (import, search --save, enrich, messages generate) uses this."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from outboard.cli.output import err_console
from outboard.core.errors import OutboardError
from outboard.db.models import Job
from outboard.jobs.runner import InProcessConsumer, submit, wait_for
from outboard.runtime import Runtime


class JobFailed(OutboardError):
    def __init__(self, job: Job):
        self.job = job
        if job.state == "cancelled":
            text = f"job {job.id} was cancelled"
        else:
            # A bug's traceback stays on the job row; one line here.
            first = (job.error or "no error recorded").strip().splitlines()[0]
            text = f"job {job.id} failed: {first}"
        super().__init__(text)


def run_job_with_progress(rt: Runtime, workspace_id: int, kind: str, params: dict[str, Any], title: str, *,
                          show: bool = True, poll: float = 0.1, timeout: float | None = None) -> Job:
    """Queue the job, run it with the in-process consumer (a separate `outboard worker` may take it instead:
    the bar follows the row either way), and return the finished row. JobFailed when it did not succeed.
    The bar is drawn on stderr, so `--json` output on stdout stays clean; `show=False` draws nothing."""
    # Immediate mode (tests, one-shot runs) executes the job inside submit(): no consumer to start.
    with nullcontext() if rt.huey.immediate else InProcessConsumer(rt):
        job_id = submit(rt, workspace_id, kind, params)
        if not show:
            job = wait_for(rt, job_id, poll=poll, timeout=timeout)
        else:
            columns = (SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                       TimeElapsedColumn(), TextColumn("{task.fields[note]}"))
            with Progress(*columns, console=err_console, transient=False) as bar:
                task = bar.add_task(title, total=None, note="queued")

                def update(row: Job) -> None:
                    bar.update(task, completed=row.done, total=row.total, note=row.message or row.state)

                job = wait_for(rt, job_id, on_progress=update, poll=poll, timeout=timeout)
    if job.state != "succeeded":
        raise JobFailed(job)
    return job
