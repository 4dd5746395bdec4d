"""`outboard messages`: write a sequence's messages, review them (show, edit, approve, reject), regenerate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from outboard.cli.context import JSON_OPTION, WORKSPACE_OPTION, cli_runtime, workspace_of
from outboard.cli.output import console, emit_json, err_console, friendly_errors, table
from outboard.cli.progress import run_job_with_progress
from outboard.core.errors import OutboardError, ValidationError
from outboard.write import review
from outboard.write.tasks import KIND, generation_params, regeneration_params

messages = typer.Typer(help="Messages: write them for a sequence, review, edit, approve.", no_args_is_help=True)
WRITER_OPTION = typer.Option(None, "--writer", help="composer (offline) or llm (OpenAI-compatible endpoint); "
                             "default: llm when OUTBOARD_LLM_BASE_URL is set, else composer.")


def _short(text: str | None, limit: int = 60) -> str:
    text = " ".join((text or "").split())
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")


def _findings_summary(findings: list[dict[str, Any]]) -> str:
    blocking = sum(f.get("severity") == "blocking" for f in findings)
    others = len(findings) - blocking
    parts = ([f"{blocking} blocking"] if blocking else []) + ([f"{others} warning"] if others else [])
    return ", ".join(parts) or "ok"


def _print_report(report: dict[str, Any]) -> None:
    console.print(
        f"{report['leads']} leads: {report['written']} written ({report['created']} new messages, "
        f"{report['updated']} rewritten), {report['unchanged'] + report['kept']} unchanged, "
        f"{report['failed']} failed; {report['credits']} credits; writer {report['writer']}"
        + (f", {report['llm_calls']} LLM calls ({report['cached']} leads from the cache)"
           if report["writer"].startswith("llm") else ""), highlight=False, soft_wrap=True)
    if report["failures"]:
        table("Not written (nothing stored for these leads)", ["Lead", "Problem", "Detail"],
              [(f["lead_id"], f["code"], _short(f["message"], 100)) for f in report["failures"]])
    if report["failing_guardrails"]:
        console.print(f"{report['failing_guardrails']} leads have messages with blocking findings: "
                      "see `outboard messages list --findings`", highlight=False, soft_wrap=True)


def _run(rt: Any, workspace_id: int, params: dict[str, Any], title: str, as_json: bool) -> None:
    job = run_job_with_progress(rt, workspace_id, KIND, params, title, show=not as_json)
    report = job.result
    if as_json:
        emit_json({"job": job.id, **report})
    else:
        _print_report(report)
    if report["failed"]:
        raise typer.Exit(1)


@messages.command("generate")
@friendly_errors
def generate(sequence: int = typer.Option(..., "--sequence", help="Sequence id."),
             leads: int = typer.Option(None, "--leads", help="Only a preview: the first N enrolled leads."),
             lead: list[int] = typer.Option([], "--lead", help="Only this lead (repeat for several)."),
             writer: str = WRITER_OPTION, workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Write every step for the sequence's leads. Safe to run again: current and reviewed messages stay."""
    if leads is not None and lead:
        raise ValidationError("--leads", "use either --leads N or --lead ID, not both")
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    params = generation_params(rt, ws.id, sequence, lead_ids=lead, sample=leads, writer=writer)
    _run(rt, ws.id, params, f"Writing sequence {sequence}", as_json)


