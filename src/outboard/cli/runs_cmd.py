"""`outboard runs`, `sequences`, `launch`, `accounts`, `strategies`, `tasks`: the send stage."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import typer
from sqlalchemy import func, select

from outboard.api.services.accounts import dns_checker
from outboard.api.services.sequences import SequenceRequest, new_sequence
from outboard.cli.context import JSON_OPTION, WORKSPACE_OPTION, cli_runtime, workspace_of
from outboard.cli.output import console, emit_json, friendly_errors, table
from outboard.core.errors import ValidationError
from outboard.db.models import Enrollment, Message, Run, SenderAccount, Sequence, StrategyProfileRow
from outboard.db.scope import Scope
from outboard.send import accounts as account_service
from outboard.send import campaigns
from outboard.send.in_doubt import decide, sends_in_doubt
from outboard.send.launch import OVERRIDABLE, LaunchBlocked, launch, readiness
from outboard.send.linkedin_tasks import mark_task, open_tasks
from outboard.write.strategy_store import save_strategy

runs = typer.Typer(help="Runs: campaigns made from a play.", no_args_is_help=True)
sequences = typer.Typer(help="Sequences inside a run: steps, leads, readiness.", no_args_is_help=True)
accounts = typer.Typer(help="Sender accounts: email mailboxes and LinkedIn accounts.", no_args_is_help=True)
strategies = typer.Typer(help="Strategy profiles: sender, offer, proof, tone, call to action.",
                         no_args_is_help=True)
tasks = typer.Typer(help="Manual LinkedIn tasks: do them, then say so.", no_args_is_help=True)
DNS_OPTION = typer.Option(False, "--dns-check",
                          help="Look up SPF, DKIM and DMARC of the sender domains (OUTBOARD_VERIFY_DNS_SERVER).")


def _load_file(path: Path) -> Any:
    try:
        text = path.read_text()
    except OSError as exc:
        raise ValidationError(str(path), f"cannot be read: {exc.strerror}") from None
    try:
        return tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(str(path), f"is not valid {'TOML' if path.suffix == '.toml' else 'JSON'}: {exc}") \
            from None


def _run_row(run: Run) -> dict[str, Any]:
    return {"id": run.id, "name": run.name, "play": run.play_key, "state": run.state,
            "created_at": run.created_at}


@runs.command("create")
@friendly_errors
def runs_create(name: str, play: str = typer.Option(..., "--play", help="Play id (`outboard plays list`)."),
                workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Create a Draft run from a play."""
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    with rt.db.transaction() as session:
        row = _run_row(campaigns.create_run(session, ws.id, name, play))
    emit_json(row) if as_json else console.print(f"run {row['id']} created from play {play} (draft)")


