"""`outboard enrich`: profiles (a waterfall of providers), emails (finder + SMTP verifier), and status."""

from __future__ import annotations

from typing import Any

import typer

from outboard.cli.context import JSON_OPTION, WORKSPACE_OPTION, cli_runtime, workspace_of
from outboard.cli.output import console, emit_json, friendly_errors, table
from outboard.cli.progress import run_job_with_progress
from outboard.core.stages import STAGE_LABELS
from outboard.enrich.status import enrichment_status
from outboard.enrich.tasks import EMAILS, PROFILES, enrichment_params

enrich = typer.Typer(help="Enrichment: profiles from a waterfall of providers, verified work emails.",
                     no_args_is_help=True)
GROUP_OPTION = typer.Option(None, "--group", "-g", help="Source group name (or id).")
LEAD_OPTION = typer.Option([], "--lead", help="Lead id (repeat for several).")
FORCE_OPTION = typer.Option(False, "--force", help="Ask again even for leads whose result is current.")


def _run(kind: str, title: str, params: dict[str, Any], workspace: str | None, as_json: bool,
         print_report: Any) -> None:
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    job = run_job_with_progress(rt, ws.id, kind, enrichment_params(rt, ws.id, **params), title, show=not as_json)
    if as_json:
        emit_json({"job": job.id, **job.result})
    else:
        print_report(job.result)


def _skipped(names: dict[str, str]) -> str:
    return "; ".join(f"{name} skipped ({why})" for name, why in names.items())


def _print_profiles(r: dict[str, Any]) -> None:
    console.print(f"{r['leads']} leads: {r['enriched']} profile enriched ({r['complete']} complete, {r['partial']} "
                  f"partial), {r['empty']} not found, {r['retry']} to retry, {r['current']} already current"
                  + (f", {r['stopped']} stopped" if r["stopped"] else ""), highlight=False, soft_wrap=True)
    console.print(f"{r['fields_filled']} fields filled, {r['conflicts']} conflicts kept aside, {r['credits']} credits; "
                  f"{r['calls']} provider calls, {r['cache_hits']} answers from the cache", highlight=False)
    waterfall = " → ".join(r["providers"]) or "no provider configured"
    console.print(f"waterfall: {waterfall}" + (f"; {_skipped(r['providers_skipped'])}" if r["providers_skipped"]
                                                else ""), highlight=False, soft_wrap=True)
    for name, problem in r["unavailable"].items():
        console.print(f"[yellow]{name}[/]: {problem}", highlight=False, soft_wrap=True)


def _print_emails(r: dict[str, Any]) -> None:
    console.print(f"{r['leads']} leads: {r['valid']} with a valid email ({r['found']} found, {r['verified']} own "
                  f"addresses checked), {r['catch_all']} catch-all, {r['unknown']} unknown (retried later), "
                  f"{r['not_found'] + r['no_domain'] + r['no_name']} not found, {r['current']} already current",
                  highlight=False, soft_wrap=True)
    console.print(f"{r['linkedin_only']} leads continue on LinkedIn only; {r['credits']} credits; "
                  f"{r['conversations']} SMTP conversations, {r['finder_calls']} finder API calls",
                  highlight=False, soft_wrap=True)
    if r["finders"] or r["finders_skipped"]:
        console.print(f"finders: {' → '.join(r['finders']) or 'none'}"
                      + (f"; {_skipped(r['finders_skipped'])}" if r["finders_skipped"] else ""), highlight=False,
                      soft_wrap=True)


@enrich.command("profiles")
@friendly_errors
def profiles(group: str = GROUP_OPTION, lead: list[int] = LEAD_OPTION,
             play: str = typer.Option(None, "--play", help="Fill the fields this play requires (default: all)."),
             force: bool = FORCE_OPTION, workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Fill profiles from the providers, in order, until the play's fields are there. Safe to run again."""
    _run(PROFILES, "Enriching profiles", {"group": group, "lead_ids": lead, "play_id": play, "force": force},
         workspace, as_json, _print_profiles)


@enrich.command("emails")
@friendly_errors
def emails(group: str = GROUP_OPTION, lead: list[int] = LEAD_OPTION, force: bool = FORCE_OPTION,
           workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Verify leads' own addresses, find the others (pattern + SMTP check, then finder APIs). Safe to run again."""
    _run(EMAILS, "Finding emails", {"group": group, "lead_ids": lead, "force": force}, workspace, as_json,
         _print_emails)


@enrich.command("status")
@friendly_errors
def status(group: str = typer.Option(..., "--group", "-g", help="Source group name (or id)."),
           workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Where a group's leads are: stages, email verdicts, enrichment outcomes."""
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    with rt.db.sessions() as session:
        data = enrichment_status(session, ws.id, group=group)
    if as_json:
        emit_json(data)
        return
    console.print(f"[bold]{data['group']}[/]: {data['leads']} leads, {data['linkedin_only']} LinkedIn only"
                  + (f", {data['stopped']} stopped" if data["stopped"] else ""), highlight=False)
    table("Stages", ["Stage", "Leads"], [(label, data["stages"].get(stage.value, 0))
                                          for stage, label in STAGE_LABELS.items()])
    table("Email verdicts", ["Verdict", "Leads"], list(data["verdicts"].items()))
    table("Enrichment outcomes", ["Kind", "Outcome", "Leads"],
          [("profile", k, v) for k, v in sorted(data["profile_outcomes"].items())]
          + [("email", k, v) for k, v in sorted(data["email_outcomes"].items())])


def register(app: typer.Typer) -> None:
    app.add_typer(enrich, name="enrich")
