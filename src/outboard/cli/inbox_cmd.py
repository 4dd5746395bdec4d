"""`outboard inbox`: read inbound mail the way the sync does, and show why it was read that way."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from outboard.cli.output import console, emit_json, fail, friendly_errors, table
from outboard.inbox.classify import Classification, classify
from outboard.inbox.parse import parse_message
from outboard.inbox.threading import Matcher


def _no_matcher() -> Matcher | None:
    return None


# The seam to threads and leads: the database layer replaces this with a factory returning a Matcher over
# stored messages; until then `classify` shows no thread or lead.
matcher_factory: Callable[[], Matcher | None] = _no_matcher


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
        for path in files:
            mail = parse_message(_read(path))
            result = classify(mail, matcher=matcher)
            if as_json:
                results.append({"path": str(path), **result.to_dict()})
            else:
                table(str(path), ["field", "value"], _rows(result))
        if as_json:
            emit_json(results)
        elif len(files) > 1:
            console.print(f"{len(files)} messages classified")

    app.add_typer(inbox, name="inbox")
