"""`outboard demo`: the whole pipeline on local servers, then what happened and where to look."""

from __future__ import annotations

from pathlib import Path

import typer

from outboard.cli.context import JSON_OPTION
from outboard.cli.output import console, emit_json, friendly_errors, table
from outboard.cli.progress import run_job_with_progress


def register(app: typer.Typer) -> None:
    @app.command("demo")
    @friendly_errors
    def demo(
        folder: Path = typer.Option(Path("demo-out"), help="Working folder (recreated on every run)."),
        people: int = typer.Option(6000, help="People in the generated sample prospect index."),
        leads: int = typer.Option(40, help="Leads the discovery search saves."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Discovery → enrichment → writing → sending → replies, end to end on local servers."""
        from outboard.demo.run import DemoScale, run_demo
        from outboard.settings import load_settings

        configured = load_settings()
        llm = {"llm_base_url": configured.llm_base_url, "llm_model": configured.llm_model,
               "llm_api_key": configured.llm_api_key}

        def run_job(rt, workspace_id, kind, params, title):  # type: ignore[no-untyped-def]
            return run_job_with_progress(rt, workspace_id, kind, params, title, show=not as_json)

        report = run_demo(folder.resolve(), run_job, scale=DemoScale(people=people, leads=leads), llm=llm)
        assert report.pipeline is not None and report.stats is not None
        stats = report.stats.as_dict()
        if as_json:
            emit_json({"folder": str(report.folder), "database": report.database_url, "steps": report.steps,
                       "seconds": {stage: round(t, 2) for stage, t in report.seconds.items()},
                       "pipeline": {s.value: n for s, n in report.pipeline.by_stage.items()},
                       "stopped": {r.value: n for r, n in report.pipeline.stopped.items()},
                       "outreach": stats, "prospect_reactions": report.reactions})
            return
        for stage, what in report.steps:
            console.print(f"[bold cyan]{stage:>8}[/] {what} [dim]({report.seconds[stage]:.1f} s)[/]", highlight=False)
        table("Lead pipeline", ["Stage", "Leads"], [(s.label, n) for s, n in report.pipeline.by_stage.items()]
              + [(f"stopped: {r.value.replace('_', ' ')}", n) for r, n in report.pipeline.stopped.items() if n])
        table("Outreach", ["Measure", "Count"], [
            ("LinkedIn invites sent", stats["invites_sent"]), ("invites accepted", stats["invites_accepted"]),
            ("LinkedIn messages sent", stats["linkedin_messages_sent"]), ("emails sent", stats["emails_sent"]),
            ("bounced", stats["bounced"]), ("replied", stats["replied"]),
            ("positive replies", stats["positive_replies"]), ("opted out", stats["opted_out"])])
        console.print("\n[bold]Where to look[/]")
        console.print(f"  sent mail, as the prospects' servers received it: {report.sent_mail}")
        console.print(f"  the web app with the demo data: cd {report.folder} && outboard serve  →  "
                      "http://127.0.0.1:8000 (sign in as demo@outboard.local / outboard-demo)")
        console.print(f"  the database: {report.database_url}")
