"""`outboard import PATH`: CSV / JSONL import into a source group, as a job with a progress bar."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from outboard.cli.context import JSON_OPTION, WORKSPACE_OPTION, cli_runtime, workspace_of
from outboard.cli.output import console, emit_json, friendly_errors, table
from outboard.cli.progress import run_job_with_progress
from outboard.sources.importer import BATCH_ROWS, ImportOptions
from outboard.sources.tasks import KIND, import_params

_SHOWN = 20  # rows of each list printed for people; --json has them all (up to the summary's limit)
_DELIMITERS = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


def _short(value: Any, limit: int = 60) -> str:
    text = " ".join(str(value or "").split())
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")


def print_summary(summary: dict[str, Any]) -> None:
    console.print(
        f"[bold]{escape(summary['file'])}[/] → source group [bold]{escape(summary['group'])}[/] "
        f"(preset {summary['preset']}): {summary['rows']:,} rows in {summary['seconds']:.1f} s", highlight=False)
    suppressed = ", ".join(f"{n} {reason.replace('_', ' ')}" for reason, n in sorted(summary["suppressed_by"].items()))
    lines = [
        ("new leads", summary["new"], ""),
        ("merged into existing leads", summary["merged"], f"{summary['updated']:,} of them with new facts"),
        ("duplicates within the file", summary["duplicates"], "merged into the lead an earlier row made"),
        ("suppressed (not imported)", summary["suppressed"], suppressed),
        ("rejected rows", summary["rejected"], ""),
        ("conflicting values (kept, not applied)", summary["conflicts"], ""),
        ("ambiguous rows", summary["ambiguous"], "they match leads that stay apart" if summary["ambiguous"] else ""),
        ("rows with warnings", summary["warnings"], "a value was dropped or kept as written"),
    ]
    for label, count, note in lines:
        if count or label == "new leads":
            console.print(f"  {count:>9,}  {label}" + (f" [dim]({escape(note)})[/]" if note else ""),
                          highlight=False)
    if summary["rejected_rows"]:
        table("Rejected rows (nothing stored for them)", ["Row", "Field", "Reason", "Value"],
              [(r["row"], r["field"], _short(r["reason"], 80), _short(r.get("value"))) for r in
               summary["rejected_rows"][:_SHOWN]])
    if summary["conflict_rows"]:
        table("Conflicts (the stored value stays; the new one is kept in the lead's provenance)",
              ["Row", "Lead", "Field", "Stored", "In the file"],
              [(c["row"], c["lead_id"], c["field"], _short(c["old"], 40), _short(c["new"], 40))
               for c in summary["conflict_rows"][:_SHOWN]])
    if summary["ambiguous_rows"]:
        table("Ambiguous rows", ["Row", "Lead", "Also matches", "Why"],
              [(a["row"], a["lead_id"], a["other_lead_id"], _short(a["reason"], 70))
               for a in summary["ambiguous_rows"][:_SHOWN]])
    shown = max(len(summary["rejected_rows"]), len(summary["conflict_rows"]), len(summary["ambiguous_rows"]))
    if shown > _SHOWN or summary["warnings"]:
        console.print("[dim]Every row of these lists and the warnings: outboard import … --json[/]", highlight=False)


def register(app: typer.Typer) -> None:
    @app.command("import")
    @friendly_errors
    def import_command(
        path: Path = typer.Argument(..., help="A CSV (any delimiter, encoding, quoting) or JSONL file."),
        group: str = typer.Option(None, "--group", help="Source group to import into (default: the file name)."),
        preset: str = typer.Option(None, "--preset", help="Force a column preset: sales_navigator, apollo, "
                                   "hubspot, linkedin_connections, generic (default: detected from the header)."),
        mapping: Path = typer.Option(None, "--mapping", help="Mapping file (TOML or JSON): our field = their column."),
        encoding: str = typer.Option(None, "--encoding", help="Text encoding (default: detected; BOMs are honoured)."),
        delimiter: str = typer.Option(None, "--delimiter", help="CSV delimiter: , ; | or tab (default: detected)."),
        batch_size: int = typer.Option(BATCH_ROWS, "--batch-size", min=1, hidden=True,
                                       help="Rows per transaction."),
        workers: int = typer.Option(None, "--workers", min=1, hidden=True,
                                    help="Processes that normalise rows (default: one per core for big files)."),
        workspace: str = WORKSPACE_OPTION,
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Import leads from a file. Safe to run again: nothing is stored twice."""
        rt = cli_runtime()
        ws = workspace_of(rt, workspace)
        options = ImportOptions(group=group, preset=preset, mapping=str(mapping) if mapping else None,
                                encoding=encoding, delimiter=_DELIMITERS.get(delimiter or "", delimiter),
                                batch_size=batch_size, workers=workers)
        params = import_params(path, options)
        job = run_job_with_progress(rt, ws.id, KIND, params, f"Importing {path.name}", show=not as_json)
        if as_json:
            emit_json({"job": job.id, **job.result})
        else:
            print_summary(job.result)
