"""`outboard worker`: run background jobs and the send scheduler."""

from __future__ import annotations

import typer

from outboard.cli.context import cli_runtime
from outboard.cli.output import console, friendly_errors


def register(app: typer.Typer) -> None:
    @app.command("worker")
    @friendly_errors
    def worker(
        interval: float = typer.Option(5.0, help="Seconds between scheduler ticks."),
        once: bool = typer.Option(False, "--once", help="Send what is due now, then exit."),
        no_jobs: bool = typer.Option(False, "--no-jobs", help="Only the scheduler, no job consumer."),
    ) -> None:
        """Run queued jobs and send due steps until stopped (Ctrl-C finishes the current send first)."""
        from outboard.jobs.worker import run_worker

        rt = cli_runtime()

        def report(result) -> None:  # type: ignore[no-untyped-def]
            if result.leased:
                console.print(f"tick: {result.leased} due, {result.claimed} claimed, {result.outcomes}")

        run_worker(rt, interval=interval, once=once, jobs=not no_jobs, on_tick=report)
