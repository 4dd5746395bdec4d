"""`outboard inbox`: read inbound mail the way the sync does, and show why it was read that way."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from outboard.cli.context import JSON_OPTION, WORKSPACE_OPTION, cli_runtime, workspace_of
from outboard.cli.output import console, emit_json, fail, friendly_errors, table
from outboard.core.errors import OutboardError
from outboard.db.models import SenderAccount
from outboard.db.scope import Scope
from outboard.inbox.classify import Classification, classify
from outboard.inbox.conversations import ConversationSummary, conversation, list_conversations
from outboard.inbox.labels import Label
from outboard.inbox.mailbox import configure_imap, connect, disconnect, imap_settings
from outboard.inbox.manual import mark_opted_out, relabel, send_reply
from outboard.inbox.matcher import DbMatcher
from outboard.inbox.parse import parse_message
from outboard.inbox.process import reclassify_stored
from outboard.inbox.tasks import sync_all_accounts
from outboard.inbox.threading import Matcher
from outboard.inbox.webhooks_out import EVENTS, add_endpoint, list_endpoints, remove_endpoint
from outboard.settings import load_settings

LABELS = tuple(label.value for label in Label)


def _database_matcher() -> Matcher | None:
    """A matcher over the configured database's sent and stored messages, when there is one to read.

    Never creates a database: with the default SQLite file missing (no `outboard init` here), or the
    database unreachable, or no workspace yet, `classify` runs without thread and lead, as before.
    """
    try:
        settings = load_settings()
        url = make_url(settings.database_url)
        if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
            return None
        rt = cli_runtime()
        workspace = workspace_of(rt, settings.cli_workspace)
    except (OutboardError, ArgumentError, OSError):
        return None
    # The session lives as long as the command: the matcher reads through it for every file.
    return DbMatcher(rt.db.sessions(), workspace.id, secret_key=rt.settings.secret_key)


# The seam to threads and leads (tests may replace it): by default a Matcher over the database.
matcher_factory: Callable[[], Matcher | None] = _database_matcher


def _collect(paths: list[Path]) -> list[Path]:
    """Files to read: each path given, or the .eml files inside a folder, in name order."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        fail(f"no such file or folder: {', '.join(missing)}")
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(path.rglob("*.eml"))
            if not found:
                fail(f"{path} is a folder with no .eml files in it")
            files.extend(found)
        else:
            files.append(path)
    return files


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}")
        raise typer.Exit(1) from exc  # fail() has exited already; this keeps the types honest


def _kind(result: Classification) -> str:
    if result.kind == "bounce":
        return f"bounce ({'delayed' if result.delayed else 'hard' if result.hard else 'soft'})"
    return result.kind.value


def _rows(result: Classification) -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = [
        ("kind", _kind(result)),
        ("label", result.label.value if result.label else "—"),
        ("confidence", f"{result.confidence:.2f}" + ("  (needs review)" if result.needs_review else "")),
        ("from", result.from_address or "—"),
        ("subject", result.subject or "—"),
        ("message id", result.message_id),
    ]
    optional = [
        ("failed recipient", result.failed_recipient), ("status", result.status),
        ("original message", result.original_message_id), ("return date", result.return_date),
        ("unsubscribe token", result.unsubscribe_token), ("referred to", " ".join(
            part for part in (result.referred_name, f"<{result.referred_email}>" if result.referred_email else "")
            if part) or None),
    ]
    rows.extend((name, value) for name, value in optional if value is not None)
    match = result.match
    rows.append(("thread", match.root if match and match.root else "— (no match)"))
    rows.append(("lead", match.lead_id if match and match.lead_id else "—"))
    if result.new_text:
        text = " ".join(result.new_text.split())
        rows.append(("new text", text[:200] + ("…" if len(text) > 200 else "")))
    rows.extend(("reason", reason) for reason in result.reasons)
    rows.extend(("problem", problem) for problem in result.problems)
    return rows