@runs.command("list")
@friendly_errors
def runs_list(workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    with rt.db.sessions() as session:
        rows = [_run_row(r) for r in session.scalars(Scope(session, ws.id).select(Run).order_by(Run.id))]
    if as_json:
        emit_json(rows)
    else:
        table("Runs", ["Id", "Name", "Play", "State"], [(r["id"], r["name"], r["play"], r["state"]) for r in rows])


def _run_action(run_id: int, workspace: str | None, action: str) -> None:
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    with rt.db.transaction() as session:
        run = Scope(session, ws.id).get(Run, run_id, "run")
        getattr(campaigns, f"{action}_run")(session, run)
        state = run.state
    console.print(f"run {run_id} is {state}")


@runs.command("pause")
@friendly_errors
def runs_pause(run_id: int, workspace: str = WORKSPACE_OPTION) -> None:
    """Pause a run: none of its sequences sends until it is resumed."""
    _run_action(run_id, workspace, "pause")


@runs.command("resume")
@friendly_errors
def runs_resume(run_id: int, workspace: str = WORKSPACE_OPTION) -> None:
    _run_action(run_id, workspace, "resume")


@runs.command("replace-play")
@friendly_errors
def runs_replace_play(run_id: int, play: str = typer.Option(..., "--play"), workspace: str = WORKSPACE_OPTION) -> None:
    """Replace a Draft run's play (resets the steps that came from the old one)."""
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    with rt.db.transaction() as session:
        campaigns.replace_play(session, Scope(session, ws.id).get(Run, run_id, "run"), play)
    console.print(f"run {run_id} now uses play {play}")


def _sequence_summary(session: Any, sequence: Sequence) -> dict[str, Any]:
    steps = campaigns.sequence_steps(session, sequence.id)
    at_step = dict(session.execute(select(Enrollment.next_position, func.count()).where(
        Enrollment.sequence_id == sequence.id, Enrollment.state.in_(("active", "waiting")))
        .group_by(Enrollment.next_position)).all())
    states = dict(session.execute(select(Enrollment.state, func.count()).where(
        Enrollment.sequence_id == sequence.id).group_by(Enrollment.state)).all())
    sent = dict(session.execute(select(Message.step_id, func.count()).join(
        Enrollment, Enrollment.id == Message.enrollment_id).where(
        Enrollment.sequence_id == sequence.id, Message.send_state == "sent").group_by(Message.step_id)).all())
    day = 0
    rows = []
    for step in steps:
        day += step.delay_days
        rows.append({"position": step.position, "channel": step.channel, "delay_days": step.delay_days, "day": day,
                     "condition": step.condition, "intent": step.intent, "leads_waiting": at_step.get(step.position, 0),
                     "sent": sent.get(step.id, 0)})
    return {"id": sequence.id, "run": sequence.run_id, "name": sequence.name, "state": sequence.state,
            "stop_on_reply": sequence.stop_on_reply, "stop_colleagues_on_reply": sequence.stop_colleagues_on_reply,
            "allow_risky_emails": sequence.allow_risky_emails, "schedule": sequence.schedule or {},
            "enrollments": states, "steps": rows}


# Service field → the option a person typed, so a refusal names what to fix.
_SCHEDULE_OPTION = {"schedule.days": "--days", "schedule.start": "--from", "schedule.end": "--until",
                    "schedule.window": "--from/--until", "schedule.extra_holidays": "--holiday",
                    "schedule.holiday_regions": "--holiday-region"}


def _named_option(exc: ValidationError, options: dict[str, str]) -> ValidationError:
    option = options.get(exc.field)
    return ValidationError(option, exc.reason, value=exc.value) if option else exc


@sequences.command("create")
@friendly_errors
def sequences_create(
    run: int = typer.Option(..., "--run"), name: str = typer.Option("Main", "--name"),
    strategy: int = typer.Option(..., "--strategy", help="Strategy profile id."),
    group: list[int] = typer.Option(..., "--group", help="Source group id (repeat for several)."),
    account: list[int] = typer.Option([], "--account", help="Sender account id (repeat)."),
    steps_file: Path = typer.Option(None, "--steps", help="JSON/TOML list of steps (default: the play's)."),
    days: str = typer.Option(None, "--days", help="Sending days, such as mon,tue,wed,thu,fri (the default)."),
    start: str = typer.Option(None, "--from", help="Start of the daily window, local time (default 09:00)."),
    end: str = typer.Option(None, "--until", help="End of the daily window, local time (default 17:00)."),
    holiday: list[str] = typer.Option([], "--holiday", help="A company day off, YYYY-MM-DD (repeat)."),
    holiday_region: list[str] = typer.Option([], "--holiday-region",
                                             help="Public holidays of a region: DE, US, DE-BY, US-NY (repeat)."),
    stop_on_reply: bool = typer.Option(None, "--stop-on-reply/--no-stop-on-reply",
                                       help="A reply ends the lead's automation (default: as the play says)."),
    stop_colleagues: bool = typer.Option(False, "--stop-colleagues-on-reply",
                                         help="A reply also stops the lead's colleagues (same company) here."),
    allow_risky: bool = typer.Option(False, "--allow-risky-emails",
                                     help="Email steps also go to catch_all addresses (default: valid only)."),
    workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION,
) -> None:
    """Create a Draft sequence and enroll the leads of its source groups (eligible ones: some leads enriched)."""
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    schedule = {"days": days, "start": start, "end": end, "holidays": holiday_region, "extra_holidays": holiday}
    wanted = SequenceRequest(run, name, strategy, group, account, _steps_from(steps_file) if steps_file else None,
                             {k: v for k, v in schedule.items() if v is not None}, stop_on_reply,
                             stop_colleagues, allow_risky)
    try:
        with rt.db.transaction() as session:
            sequence, enrolled = new_sequence(session, ws.id, wanted)
            summary = _sequence_summary(session, sequence)
    except ValidationError as exc:
        raise _named_option(exc, _SCHEDULE_OPTION) from None
    if as_json:
        emit_json(summary)
    else:
        console.print(f"sequence {summary['id']} created with {len(summary['steps'])} steps; {enrolled} leads enrolled")


def _steps_from(path: Path) -> list[campaigns.StepInput]:
    data = _load_file(path)
    items = data.get("steps") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ValidationError("steps", "the file must hold a list of steps (or a `steps` list)")
    result = []
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise ValidationError(f"steps[{position}]", "must be a table with channel and delay_days")
        unknown = set(item) - {"channel", "delay_days", "condition", "intent", "purpose"}
        if unknown:
            raise ValidationError(f"steps[{position}].{sorted(unknown)[0]}", "unknown step field")
        if "channel" not in item or "delay_days" not in item:
            raise ValidationError(f"steps[{position}]", "needs channel and delay_days")
        result.append(campaigns.StepInput(**item))
    return result


@sequences.command("steps")
@friendly_errors
def sequences_steps(sequence_id: int, steps_file: Path = typer.Option(..., "--set"),
                    workspace: str = WORKSPACE_OPTION) -> None:
    """Replace the steps of a Draft sequence from a JSON/TOML file."""
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    steps = _steps_from(steps_file)
    with rt.db.transaction() as session:
        campaigns.set_steps(session, Scope(session, ws.id).get(Sequence, sequence_id, "sequence"), steps)
    console.print(f"sequence {sequence_id}: {len(steps)} steps")


@sequences.command("show")
@friendly_errors
def sequences_show(sequence_id: int, workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Steps with their cumulative day, leads waiting at each step, what was sent."""
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    with rt.db.sessions() as session:
        summary = _sequence_summary(session, Scope(session, ws.id).get(Sequence, sequence_id, "sequence"))
    if as_json:
        emit_json(summary)
        return
    console.print(f"[bold]{summary['name']}[/] ({summary['state']}) enrollments: {summary['enrollments']}")
    table(None, ["Step", "Day", "Channel", "Condition", "Waiting", "Sent"],
          [(s["position"], s["day"], s["channel"], s["condition"], s["leads_waiting"], s["sent"])
           for s in summary["steps"]])


@sequences.command("readiness")
@friendly_errors
def sequences_readiness(sequence_id: int, dns_check: bool = DNS_OPTION, workspace: str = WORKSPACE_OPTION,
                        as_json: bool = JSON_OPTION) -> None:
    """What must be fixed before launch, each finding with its code (for `launch --override`) and fix."""
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    with rt.db.sessions() as session:
        findings = readiness(session, Scope(session, ws.id).get(Sequence, sequence_id, "sequence"), rt.clock.now(),
                             dns_checker(rt) if dns_check else None, rt.settings.public_url)
    if as_json:
        emit_json(findings)
    else:
        table("Readiness", ["Severity", "Code", "Finding", "Fix"],
              [(f.severity + (", overridable" if f.code in OVERRIDABLE else ""), f.code, f.message, f.fix)
               for f in findings])


@sequences.command("in-doubt")
@friendly_errors
def sequences_in_doubt(sequence_id: int = typer.Argument(None, help="Only this sequence (default: all)."),
                       workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Sends in doubt: the outcome is unknown and the Sent folder did not show them. Decide each one."""
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    with rt.db.sessions() as session:
        if sequence_id is not None:
            Scope(session, ws.id).get(Sequence, sequence_id, "sequence")
        rows = [{"message": m.id, "sequence": e.sequence_id, "lead": lead.id, "to": lead.email or lead.linkedin_id,
                 "channel": m.channel, "subject": m.subject, "sending_at": m.sending_at, "reason": m.last_error}
                for m, e, lead in sends_in_doubt(session, ws.id, sequence_id)]
    if as_json:
        emit_json(rows)
        return
    table("Sends in doubt: `outboard sequences decide MESSAGE sent|not_sent`",
          ["Message", "Sequence", "To", "Channel", "Sent at", "Why"],
          [(r["message"], r["sequence"], r["to"], r["channel"], r["sending_at"], r["reason"]) for r in rows])


@sequences.command("decide")
@friendly_errors
def sequences_decide(message_id: int, decision: str = typer.Argument(
        ..., help="sent: it went out (look in the mailbox's Sent folder); not_sent: it may be sent again."),
        workspace: str = WORKSPACE_OPTION) -> None:
    """Decide a send in doubt by hand: it was sent, or it was not (then it may go out again)."""
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    with rt.db.transaction() as session:
        state = decide(session, ws.id, message_id, decision.replace("-", "_"), rt.clock.now(), by="cli").send_state
    console.print(f"message {message_id}: {state}" + (" (it goes out again at the next tick, if every rule "
                                                      "still allows it)" if state == "scheduled" else ""))


def _sequence_action(sequence_id: int, workspace: str | None, action: str) -> None:
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    with rt.db.transaction() as session:
        sequence = Scope(session, ws.id).get(Sequence, sequence_id, "sequence")
        getattr(campaigns, f"{action}_sequence")(session, sequence)
        state = sequence.state
    console.print(f"sequence {sequence_id} is {state}")


@sequences.command("pause")
@friendly_errors
def sequences_pause(sequence_id: int, workspace: str = WORKSPACE_OPTION) -> None:
    _sequence_action(sequence_id, workspace, "pause")


@sequences.command("resume")
@friendly_errors
def sequences_resume(sequence_id: int, workspace: str = WORKSPACE_OPTION) -> None:
    _sequence_action(sequence_id, workspace, "resume")


def launch_command(sequence_id: int, override: list[str] = typer.Option([], "--override",
                   help="Accept an overridable finding by its code."), dns_check: bool = DNS_OPTION,
                   workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Launch a sequence. Refused while a blocking readiness finding remains; says which."""
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    try:
        with rt.db.transaction() as session:
            result = launch(session, ws.id, sequence_id, rt.clock.now(), overrides=frozenset(override),
                            dns_check=dns_checker(rt) if dns_check else None, public_url=rt.settings.public_url)
    except LaunchBlocked as blocked:
        if as_json:
            emit_json({"launched": False, "blocking": blocked.findings})
            raise typer.Exit(1) from None
        table("Launch refused: fix these first", ["Finding", "Fix"],
              [(f"{f.code}: {f.message}", f.fix) for f in blocked.findings])
        raise typer.Exit(1) from None
    if as_json:
        emit_json({"launched": True, "sequence": result.sequence_id, "enrolled": result.enrolled,
                   "findings": result.findings})
    else:
        console.print(f"sequence {sequence_id} launched: {result.enrolled} leads")


@accounts.command("add-email")
@friendly_errors
def accounts_add_email(
    address: str, from_name: str = typer.Option(..., "--from-name"), smtp_host: str = typer.Option(..., "--smtp-host"),
    smtp_port: int = typer.Option(587, "--smtp-port"), smtp_security: str = typer.Option("starttls"),
    username: str = typer.Option(None, "--username"),
    password: str = typer.Option(..., "--password", prompt=True, hide_input=True,
                                 help="SMTP (and IMAP) password; asked for when not given."),
    imap_host: str = typer.Option(None, "--imap-host"), imap_port: int = typer.Option(993, "--imap-port"),
    imap_security: str = typer.Option("tls"), timezone: str = typer.Option("UTC"),
    daily_cap: int = typer.Option(30, "--daily-cap"), workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION,
) -> None:
    """Connect a mailbox (the password is stored encrypted and never shown again)."""
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    with rt.db.transaction() as session:
        account = account_service.add_email_account(
            session, ws.id, rt.secrets, name=from_name, address=address, from_name=from_name, smtp_host=smtp_host,
            smtp_port=smtp_port, smtp_security=smtp_security, smtp_username=username, smtp_password=password,
            imap_host=imap_host, imap_port=imap_port, imap_security=imap_security, imap_password=password,
            timezone=timezone, limits={"daily_cap": daily_cap})
        account_id = account.id
    emit_json({"id": account_id}) if as_json else console.print(f"email account {account_id} added")


@accounts.command("add-linkedin")
@friendly_errors
def accounts_add_linkedin(profile_id: str, name: str = typer.Option(..., "--name"),
                          provider: str = typer.Option("manual", help="manual (tasks) or api"),
                          api_base_url: str = typer.Option(None), api_key: str = typer.Option(None, hide_input=True),
                          account_ref: str = typer.Option(None), timezone: str = typer.Option("UTC"),
                          workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Connect a LinkedIn account: manual tasks by default, or a Unipile-style API provider."""
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    with rt.db.transaction() as session:
        account = account_service.add_linkedin_account(
            session, ws.id, rt.secrets, name=name, profile_id=profile_id, provider=provider,
            api_base_url=api_base_url, api_key=api_key, account_ref=account_ref, timezone=timezone)
        account_id = account.id
    emit_json({"id": account_id}) if as_json else console.print(f"LinkedIn account {account_id} added")


@accounts.command("list")
@friendly_errors
def accounts_list(workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    with rt.db.sessions() as session:
        rows = [{"id": a.id, "kind": a.kind, "address": a.address, "status": a.status, "reason": a.status_reason,
                 "limits": a.limits} for a in session.scalars(Scope(session, ws.id).select(SenderAccount))]
    if as_json:
        emit_json(rows)
    else:
        table("Sender accounts", ["Id", "Kind", "Address", "Status"],
              [(r["id"], r["kind"], r["address"], r["status"] + (f" ({r['reason']})" if r["reason"] else ""))
               for r in rows])


_LIMIT_OPTION = {"daily_cap": "--daily-cap", "ramp_up": "--ramp-up/--no-ramp-up", "ramp_start": "--ramp-start",
                 "ramp_per_day": "--ramp-per-day", "min_gap_seconds": "--min-gap",
                 "gap_jitter_seconds": "--gap-jitter", "daily_invites": "--daily-invites",
                 "weekly_invites": "--weekly-invites", "daily_messages": "--daily-messages",
                 "pending_invites": "--pending-invites", "invite_withdraw_days": "--withdraw-days",
                 "note_limit": "--note-limit"}


@accounts.command("set-limits")
@friendly_errors
def accounts_set_limits(
    account_id: int,
    daily_cap: int = typer.Option(None, "--daily-cap", help="Email: emails per local day."),
    ramp_up: bool = typer.Option(None, "--ramp-up/--no-ramp-up", help="Email: warm up from the first send."),
    ramp_start: int = typer.Option(None, "--ramp-start", help="Email: allowed on the first day of sending."),
    ramp_per_day: int = typer.Option(None, "--ramp-per-day", help="Email: added per day, up to the daily cap."),
    min_gap_seconds: int = typer.Option(None, "--min-gap", help="Seconds between two sends at least."),
    gap_jitter_seconds: int = typer.Option(None, "--gap-jitter", help="Random seconds added to each gap, up to."),
    daily_invites: int = typer.Option(None, "--daily-invites", help="LinkedIn: invites per local day."),
    weekly_invites: int = typer.Option(None, "--weekly-invites", help="LinkedIn: invites in any 7 days."),
    daily_messages: int = typer.Option(None, "--daily-messages", help="LinkedIn: messages per local day."),
    pending_invites: int = typer.Option(None, "--pending-invites", help="LinkedIn: unaccepted invites at most."),
    invite_withdraw_days: int = typer.Option(None, "--withdraw-days",
                                             help="LinkedIn: days a message step waits for acceptance."),
    note_limit: int = typer.Option(None, "--note-limit", help="LinkedIn: invite note length, 300 or 200."),
    timezone: str = typer.Option(None, "--timezone", help="IANA name: the account's day for caps."),
    workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION,
) -> None:
    """Change an account's limits; those not given keep their value. Checked as when the account was added."""
    given = {k: v for k, v in locals().items() if k in _LIMIT_OPTION and v is not None}
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    with rt.db.transaction() as session:
        account = Scope(session, ws.id).get(SenderAccount, account_id, "sender account")
        try:
            changed = account_service.set_limits(session, account, given, timezone=timezone, by="cli")
        except ValidationError as exc:  # name the option the person typed, not the stored key
            option = _LIMIT_OPTION.get(exc.field.removeprefix("limits."))
            raise ValidationError(option, exc.reason, value=exc.value) if option else exc from None
        limits = dict(account.limits)
    if as_json:
        emit_json({"id": account_id, "changed": changed, "limits": limits})
    else:
        console.print(f"account {account_id}: " + (", ".join(f"{k} {c['from']} → {c['to']}" for k, c in changed.items())
                                                 or "nothing changed"))


@accounts.command("set-dkim")
@friendly_errors
def accounts_set_dkim(
    account_id: int, selector: str = typer.Option(..., "--selector", help="The DKIM selector, such as s1."),
    key_file: Path = typer.Option(..., "--key-file", help="The RSA private key, PEM, unencrypted."),
    domain: str = typer.Option(None, "--domain", help="Signing domain (default: the From address's domain)."),
    workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION,
) -> None:
    """Have Outboard DKIM-sign this mailbox's emails (the key is stored encrypted and never shown again)."""
    try:
        pem = key_file.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError("--key-file", f"cannot be read as a PEM file: {exc}") from None
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    with rt.db.transaction() as session:
        account = Scope(session, ws.id).get(SenderAccount, account_id, "sender account")
        try:
            account_service.set_dkim(session, account, rt.secrets, selector=selector, private_key_pem=pem,
                                     domain=domain, by="cli")
        except ValidationError as exc:  # name the option the person typed
            option = {"key": "--key-file", "selector": "--selector", "domain": "--domain"}.get(exc.field)
            raise ValidationError(option, exc.reason, value=exc.value) if option else exc from None
        selector, signing_domain = account.connection["dkim_selector"], account.connection["dkim_domain"]
    if as_json:
        emit_json({"id": account_id, "selector": selector, "domain": signing_domain})
    else:
        console.print(f"account {account_id}: emails are DKIM-signed as {selector}._domainkey.{signing_domain}")


@accounts.command("pause")
@friendly_errors
def accounts_pause(account_id: int, reason: str = typer.Option("paused by an admin", "--reason"),
                   workspace: str = WORKSPACE_OPTION) -> None:
    """Stop an account from sending; its steps wait (or are skipped) until it is resumed."""
    _account_action(account_id, workspace, lambda session, account: account_service.pause_account(
        session, account, reason.strip()[:300] or "paused by an admin"))


@accounts.command("resume")
@friendly_errors
def accounts_resume(account_id: int, workspace: str = WORKSPACE_OPTION) -> None:
    _account_action(account_id, workspace, account_service.resume_account)


def _account_action(account_id: int, workspace: str | None, action: Any) -> None:
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    with rt.db.transaction() as session:
        account = Scope(session, ws.id).get(SenderAccount, account_id, "sender account")
        action(session, account)
        status = account.status
    console.print(f"account {account_id} is {status}")


@strategies.command("add")
@friendly_errors
def strategies_add(path: Path, workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Save a strategy profile from a TOML or JSON file."""
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    data = _load_file(path)
    with rt.db.transaction() as session:
        row_id = save_strategy(session, ws.id, data).id
    emit_json({"id": row_id}) if as_json else console.print(f"strategy profile {row_id} saved")


@strategies.command("list")
@friendly_errors
def strategies_list(workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    with rt.db.sessions() as session:
        rows = [{"id": r.id, "name": r.name, **r.data}
                for r in session.scalars(Scope(session, ws.id).select(StrategyProfileRow))]
    emit_json(rows) if as_json else table("Strategy profiles", ["Id", "Name", "Offer"],
                                          [(r["id"], r["name"], r.get("offer", "")) for r in rows])


@tasks.command("list")
@friendly_errors
def tasks_list(workspace: str = WORKSPACE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Due LinkedIn actions: open the profile, paste the text, then mark the task."""
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    with rt.db.sessions() as session:
        rows = [{"id": t.id, "kind": t.kind, "state": t.state, "profile": t.profile_url, "text": t.text}
                for t in open_tasks(session, ws.id)]
    emit_json(rows) if as_json else table("LinkedIn tasks", ["Id", "Kind", "State", "Profile", "Text"],
                                          [(r["id"], r["kind"], r["state"], r["profile"], r["text"]) for r in rows])


@tasks.command("mark")
@friendly_errors
def tasks_mark(task_id: int, action: str = typer.Argument(..., help="done, accepted or replied"),
               workspace: str = WORKSPACE_OPTION) -> None:
    rt = cli_runtime()
    ws = workspace_of(rt, workspace)
    with rt.db.transaction() as session:
        task = mark_task(session, ws.id, task_id, action, rt.clock.now())
        state = task.state
    console.print(f"task {task_id}: {state}")


def register(app: typer.Typer) -> None:
    app.add_typer(runs, name="runs")
    app.add_typer(sequences, name="sequences")
    app.command("launch")(friendly_errors(launch_command))
    app.add_typer(accounts, name="accounts")
    app.add_typer(strategies, name="strategies")
    app.add_typer(tasks, name="tasks")
