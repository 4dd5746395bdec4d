"""`outboard leads`: add by hand, list, show, export a source group, and data-subject requests."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from outboard.cli.context import JSON_OPTION, WORKSPACE_OPTION, cli_runtime, workspace_of
from outboard.cli.output import console, emit_json, err_console, friendly_errors, table, to_json
from outboard.core.errors import ValidationError
from outboard.core.stages import LeadStage
from outboard.sources.export import export_group
from outboard.sources.groups import find_group
from outboard.sources.lead_queries import MAX_PAGE, LeadFilter, detail_record, lead_detail, list_leads, parse_stage
from outboard.sources.manual import add_manual_lead
from outboard.sources.privacy import erase_person, export_person, find_person

leads = typer.Typer(help="Leads: add by hand, list, show, export; export or erase everything about a person.",
                    no_args_is_help=True)
_EMAIL = typer.Option(None, "--email", help="The person's email address.")
_LINKEDIN = typer.Option(None, "--linkedin", help="The person's LinkedIn profile URL or public id.")


def _short(value: Any, limit: int = 40) -> str:
    text = " ".join(str(value or "").split())
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")


def _stage(value: str) -> str:
    try:
        return LeadStage(value).label
    except ValueError:
        return value


@leads.command("add")
@friendly_errors
def add(name: str = typer.Option(None, "--name", help="Full name (or --first-name and --last-name)."),
        first_name: str = typer.Option(None, "--first-name"), last_name: str = typer.Option(None, "--last-name"),
        email: str = typer.Option(None, "--email"), linkedin: str = typer.Option(None, "--linkedin"),
        company: str = typer.Option(None, "--company"), domain: str = typer.Option(None, "--domain",
                                                                                   help="Company domain or website."),
        title: str = typer.Option(None, "--title"), phone: str = typer.Option(None, "--phone"),
        location: str = typer.Option(None, "--location"),
        field: list[str] = typer.Option([], "--field", help="A custom field, NAME=VALUE (repeat for several)."),
        group: str = typer.Option(None, "--group", help="Source group (default: \"Manual leads\")."),
        workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Add one person by hand (deduplicated and checked against the suppression list like an import)."""
    fields: dict[str, Any] = {"full_name": name, "first_name": first_name, "last_name": last_name, "email": email,
                              "linkedin": linkedin, "company": company, "domain": domain, "title": title,
                              "phone": phone, "location": location}
    for item in field:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValidationError("--field", "expected NAME=VALUE", value=item)
        fields[key.strip()] = value
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    with rt.db.transaction() as session:
        lead, outcome = add_manual_lead(session, ws.id, fields, group)
        data = {"id": lead.id, "outcome": outcome, "full_name": lead.full_name, "email": lead.email,
                "linkedin_id": lead.linkedin_id, "stage": lead.stage}
    if as_json:
        emit_json(data)
    else:
        verb = "added" if outcome == "new" else "already known: new facts merged into"
        console.print(f"{verb} lead {data['id']} ({escape(data['full_name'] or data['email'] or '')})",
                      highlight=False)


