"""`outboard demo`: run the whole pipeline on local servers and show the result."""

from __future__ import annotations

from pathlib import Path

import typer

from outboard.cli.context import JSON_OPTION
from outboard.cli.output import console, emit_json, friendly_errors, table


def register(app: typer.Typer) -> None:
    @app.command("demo")
    @friendly_errors
    def demo(
        folder: Path = typer.Option(Path("demo-out"), help="Working folder (recreated on every run)."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Discovery → enrichment → writing → sending → replies, end to end on local servers."""
        from outboard.demo.run import run_demo

        report = run_demo(folder)
        pipeline = report.pipeline
        assert pipeline is not None
        if as_json:
            emit_json({"folder": str(report.folder), "steps": report.steps,
                       "pipeline": {s.value: n for s, n in pipeline.by_stage.items()},
                       "stopped": {r.value: n for r, n in pipeline.stopped.items()}})
            return
        for stage, what in report.steps:
            console.print(f"[bold]{stage}[/]: {what}")
        table("Lead pipeline", ["Stage", "Leads"], [(s.label, n) for s, n in pipeline.by_stage.items()])
        table("Stopped", ["Reason", "Leads"], [(r.value, n) for r, n in pipeline.stopped.items()])
        console.print(f"database: {report.database_url}")
