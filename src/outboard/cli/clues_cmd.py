"""`outboard clues`: signal-based sources (a recent post, new in role, the company raised or hires) whose
signal travels with each lead as a hook for the writer."""

from __future__ import annotations

import typer

from outboard.cli.context import JSON_OPTION, WORKSPACE_OPTION, cli_runtime, workspace_of
from outboard.cli.output import friendly_errors
from outboard.cli.search_cmd import API_KEY_OPTION, API_URL_OPTION, SOURCE_OPTION, list_saved, save_and_follow
from outboard.sources.icp import ParseResult, SearchFilters
from outboard.sources.index.clues import CLUE_KINDS, ClueSpec, clue_filters
from outboard.sources.index.llm_parser import parse_description


def register(app: typer.Typer) -> None:
    clues = typer.Typer(help="Clues: people with a reason to write to them now.", no_args_is_help=True)

    @clues.command("create")
    @friendly_errors
    def create(name: str = typer.Argument(..., help="Name of the clue's source group."),
               kind: str = typer.Option(..., "--kind", help=f"One of: {', '.join(CLUE_KINDS)}."),
               topic: str = typer.Option(None, "--topic", help="recent_post: what they posted about."),
               function: str = typer.Option(None, "--function", help="The people's function; company_hiring: the "
                                                                     "function the company hires for."),
               days: int = typer.Option(None, "--days", help="How recent the signal is (30 for posts, 90 "
                                                             "otherwise)."),
               query: str = typer.Option(None, "--query", help="Who, in plain words: \"CTOs in Germany\"."),
               count: int = typer.Option(..., "--count", help="How many results to collect."),
               source: str = SOURCE_OPTION, api_url: str = API_URL_OPTION, api_key: str = API_KEY_OPTION,
               wait: bool = typer.Option(True, "--wait/--no-wait", help="Follow the job to its end."),
               workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
        """Collect COUNT people with the signal into a new source group (4 credits a result)."""
        rt = cli_runtime()
        ws = workspace_of(rt, workspace)
        spec = ClueSpec(kind.strip().lower(), topic, function, days)
        base = parse_description(query, rt.settings) if query else None
        filters = clue_filters(spec, base.filters if base else SearchFilters())
        parsed = ParseResult(query or f"clue: {spec.kind}", filters, base.parser if base else "clue",
                             base.notes if base else ())
        save_and_follow(rt, ws.id, parsed, name, count, source, api_url, api_key, False, wait, as_json, clue=spec)

    @clues.command("list")
    @friendly_errors
    def list_clues(workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
        """Clues of the workspace with how many results each collected."""
        rt = cli_runtime()
        ws = workspace_of(rt, workspace)
        list_saved(rt, ws.id, as_json, kinds=("clue",))

    app.add_typer(clues, name="clues")