@messages.command("regenerate")
@friendly_errors
def regenerate(message_ids: list[int] = typer.Argument(..., help="Message ids."), writer: str = WRITER_OPTION,
               workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Rewrite messages from the lead's current data (the old text is kept as a revision; back to draft)."""
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    params = regeneration_params(rt, ws.id, message_ids, writer=writer)
    _run(rt, ws.id, params, f"Rewriting {len(params['message_ids'])} messages", as_json)


@messages.command("list")
@friendly_errors
def list_messages(sequence: int = typer.Option(..., "--sequence", help="Sequence id."),
                  state: str = typer.Option(None, "--state", help="draft, edited, approved or rejected."),
                  lead: int = typer.Option(None, "--lead", help="Only this lead."),
                  findings: bool = typer.Option(False, "--findings", help="Only messages with blocking findings."),
                  workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Messages by lead and step, with their review state and guardrail findings."""
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    with rt.db.sessions() as session:
        views = review.list_messages(session, ws.id, sequence_id=sequence, review_state=state, lead_id=lead,
                                     has_findings=True if findings else None, blocking_only=True)
    if as_json:
        emit_json([v.as_dict() for v in views])
        return
    table(f"Messages of sequence {sequence}", ["Id", "Lead", "Step", "Channel", "State", "Findings", "Text"],
          [(v.id, _short(v.lead_name, 30), v.position, v.channel, v.review_state, _findings_summary(v.findings),
            _short(v.subject or v.body)) for v in views])


@messages.command("show")
@friendly_errors
def show(message_id: int, workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """The message, the hooks it used beside the facts they came from, its findings and edit history."""
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    with rt.db.sessions() as session:
        detail = review.message_detail(session, ws.id, message_id)
    if as_json:
        emit_json(detail.as_dict())
        return
    m = detail.message
    console.print(f"[bold]Message {m.id}[/] · sequence {m.sequence_id} · {escape(m.lead_name)} (lead {m.lead_id}) · "
                  f"step {m.position} {m.channel} · {m.review_state} · {m.generator} {m.prompt_version}",
                  highlight=False)
    if m.subject:
        console.print(f"[bold]Subject:[/] {escape(m.subject)}", highlight=False)
    console.print(m.body, markup=False, highlight=False)
    if detail.facts:
        table("Hooks and the facts they came from", ["Kind", "Fact path", "Fact used", "Fact now"],
              [(h.get("kind"), h.get("fact_path"), _short(h.get("fact_text"), 70),
                "(unchanged)" if h.get("fact_now") == h.get("fact_text") else _short(h.get("fact_now") or "(gone)"))
               for h in detail.facts])
    if m.findings:
        table("Findings", ["Severity", "Code", "Problem", "Fix"],
              [(f["severity"], f["code"], escape(f["message"]), escape(f.get("fix", ""))) for f in m.findings])
    if detail.revisions:
        table("Earlier versions", ["When", "By", "State", "Text"],
              [(r.created_at.strftime("%Y-%m-%d %H:%M"), f"user {r.user_id}" if r.user_id else "writer / CLI",
                r.review_state, _short(r.subject or r.body)) for r in detail.revisions])


@messages.command("edit")
@friendly_errors
def edit(message_id: int, subject: str = typer.Option(None, "--subject", help="New subject ('' removes it)."),
         body: str = typer.Option(None, "--body", help="New body."),
         body_file: Path = typer.Option(None, "--body-file", help="Read the new body from this file."),
         workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Change a message's copy; the guardrails run on the new text and the old text is kept."""
    if body is not None and body_file is not None:
        raise ValidationError("--body", "use either --body or --body-file")
    if body_file is not None:
        try:
            body = body_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValidationError(str(body_file), f"cannot be read: {exc}") from None
    if subject is None and body is None:
        raise ValidationError("edit", "give --subject, --body or --body-file")
    changes: dict[str, Any] = {"body": body}
    if subject is not None:
        changes["subject"] = subject
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    with rt.db.transaction() as session:
        view = review.edit_message(session, ws.id, message_id, **changes)
    if as_json:
        emit_json(view.as_dict())
        return
    console.print(f"message {view.id} is {view.review_state}; guardrails: {_findings_summary(view.findings)}",
                  highlight=False)
    for finding in view.findings:
        console.print(f"  {finding['severity']}: {escape(finding['message'])} {escape(finding.get('fix', ''))}",
                      highlight=False)


@messages.command("approve")
@friendly_errors
def approve(message_ids: list[int] = typer.Argument(None, help="Message ids."),
            sequence: int = typer.Option(None, "--sequence", help="With --all: every message of this sequence."),
            all_messages: bool = typer.Option(False, "--all", help="Approve all that pass the guardrails."),
            workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Approve messages; one with a blocking finding is refused (bulk approve holds it back and says why)."""
    if sequence is not None and message_ids:
        raise ValidationError("approve", "name message ids or --sequence ID --all, not both")
    if sequence is not None and not all_messages:
        raise ValidationError("--all", "approving a whole sequence needs --all (only messages that pass the "
                              "guardrails are approved)")
    if sequence is None and not message_ids:
        raise ValidationError("approve", "name message ids, or --sequence ID --all")
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    if sequence is not None:
        with rt.db.transaction() as session:
            result = review.bulk_approve(session, ws.id, sequence_id=sequence)
        if as_json:
            emit_json(result.as_dict())
            return
        reasons = ", ".join(f"{code} ×{count}" for code, count in result.reasons.items())
        console.print(f"approved {result.approved}; already approved {result.already_approved}; held back "
                      f"{result.held_back}" + (f" ({reasons})" if reasons else ""), highlight=False, soft_wrap=True)
        if result.held:
            table("Held back", ["Message", "Why"], [(m, escape(why)) for m, why in result.held[:50]])
        return
    approved, refused = [], []
    for message_id in dict.fromkeys(message_ids):
        try:
            with rt.db.transaction() as session:
                approved.append(review.approve_message(session, ws.id, message_id).id)
        except OutboardError as exc:
            refused.append({"id": message_id, "error": str(exc)})
    if as_json:
        emit_json({"approved": approved, "refused": refused})
    else:
        if approved:
            console.print(f"approved {', '.join(map(str, approved))}", highlight=False)
        for problem in refused:
            err_console.print(f"[bold red]error:[/] {escape(problem['error'])}", highlight=False, soft_wrap=True)
    if refused:
        raise typer.Exit(1)


@messages.command("reject")
@friendly_errors
def reject(message_id: int, reason: str = typer.Option("", "--reason", help="Why, for the timeline."),
           workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Reject a message: it blocks launch until edited and approved, or regenerated."""
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    with rt.db.transaction() as session:
        view = review.reject_message(session, ws.id, message_id, reason=reason)
    emit_json(view.as_dict()) if as_json else console.print(f"message {view.id} is {view.review_state}")


def register(app: typer.Typer) -> None:
    app.add_typer(messages, name="messages")
