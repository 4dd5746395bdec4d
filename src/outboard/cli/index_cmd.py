"""`outboard index`: the prospect index (load files, generate sample data, see what it holds)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer

from outboard.cli.context import JSON_OPTION, WORKSPACE_OPTION, cli_runtime, workspace_of
from outboard.cli.output import console, emit_json, friendly_errors
from outboard.cli.progress import run_job_with_progress
from outboard.core.errors import ValidationError
from outboard.sources.index.stats import index_stats
from outboard.sources.index.tasks import LOAD_KIND, load_params
from outboard.sources.sample import SampleSpec, write_sample

MAX_SHOWN_ERRORS = 10


def _load(paths: list[str], workspace: str | None, as_json: bool, workers: int | None = None,
          extra: dict[str, Any] | None = None) -> None:
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    job = run_job_with_progress(rt, ws.id, LOAD_KIND, load_params(list(paths), workers=workers),
                                "Loading the prospect index", show=not as_json)
    if as_json:
        emit_json({"job": job.id, **(extra or {}), **job.result})
        return
    _print_load(job.result)


def _print_load(r: dict[str, Any]) -> None:
    console.print(f"{r['people_new']:,} people added, {r['people_updated']:,} updated; {r['companies_new']:,} "
                  f"companies added, {r['companies_updated']:,} updated ({', '.join(r['files'])}, "
                  f"{r['seconds']:.1f} s)", highlight=False, soft_wrap=True)
    if r.get("people_linked"):
        console.print(f"{r['people_linked']:,} people linked to companies that came later", highlight=False)
    if r["rejected"]:
        console.print(f"[yellow]{r['rejected']:,} records not loaded[/]:", highlight=False)
        for error in r["errors"][:MAX_SHOWN_ERRORS]:
            value = f" (got {error['value']})" if error.get("value") else ""
            console.print(f"  {error['file']}:{error['line']}: {error['field']}: {error['reason']}{value}",
                          highlight=False, soft_wrap=True)
        if r["rejected"] > MAX_SHOWN_ERRORS:
            console.print("  … (--json lists the first 100)", highlight=False)
    if r["warnings"]:
        console.print(f"[dim]{r['warnings']:,} values were kept out of the search filters (unknown ids); "
                      "--json lists examples[/]", highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    index = typer.Typer(help="The prospect index: people and companies you own, searched offline.",
                        no_args_is_help=True)

    @index.command("load")
    @friendly_errors
    def load(paths: list[str] = typer.Argument(..., help="JSONL, CSV or Parquet files, or a folder of them."),
             workers: int = typer.Option(None, "--workers", help="Processes that check records (default: one "
                                                                 "per spare core for big files)."),
             workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
        """Load (or update) people and companies; records are matched by their `id`. Safe to run again."""
        _load(paths, workspace, as_json, workers)

    @index.command("sample")
    @friendly_errors
    def sample(people: int = typer.Option(..., "--people", help="How many people (companies: a fifth)."),
               seed: int = typer.Option(42, "--seed", help="The same seed gives the same files."),
               directory: Path = typer.Option(Path("prospect-index-sample"), "--dir",
                                              help="Folder the files are written to."),
               fmt: str = typer.Option("jsonl", "--format", help="jsonl, csv or parquet."),
               reference: str = typer.Option(None, "--reference-date",
                                             help="Dates count back from this day (default: today)."),
               and_load: bool = typer.Option(False, "--load", help="Load the files into the index afterwards."),
               workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
        """Write sample people and companies (marked as sample data everywhere), optionally loading them."""
        if not 1 <= people <= 50_000_000:
            raise ValidationError("people", "must be between 1 and 50,000,000", value=people)
        try:
            day = date.fromisoformat(reference) if reference else cli_runtime().clock.now().date()
        except ValueError:
            raise ValidationError("reference-date", "must be YYYY-MM-DD", value=reference) from None
        paths = write_sample(directory, SampleSpec(people=people, seed=seed, reference_date=day), fmt)
        written = {"companies": str(paths["companies"]), "people": str(paths["people"]), "seed": seed,
                   "reference_date": day.isoformat()}
        if and_load:
            _load([str(paths["companies"]), str(paths["people"])], workspace, as_json, extra={"written": written})
        elif as_json:
            emit_json({"written": written})
        else:
            console.print(f"Wrote {people:,} sample people and {SampleSpec(people=people).company_count:,} "
                          f"companies to {directory} (dates count back from {day}); load them with: outboard "
                          f"index load {directory}", highlight=False, soft_wrap=True)

    @index.command("stats")
    @friendly_errors
    def stats(workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
        """How many people and companies the index holds, and of what kind."""
        rt = cli_runtime()
        ws = workspace_of(rt, workspace)
        data = index_stats(rt.db, ws.id)
        if as_json:
            emit_json(data)
            return
        console.print(f"{data['people']:,} people ({data['sample_people']:,} sample), {data['companies']:,} "
                      f"companies ({data['sample_companies']:,} sample)", highlight=False)
        if not data["people"]:
            console.print("The index is empty: outboard index load FILE…, or outboard index sample --people 5000 "
                          "--load", highlight=False, soft_wrap=True)
            return
        console.print(f"{data['people_with_posts']:,} with posts (newest {data['newest_post_on']}), "
                      f"{data['people_without_company']:,} without a company record; last loaded "
                      f"{data['last_loaded_at']:%Y-%m-%d %H:%M}", highlight=False, soft_wrap=True)
        for name in ("countries", "functions", "industries"):
            shown = ", ".join(f"{row['value']} {row['people']:,}" for row in data[f"top_{name}"])
            console.print(f"top {name}: {shown}", highlight=False, soft_wrap=True)
        if data["bulk_load_pending"]:
            console.print("[yellow]a bulk load did not finish: the next load completes the search index[/]",
                          highlight=False)

    app.add_typer(index, name="index")
