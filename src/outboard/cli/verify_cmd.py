"""`outboard verify`: the email verifier as a command of its own."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from outboard.cli.output import console, emit_json, err_console, fail, friendly_errors, table
from outboard.core.verdicts import EmailVerdict
from outboard.enrich.config import EnrichConfig, parse_dns_server, verifier_config
from outboard.enrich.verifier import Verification, Verifier, VerifierConfig
from outboard.settings import load_settings

__all__ = ["parse_dns_server", "register"]

_HEADERS = {"email", "e-mail", "address", "email address", "mail"}
_DETAILS_UP_TO = 10
_PROGRESS_FROM = 5  # addresses; fewer finish before a bar would be worth drawing
_COLOURS = {EmailVerdict.VALID: "green", EmailVerdict.INVALID: "red", EmailVerdict.CATCH_ALL: "yellow",
            EmailVerdict.UNKNOWN: "magenta"}


def _read_addresses(emails: list[str], file: Path | None) -> list[str]:
    addresses = list(emails)
    if file is not None:
        try:
            text = Path(file).read_text(encoding="utf-8-sig")
        except OSError as exc:
            fail(f"cannot read --file {file}: {exc.strerror or exc}", code=2)
        for line in text.splitlines():
            # One address per line; a CSV-ish line keeps its first cell; # starts a comment.
            cell = line.split("#", 1)[0].split(",", 1)[0].split(";", 1)[0].strip().strip('"')
            if cell and cell.lower() not in _HEADERS:
                addresses.append(cell)
    return addresses


def _config(dns_server: str | None, smtp_port: int | None, helo: str | None, mail_from: str | None,
            timeout: float | None, allow_test_domains: bool) -> VerifierConfig:
    """The central settings (OUTBOARD_VERIFY_*), with the command's options on top."""
    settings = load_settings()
    options: dict[str, object] = {}
    if dns_server:
        try:
            options["dns_server"], options["dns_port"] = parse_dns_server(dns_server)
        except ValueError:
            fail(f"--dns-server must be an IP address with an optional port (1.2.3.4:53), got {dns_server!r}",
                 code=2)
    if smtp_port is not None:
        options["smtp_port"] = smtp_port
    if helo:
        options["helo_name"] = helo
        if "verify_mail_from" not in settings.model_fields_set:
            options["mail_from"] = None  # verify@<the HELO name given>, not the default's domain
    if mail_from is not None:
        options["mail_from"] = mail_from
    if timeout is not None:
        if timeout <= 0:
            fail("--timeout must be more than 0 seconds", code=2)
        # One budget per address; each step gets a share of it so retries still fit.
        options.update(address_timeout=timeout, command_timeout=min(15.0, timeout / 2),
                       connect_timeout=min(10.0, timeout / 2), dns_timeout=min(5.0, timeout / 2))
    if allow_test_domains:
        options["allow_test_domains"] = True
    return verifier_config(settings, EnrichConfig.from_settings(settings), **options)


async def _run(addresses: list[str], config: VerifierConfig, show_progress: bool) -> list[Verification]:
    results: list[Verification | None] = [None] * len(addresses)
    async with Verifier(config) as verifier:
        if not show_progress:
            async for index, result in verifier.indexed_stream(addresses):
                results[index] = result
        else:
            columns = (TextColumn("verifying"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            with Progress(*columns, console=err_console, transient=True) as progress:
                task = progress.add_task("verify", total=len(addresses))
                async for index, result in verifier.indexed_stream(addresses):
                    results[index] = result
                    progress.advance(task)
    return [r for r in results if r is not None]


def register(app: typer.Typer) -> None:
    @app.command("verify")
    @friendly_errors
    def verify(
        emails: list[str] = typer.Argument(None, metavar="EMAIL", help="Addresses to verify.",
                                           show_default=False),
        file: Path | None = typer.Option(None, "--file", "-f", help="Read addresses from a file, one per "
                                         "line (the first cell of a CSV line)."),
        as_json: bool = typer.Option(False, "--json", help="Print the results as JSON."),
        dns_server: str | None = typer.Option(None, "--dns-server", metavar="HOST:PORT",
                                              help="Ask this DNS server instead of the system resolver "
                                              "(default: OUTBOARD_VERIFY_DNS_SERVER)."),
        smtp_port: int | None = typer.Option(None, "--smtp-port", min=1, max=65535,
                                             help="SMTP port of the MX hosts (default: OUTBOARD_VERIFY_SMTP_PORT, "
                                             "25)."),
        helo: str | None = typer.Option(None, "--helo", help="Host name sent in EHLO/HELO (default: "
                                        "OUTBOARD_VERIFY_HELO)."),
        mail_from: str | None = typer.Option(None, "--mail-from", metavar="ADDR",
                                             help="Sender sent in MAIL FROM (default: OUTBOARD_VERIFY_MAIL_FROM)."),
        timeout: float | None = typer.Option(None, "--timeout", metavar="S",
                                             help="Give up on one address after S seconds (retries included)."),
        allow_test_domains: bool = typer.Option(False, "--allow-test-domains",
                                                help="Accept the reserved .test domains (offline demo, tests)."),
    ) -> None:
        """Check whether email addresses exist: syntax, MX records, and an SMTP RCPT probe (no mail is sent).

        Verdicts: valid, invalid, catch_all (the domain accepts anything), unknown (ask again later).
        The exit code is 0 whatever the verdicts; only a usage error exits non-zero.
        """
        addresses = _read_addresses(emails or [], file)
        if not addresses:
            fail("give at least one EMAIL or --file PATH", code=2)
        config = _config(dns_server, smtp_port, helo, mail_from, timeout, allow_test_domains)
        show_progress = len(addresses) >= _PROGRESS_FROM and err_console.is_terminal
        results = asyncio.run(_run(addresses, config, show_progress))
        if as_json:
            emit_json([r.to_dict() for r in results])
            return
        rows = []
        any_flags = any(r.role or r.free_provider or r.disposable for r in results)
        for r in results:
            colour = _COLOURS[r.verdict]
            code = " ".join(str(x) for x in (r.smtp_code, r.enhanced_status) if x)
            row = [r.address, f"[{colour}]{r.verdict.value}[/]", r.reason.value, code, r.mx_host or ""]
            if any_flags:
                row.append(", ".join(n for n, on in (("role", r.role), ("free", r.free_provider),
                                                     ("disposable", r.disposable)) if on))
            rows.append(row)
        columns = ["address", "verdict", "reason", "smtp", "mx"] + (["flags"] if any_flags else [])
        table(None, columns, rows)
        if len(results) <= _DETAILS_UP_TO:  # a few addresses: say why in words (--json has it for all)
            for r in results:
                console.print(f"[bold]{r.address}[/]: {r.detail}", highlight=False, soft_wrap=True)