def register(app: typer.Typer) -> None:
    inbox = typer.Typer(help="The inbox: replies, bounces, out-of-office and opt-outs.", no_args_is_help=True)

    @inbox.command("classify")
    @friendly_errors
    def classify_command(
        paths: list[Path] = typer.Argument(..., help=".eml files, or folders of them.", show_default=False),
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    ) -> None:
        """Classify .eml files with the same code the sync runs, and say why."""
        matcher = matcher_factory()
        files = _collect(paths)
        results: list[dict[str, Any]] = []
        try:
            for path in files:
                mail = parse_message(_read(path))
                result = classify(mail, matcher=matcher)
                if as_json:
                    results.append({"path": str(path), **result.to_dict()})
                else:
                    table(str(path), ["field", "value"], _rows(result))
        finally:
            close = getattr(matcher, "close", None)
            if close is not None:  # the database matcher holds a session for the command's life
                close()
        if as_json:
            emit_json(results)
        elif len(files) > 1:
            console.print(f"{len(files)} messages classified")

    _register_conversations(inbox)
    _register_mailboxes(inbox)
    app.add_typer(inbox, name="inbox")


# The unified inbox and the mailboxes: thin commands over outboard.inbox.


def _summary_row(summary: ConversationSummary) -> tuple[object, ...]:
    review = " (check)" if summary.needs_review else ""
    return (summary.lead_id, summary.name, summary.email or "—", ", ".join(summary.channels),
            f"{summary.last_kind}", (summary.label or "—") + review, f"{summary.last_at:%Y-%m-%d %H:%M}",
            summary.stop_reason or summary.stage)