@leads.command("list")
@friendly_errors
def list_command(stage: str = typer.Option(None, "--stage", help="discovered, profile_enriched, email_enriched, "
                                           "message_generated, outreach_active, replied, completed."),
                 group: str = typer.Option(None, "--group", help="Only this source group."),
                 search: str = typer.Option("", "--search", help="An email, a LinkedIn URL, #id or a name's start."),
                 limit: int = typer.Option(50, "--limit", min=1, max=MAX_PAGE),
                 after: int = typer.Option(None, "--after", help="Show the page after this lead id (newest first)."),
                 workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Leads, newest first, a page at a time."""
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    with rt.db.sessions() as session:
        group_id = find_group(session, ws.id, group).id if group else None
        page = list_leads(session, ws.id, LeadFilter(parse_stage(stage), group_id, search), after=after, limit=limit)
    if as_json:
        emit_json({"leads": [asdict(r) for r in page.rows], "next_after": page.next_cursor})
        return
    table("Leads", ["Id", "Name", "Title", "Company", "Email", "Stage", "Stopped"],
          [(r.id, _short(r.full_name or r.linkedin_id, 30), _short(r.title, 30), _short(r.company, 30),
            _short(r.email, 36), _stage(r.stage), r.stop_reason or "") for r in page.rows])
    if page.next_cursor is not None:
        console.print(f"[dim]More: outboard leads list --after {page.next_cursor}[/]", highlight=False)


@leads.command("show")
@friendly_errors
def show(lead_id: int, workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Everything about one lead: profile, where each fact came from, timeline, enrollments, messages."""
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    with rt.db.sessions() as session:
        detail = detail_record(lead_detail(session, ws.id, lead_id))
    if as_json:
        emit_json(detail)
        return
    company = detail["company"]
    stop = f" (stopped: {detail['stop_reason']})" if detail["stop_reason"] else ""
    console.print(f"[bold]{escape(detail['full_name'] or '(no name)')}[/] · lead {detail['id']} · "
                  f"{_stage(detail['stage'])}{stop}", highlight=False)
    for label, value in (("Title", detail["title"]), ("Headline", detail["headline"]), ("Email", detail["email"]),
                         ("LinkedIn", detail["linkedin_id"]), ("Phone", detail["phone"]),
                         ("Company", f"{company['name']} ({company['domain'] or 'no domain'})" if company else None),
                         ("Location", ", ".join(v for v in (detail["city"], detail["region"], detail["country"]) if v)),
                         ("Groups", ", ".join(g["name"] for g in detail["source_groups"]))):
        if value:
            console.print(f"  {label:<9} {escape(str(value))}", highlight=False)
    custom = (detail["profile"] or {}).get("custom") or {}
    if custom:
        table("Custom fields", ["Field", "Value"], [(escape(k), _short(v, 80)) for k, v in custom.items()])
    if detail["provenance"]:
        table("Provenance", ["Field", "Value", "Source", "Observed", ""],
              [(p["field"], _short(p["value"], 50), _short(p["source"], 40), f"{p['observed_at']:%Y-%m-%d}",
                "conflict" if p["conflict"] else ("" if p["is_current"] else "old")) for p in detail["provenance"]])
    if detail["enrollments"]:
        table("Enrollments", ["Id", "Sequence", "State", "Next step", "Stop"],
              [(e["id"], _short(e["sequence"]), e["state"], e["next_position"], e["stop_reason"] or "")
               for e in detail["enrollments"]])
    if detail["messages"]:
        table("Messages", ["Id", "Step", "Channel", "Subject", "Review", "Send"],
              [(m["id"], m["step"], m["channel"], _short(m["subject"]), m["review_state"], m["send_state"])
               for m in detail["messages"]])
    if detail["events"]:
        table("Timeline", ["When", "Event", "Subject"],
              [(f"{e['occurred_at']:%Y-%m-%d %H:%M}", e["kind"], e["subject"] or "") for e in detail["events"]])


@leads.command("export")
@friendly_errors
def export_command(group: str = typer.Option(..., "--group", help="The source group to export."),
                   out: Path = typer.Option(None, "--out", help="CSV file to write (default: standard output)."),
                   workspace: str = WORKSPACE_OPTION) -> None:
    """A source group back to CSV (streamed; re-imports as it is)."""
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    with rt.db.sessions() as session:
        if out is None:
            count = export_group(session, ws.id, group, sys.stdout)
        else:
            with out.open("w", newline="", encoding="utf-8") as handle:
                count = export_group(session, ws.id, group, handle)
    err_console.print(f"{count:,} leads exported" + (f" to {out}" if out else ""), highlight=False)


def _person(session: Any, workspace_id: int, lead_id: int | None, email: str | None, linkedin: str | None) -> Any:
    return find_person(session, workspace_id, lead_id=lead_id, email=email, linkedin=linkedin)


@leads.command("export-person")
@friendly_errors
def export_person_command(lead_id: int = typer.Argument(None, help="Lead id (or --email / --linkedin)."),
                          email: str = _EMAIL, linkedin: str = _LINKEDIN,
                          out: Path = typer.Option(None, "--out", help="JSON file to write (default: stdout)."),
                          workspace: str = WORKSPACE_OPTION) -> None:
    """Everything held on one person, as JSON (a data-subject access request)."""
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    with rt.db.sessions() as session:
        data = export_person(session, ws.id, _person(session, ws.id, lead_id, email, linkedin))
    if out is None:
        sys.stdout.write(to_json(data) + "\n")
    else:
        out.write_text(to_json(data) + "\n", encoding="utf-8")
        err_console.print(f"written to {out}", highlight=False)


@leads.command("erase")
@friendly_errors
def erase_command(lead_id: int = typer.Argument(None, help="Lead id (or --email / --linkedin)."),
                  email: str = _EMAIL, linkedin: str = _LINKEDIN,
                  yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
                  workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Erase a person everywhere (a data-subject erasure request). Only hashed suppression entries stay, so
    that no later import or search brings them back. Cannot be undone."""
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    with rt.db.transaction() as session:
        lead = _person(session, ws.id, lead_id, email, linkedin)
        if not yes:
            typer.confirm(f"Erase lead {lead.id} ({lead.full_name or lead.email}) and everything about them?",
                          abort=True, err=True)
        report = erase_person(session, ws.id, lead).as_dict()
    if as_json:
        emit_json(report)
    else:
        deleted = ", ".join(f"{n} {t}" for t, n in report["deleted"].items())
        console.print(f"lead {report['lead_id']} erased: deleted {deleted}; "
                      f"{sum(report['scrubbed'].values())} other rows scrubbed; "
                      f"{report['suppression_entries']} hashed suppression entries added", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(leads, name="leads")
