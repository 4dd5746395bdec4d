"""`outboard search`: discovery search over the prospect index (or a people-search API).

    outboard search "heads of sales at fintechs in Germany"            the parse and a preview (2 credits)
    outboard search parse "…" --json > filters.json                    the parse, to edit
    outboard search "…" --filters filters.json                         a preview of the edited parse
    outboard search "…" --save "DE fintech sales" --count 500          a saved search (4 credits a result)
    outboard search saved | status NAME | resume NAME
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import typer
from typer.core import TyperGroup

from outboard.cli.context import JSON_OPTION, WORKSPACE_OPTION, cli_runtime, workspace_of
from outboard.cli.output import console, emit_json, friendly_errors, table
from outboard.cli.progress import run_job_with_progress
from outboard.core.errors import ValidationError
from outboard.runtime import Runtime
from outboard.settings import load_settings
from outboard.sources.icp import ParseResult, SearchFilters, describe, summary
from outboard.sources.index.llm_parser import parse_description
from outboard.sources.index.people_api import HttpPeopleSearch, PeopleApiConfig
from outboard.sources.index.preview import Preview, estimate_note, preview
from outboard.sources.index.saved import (
    JOB_KIND,
    create_group,
    resume_saved_search,
    saved_search_status,
)
from outboard.sources.index.stats import index_stats

_JSON = typer.Option(False, "--json", help="Print JSON.")
SOURCE_OPTION = typer.Option("index", "--source", help="index (the prospect index) or api (a people-search API).")
API_URL_OPTION = typer.Option(None, "--api-url", help="People-search API base URL (with --source api).")
API_KEY_OPTION = typer.Option(None, "--api-key", help="People-search API key (with --source api).")


class _SearchGroup(TyperGroup):
    """`outboard search heads of sales` is a description, not a subcommand: it goes to the preview (and so
    does `outboard search --filters f.json`)."""

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None,
                                                                             list[str]]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            return "preview", self.commands["preview"], args
        return super().resolve_command(ctx, args)


def read_filters_file(path: Path) -> SearchFilters:
    """Filters from a file: the output of `search parse --json` (edited) or just its "filters" object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValidationError("filters", f"cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise ValidationError("filters", f"{path} is not valid JSON ({exc})") from None
    if isinstance(data, dict) and isinstance(data.get("filters"), dict):
        data = data["filters"]
    return SearchFilters.from_dict(data)


def _parse(rt: Runtime, words: list[str], filters_file: Path | None) -> ParseResult:
    text = " ".join(words).strip()
    if filters_file is not None:
        filters = read_filters_file(filters_file)
        if filters.is_empty():
            raise ValidationError("filters", "the file asks for nothing; keep at least one criterion")
        return ParseResult(text or str(filters_file), filters, "file", (f"filters read from {filters_file}",))
    return parse_description(text, rt.settings)


def _provider(rt: Runtime, source: str, api_url: str | None, api_key: str | None) -> HttpPeopleSearch | None:
    if source == "index":
        return None
    if source != "api":
        raise ValidationError("source", "must be index or api", value=source)
    return HttpPeopleSearch(PeopleApiConfig.from_settings(rt.settings, api_url, api_key))


def _print_parse(data: dict[str, Any]) -> None:
    console.print(f"[bold]Read as[/] ({data['parser']} parser):", highlight=False)
    for line in data["description"]:
        console.print(f"  • {line}", highlight=False)
    for note in data["notes"]:
        console.print(f"  [dim]note: {note}[/]", highlight=False, soft_wrap=True)
    console.print("[dim]Edit: outboard search parse \"…\" --json > f.json; then outboard search \"…\" --filters "
                  "f.json[/]", highlight=False, soft_wrap=True)


def _print_preview(result: Preview) -> None:
    rows = []
    for n, hit in enumerate(result.hits, start=1):
        name = f"{hit.name} (sample)" if hit.is_sample else hit.name
        rows.append((n, name, hit.title, hit.company, hit.location, "; ".join(s["text"] for s in hit.signals)))
    if rows:
        table(None, ["#", "Name", "Title", "Company", "Location", "Fit"], rows)
    else:
        console.print("No results: loosen the description (fewer criteria, a wider region or size range).",
                      highlight=False)
    excluded = result.excluded.as_dict()
    left_out = []
    if excluded["already_leads"]:
        left_out.append(f"{excluded['already_leads']} already leads")
    if excluded["suppressed"]:
        left_out.append(f"{excluded['suppressed']} suppressed")
    console.print(f"[bold]{result.total_text}[/] people match ({estimate_note(result)}); showing {len(result.hits)}"
                  + (f", left out: {', '.join(left_out)}" if left_out else "")
                  + f"; {result.credits} credits; {result.milliseconds:.0f} ms", highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    search_app = typer.Typer(cls=_SearchGroup, no_args_is_help=True,
                             context_settings={"ignore_unknown_options": True},  # options go to the preview
                             help="Discovery search: describe the people you want to reach.\n\n"
                                  "outboard search \"heads of sales at fintechs in Germany\" [--limit N] [--semantic] "
                                  "[--filters FILE.json] [--save NAME --count N] [--source index|api] [--json]: the "
                                  "parse, a preview (top N with fit signals and the total, 2 credits) or a saved "
                                  "search (4 credits a result).")

    @search_app.command("parse")
    @friendly_errors
    def parse_command(
        words: list[str] = typer.Argument(..., help="The description, e.g. \"heads of sales at fintechs in Germany\"."),
        as_json: bool = _JSON,
    ) -> None:
        """Show the filters a description is read as (titles, seniority, industry, location, size, signals)."""
        result = parse_description(" ".join(words), load_settings())  # settings only: no database needed
        if as_json:
            emit_json(result.to_dict())
            return
        _print_parse(result.to_dict())

    @search_app.command("preview", hidden=True)
    @friendly_errors
    def preview_command(
        words: list[str] = typer.Argument(None, help="The description of the people to find."),
        limit: int = typer.Option(25, "--limit", "-n", help="How many results to show (1-100)."),
        filters_file: Path = typer.Option(None, "--filters", help="Run an edited parse (JSON) instead."),
        semantic: bool = typer.Option(False, "--semantic", help="Re-rank the best results by meaning."),
        save: str = typer.Option(None, "--save", help="Save the search as a source group with this name."),
        count: int = typer.Option(None, "--count", help="With --save: how many results to collect."),
        source: str = SOURCE_OPTION, api_url: str = API_URL_OPTION, api_key: str = API_KEY_OPTION,
        wait: bool = typer.Option(True, "--wait/--no-wait", help="With --save: follow the job to its end."),
        workspace: str = WORKSPACE_OPTION, as_json: bool = _JSON,
    ) -> None:
        """Preview a description (top results with fit signals and the total), or save it with --save."""
        rt = cli_runtime()
        ws = workspace_of(rt, workspace)
        if not words and filters_file is None:
            raise ValidationError("query", "describe the people you want to reach, for example outboard search "
                                           "\"heads of sales at fintech companies in Germany\"")
        parsed = _parse(rt, words or [], filters_file)
        if save is not None:
            save_and_follow(rt, ws.id, parsed, save, count, source, api_url, api_key, semantic, wait, as_json)
            return
        if count is not None:
            raise ValidationError("count", "goes with --save NAME")
        provider = _provider(rt, source, api_url, api_key)
        try:
            result = preview(rt.db, ws.id, parsed.filters, limit=limit, query=parsed.query, semantic=semantic,
                             provider=provider)
        finally:
            if provider is not None:
                provider.close()
        if as_json:
            emit_json({"parse": parsed.to_dict(), "preview": result.to_dict()})
            return
        _print_parse(parsed.to_dict())
        if source == "index" and not result.total and not index_stats(rt.db, ws.id, top=0)["people"]:
            console.print("The prospect index is empty: outboard index load FILE…, or outboard index sample "
                          "--people 5000 --load", highlight=False, soft_wrap=True)
            return
        _print_preview(result)

    @search_app.command("saved")
    @friendly_errors
    def saved_command(workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
        """Saved searches and clues: how many results each collected, and their job's state."""
        rt = cli_runtime()
        ws = workspace_of(rt, workspace)
        list_saved(rt, ws.id, as_json, kinds=("search", "clue"))

    @search_app.command("status")
    @friendly_errors
    def status_command(name: str = typer.Argument(..., help="Saved search name (or id)."),
                       workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
        """How far a saved search got and what it left out."""
        rt = cli_runtime()
        ws = workspace_of(rt, workspace)
        data = saved_search_status(rt.db, ws.id, name)
        if as_json:
            emit_json(data)
            return
        _print_status(data)

    @search_app.command("resume")
    @friendly_errors
    def resume_command(name: str = typer.Argument(..., help="Saved search name (or id)."),
                       force: bool = typer.Option(False, "--force", help="Even if its last job looks running."),
                       workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
        """Go on with a saved search that stopped (budget spent, a failure): nothing is saved or charged twice."""
        rt = cli_runtime()
        ws = workspace_of(rt, workspace)
        job_id = resume_saved_search(rt, ws.id, name, force=force)
        data = saved_search_status(rt.db, ws.id, name)
        if as_json:
            emit_json({"job": job_id, **data})
            return
        _print_status(data)

    app.add_typer(search_app, name="search")


def save_and_follow(rt: Runtime, workspace_id: int, parsed: ParseResult, name: str, count: int | None,
                    source: str, api_url: str | None, api_key: str | None, semantic: bool, wait: bool,
                    as_json: bool, clue: Any = None) -> None:
    """Create the group and run its job with a progress bar (or queue it with --no-wait)."""
    if count is None:
        raise ValidationError("count", "how many results to collect: --count N")
    api = None
    if source == "api":
        config = PeopleApiConfig.from_settings(rt.settings, api_url, api_key)
        api = {"url": config.url, **({"key": rt.secrets.seal(api_key)} if api_key else {})}
    elif source != "index":
        raise ValidationError("source", "must be index or api", value=source)
    group_id = create_group(rt.db, workspace_id, name, parsed.filters, count, source=source,
                            description=parsed.query, clue=clue, semantic=semantic, api=api)
    if not as_json:
        _print_parse(parsed.to_dict())
    if not wait:
        from outboard.jobs.runner import submit

        job_id = submit(rt, workspace_id, JOB_KIND, {"group_id": group_id})
        data = {"job": job_id, **saved_search_status(rt.db, workspace_id, group_id)}
        if as_json:
            emit_json(data)
        else:
            console.print(f"Queued job {job_id}: outboard search status {name!r}", highlight=False)
        return
    title = f"Saving {count:,} results to {name!r}"
    job = run_job_with_progress(rt, workspace_id, JOB_KIND, {"group_id": group_id}, title, show=not as_json)
    data = saved_search_status(rt.db, workspace_id, group_id)
    if as_json:
        emit_json({"job": job.id, **data, "result": job.result})
        return
    _print_status(data)


def _print_status(data: dict[str, Any]) -> None:
    progress = data.get("progress") or {}
    excluded = progress.get("excluded") or {}
    job = data.get("job") or {}
    what = "clue" if data["kind"] == "clue" else "saved search"
    console.print(f"{what} {data['name']!r}: {data['collected']:,} of {data['requested']:,} collected"
                  f" (job {job.get('id')}: {job.get('state')})", highlight=False, soft_wrap=True)
    console.print(f"examined {progress.get('examined', 0):,}; left out {excluded.get('already_leads', 0):,} already "
                  f"leads and {excluded.get('suppressed', 0):,} suppressed"
                  + ("; no more candidates" if progress.get("exhausted") else ""), highlight=False, soft_wrap=True)
    if job.get("error"):
        console.print(f"[yellow]{job['error'].splitlines()[0]}[/]", highlight=False, soft_wrap=True)


def list_saved(rt: Runtime, workspace_id: int, as_json: bool, kinds: tuple[str, ...]) -> None:
    from sqlalchemy import func, select

    from outboard.db.models import Job, SourceGroup, SourceGroupMember

    with rt.db.sessions() as session:
        counts = dict(session.execute(select(SourceGroupMember.source_group_id, func.count()).group_by(
            SourceGroupMember.source_group_id)).all())
        rows = []
        for group in session.scalars(select(SourceGroup).where(SourceGroup.workspace_id == workspace_id,
                                                               SourceGroup.kind.in_(kinds)).order_by(SourceGroup.id)):
            query = group.query or {}
            state = session.scalar(select(Job.state).where(Job.id == group.job_id)) if group.job_id else None
            filters = SearchFilters.from_dict(query.get("filters") or {})
            rows.append({"id": group.id, "name": group.name, "kind": group.kind, "collected": counts.get(group.id, 0),
                         "requested": query.get("count"), "state": state, "source": query.get("source"),
                         "clue": query.get("clue"), "summary": summary(filters), "description": describe(filters)})
    if as_json:
        emit_json(rows)
        return
    if not rows:
        console.print("Nothing saved yet.", highlight=False)
        return
    table(None, ["Id", "Name", "Kind", "Collected", "State", "Criteria"],
          [(r["id"], r["name"], (r["clue"] or {}).get("kind") or r["kind"], f"{r['collected']:,} / {r['requested']:,}",
            r["state"], r["summary"]) for r in rows])