def _register_conversations(inbox: typer.Typer) -> None:
    @inbox.command("list")
    @friendly_errors
    def list_command(label: str = typer.Option(None, "--label", help="Only conversations whose latest reply has "
                                                                      "this label."),
                     review: bool = typer.Option(False, "--review", help="Only those a person should check."),
                     limit: int = typer.Option(100, "--limit"), workspace: str = WORKSPACE_OPTION,
                     as_json: bool = JSON_OPTION) -> None:
        """Conversations across email and LinkedIn, one per lead, the most recent first."""
        if label is not None and label not in (*LABELS, "none"):
            fail(f"unknown label {label!r}; labels: {', '.join(LABELS)}")
        rt = cli_runtime()
        ws = workspace_of(rt, workspace)
        with rt.db.sessions() as session:
            found = list_conversations(session, ws.id, label=None if label == "none" else label,
                                       needs_review=True if review else None, limit=limit)
        if label == "none":
            found = [s for s in found if s.label is None]
        if as_json:
            emit_json([s.as_dict() for s in found])
            return
        table("Inbox", ["Lead", "Name", "Email", "Channels", "Last", "Label", "At", "Stage"],
              [_summary_row(s) for s in found])

    @inbox.command("show")
    @friendly_errors
    def show_command(lead_id: int, workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
        """One lead's conversation: what we sent and what came back, quoted history removed."""
        rt = cli_runtime()
        ws = workspace_of(rt, workspace)
        with rt.db.sessions() as session:
            found = conversation(session, ws.id, lead_id)
        if as_json:
            emit_json(found.as_dict())
            return
        console.print(f"[bold]{found.name}[/] <{found.email or 'no email'}>  stage {found.stage}"
                      + (f", stopped: {found.stop_reason}" if found.stop_reason else ""), highlight=False)
        for enrollment in found.enrollments:
            console.print(f"  sequence {enrollment['sequence']}: {enrollment['state']}"
                          + (f" ({enrollment['waiting_reason']})" if enrollment["waiting_reason"] else ""),
                          highlight=False)
        for entry in found.entries:
            arrow = "→" if entry.direction == "out" else "←"
            when = f"{entry.at:%Y-%m-%d %H:%M}" if entry.at else "—"
            label = f"  [{entry.label}{' ?' if entry.needs_review else ''}]" if entry.label or entry.needs_review \
                else ""
            console.print(f"\n{arrow} {when}  {entry.channel}  {entry.kind}{label}  ({entry.ref})", style="bold",
                          highlight=False)
            if entry.subject:
                console.print(f"  {entry.subject}", highlight=False)
            console.print("  " + entry.text.strip().replace("\n", "\n  "), highlight=False, markup=False)
            if entry.detail:
                console.print(f"  ⇒ {entry.detail}", style="dim", highlight=False)

    @inbox.command("reply")
    @friendly_errors
    def reply_command(lead_id: int, body: str = typer.Option(..., "--body", help="The text of the reply."),
                      channel: str = typer.Option(None, "--channel", help="email or linkedin (default: where "
                                                                           "they last wrote)."),
                      workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
        """Reply by hand, through the same account, in the same thread."""
        rt = cli_runtime()
        ws = workspace_of(rt, workspace)
        sent = send_reply(rt, ws.id, lead_id, body.replace("\\n", "\n"), channel=channel)
        if as_json:
            emit_json(sent)
        else:
            console.print(f"reply sent to {sent.to} by {sent.channel}" + (f": {sent.subject}" if sent.subject else ""),
                          highlight=False)

    @inbox.command("opt-out")
    @friendly_errors
    def opt_out_command(lead_id: int, workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
        """Mark a lead as opted out: suppressed workspace-wide, every sequence stops."""
        rt = cli_runtime()
        ws = workspace_of(rt, workspace)
        with rt.db.transaction() as session:
            mark_opted_out(session, ws.id, lead_id, rt.clock.now(), source="inbox: marked by hand")
        emit_json({"lead_id": lead_id, "opted_out": True}) if as_json else \
            console.print(f"lead {lead_id} opted out: suppressed in every run")

    @inbox.command("relabel")
    @friendly_errors
    def relabel_command(message_id: int = typer.Argument(..., help="Inbound message id (`inbox show` names it "
                                                                     "inbound:<id>)."),
                        label: str = typer.Argument(..., help=f"{', '.join(LABELS)} or none"),
                        workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
        """Correct the label of a reply (kept when the classifier runs again)."""
        rt = cli_runtime()
        ws = workspace_of(rt, workspace)
        with rt.db.transaction() as session:
            row = relabel(session, ws.id, message_id, label, rt.clock.now())
            result = {"id": row.id, "label": row.label, "lead_id": row.lead_id}
        emit_json(result) if as_json else console.print(f"message {message_id} labelled {result['label'] or 'none'}")


def _register_mailboxes(inbox: typer.Typer) -> None:
    @inbox.command("sync")
    @friendly_errors
    def sync_command(account: int = typer.Option(None, "--account", help="Only this account."),
                     workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
        """Read new mail (and LinkedIn messages) now and act on it; the worker does this continuously."""
        rt = cli_runtime()
        ws = workspace_of(rt, workspace)
        results = sync_all_accounts(rt, workspace_id=ws.id, account_id=account)
        if as_json:
            emit_json(results)
            return
        if not results:
            console.print("no account with an IMAP server or a LinkedIn API provider: see docs/inbox.md")
        for result in results:
            if "error" in result:
                console.print(f"account {result['account_id']}: [red]{result['error']}[/]", highlight=False)
            elif "seen" in result:
                console.print(f"account {result['account_id']}: {result['seen']} new, {result['stored']} kept, "
                              f"{result['not_ours']} not ours, {result['processed']} processed"
                              + (" (folder reset: re-read)" if result.get("resynced") else ""), highlight=False)
            else:
                console.print(f"account {result['account_id']}: {result.get('relations', 0)} new relations, "
                              f"{result.get('messages', 0)} messages, {result['processed']} processed",
                              highlight=False)

    @inbox.command("connect")
    @friendly_errors
    def connect_command(account: int = typer.Argument(..., help="Email account id (`outboard accounts list`)."),
                        host: str = typer.Option(..., "--host"), port: int = typer.Option(993, "--port"),
                        security: str = typer.Option("tls", "--security", help="tls, starttls or none"),
                        username: str = typer.Option(None, "--username"),
                        password: str = typer.Option(None, "--password", help="Default: the SMTP password."),
                        folder: str = typer.Option("INBOX", "--folder"),
                        sent_folder: str = typer.Option(None, "--sent-folder"),
                        poll_seconds: int = typer.Option(30, "--poll-seconds"),
                        check: bool = typer.Option(True, "--check/--no-check", help="Log in once to test."),
                        workspace: str = WORKSPACE_OPTION) -> None:
        """Connect the mailbox replies arrive in (IMAP); the password is stored encrypted."""
        rt = cli_runtime()
        ws = workspace_of(rt, workspace)
        with rt.db.transaction() as session:
            row = Scope(session, ws.id).get(SenderAccount, account, "account")
            configure_imap(session, row, rt.secrets, host=host, port=port, security=security, username=username,
                           password=password, folder=folder, sent_folder=sent_folder, poll_seconds=poll_seconds)
            settings = imap_settings(row, rt.secrets)
        if check:
            try:
                client = connect(settings)
                disconnect(client)
            except Exception as exc:
                fail(f"saved, but the login failed: {type(exc).__name__}: {exc}")
        console.print(f"mailbox of account {account} connected ({host}:{port}, {folder})")

    @inbox.command("reclassify")
    @friendly_errors
    def reclassify_command(force: bool = typer.Option(False, "--force", help="Also messages of this version."),
                           workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
        """Classify stored mail again with this version's rules (actions already taken are not repeated)."""
        rt = cli_runtime()
        ws = workspace_of(rt, workspace)
        counts = reclassify_stored(rt, workspace_id=ws.id, force=force)
        emit_json(dict(counts)) if as_json else console.print(
            f"{sum(v for k, v in counts.items() if k != 'changed')} messages classified again, "
            f"{counts.get('changed', 0)} changed class (marked for review)")

    webhooks = typer.Typer(help="Webhook endpoints: reply, bounce and opt-out events for your CRM.",
                           no_args_is_help=True)

    @webhooks.command("add")
    @friendly_errors
    def webhooks_add(url: str, event: list[str] = typer.Option(None, "--event", help=f"{', '.join(EVENTS)} "
                                                                                    "(default: all)"),
                     workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
        """Add an endpoint; its signing secret is shown once."""
        rt = cli_runtime()
        ws = workspace_of(rt, workspace)
        with rt.db.transaction() as session:
            endpoint, secret = add_endpoint(session, ws.id, rt.secrets, url, events=event or None)
            data = {"id": endpoint.id, "url": endpoint.url, "events": endpoint.events, "secret": secret}
        if as_json:
            emit_json(data)
        else:
            console.print(f"endpoint {data['id']} added; signing secret (shown once): {secret}", highlight=False)

    @webhooks.command("list")
    @friendly_errors
    def webhooks_list(workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
        rt = cli_runtime()
        ws = workspace_of(rt, workspace)
        with rt.db.sessions() as session:
            found = list_endpoints(session, ws.id)
        if as_json:
            emit_json(found)
        else:
            table("Webhook endpoints", ["Id", "URL", "Events", "Active", "Pending", "Failed"],
                  [(e.id, e.url, ", ".join(e.events), e.active, e.pending, e.failed) for e in found])

    @webhooks.command("remove")
    @friendly_errors
    def webhooks_remove(endpoint_id: int, workspace: str = WORKSPACE_OPTION) -> None:
        rt = cli_runtime()
        ws = workspace_of(rt, workspace)
        with rt.db.transaction() as session:
            remove_endpoint(session, ws.id, endpoint_id)
        console.print(f"endpoint {endpoint_id} removed")

    inbox.add_typer(webhooks, name="webhooks")
