"""`outboard verify` against the loopback servers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from outboard.cli import app
from outboard.cli.verify_cmd import parse_dns_server

from .conftest import World

runner = CliRunner()


def _args(world: World) -> list[str]:
    return ["verify", "--dns-server", f"127.0.0.1:{world.dns.port}", "--smtp-port", str(world.mx.port),
            "--helo", "verifier.test", "--timeout", "2", "--allow-test-domains"]


def test_json_output(world: World) -> None:
    result = runner.invoke(app, [*_args(world), "jane@acme.test", "nobody@acme.test", "x@catchall.test",
                                 "not-an-address", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [(d["address"], d["verdict"]) for d in data] == [
        ("jane@acme.test", "valid"), ("nobody@acme.test", "invalid"), ("x@catchall.test", "catch_all"),
        ("not-an-address", "invalid")]
    assert data[1]["enhanced_status"] == "5.1.1" and data[0]["mx_host"] == "mx.acme.test"


def test_file_input_and_table(world: World, tmp_path: Path) -> None:
    listing = tmp_path / "leads.csv"
    listing.write_text("email,name\njane@acme.test,Jane\n# a comment\n\nnobody@acme.test,Nobody\n",
                       encoding="utf-8")
    result = runner.invoke(app, [*_args(world), "--file", str(listing)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.stdout and "mailbox_not_found" in result.stdout
    assert "jane@acme.test: the mail server accepts this mailbox" in result.stdout
    assert "email:" not in result.stdout  # the CSV header line is not an address


def test_environment_provides_defaults(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTBOARD_VERIFY_DNS_SERVER", f"127.0.0.1:{world.dns.port}")
    monkeypatch.setenv("OUTBOARD_VERIFY_SMTP_PORT", str(world.mx.port))
    monkeypatch.setenv("OUTBOARD_VERIFY_HELO", "env-helo.test")
    monkeypatch.setenv("OUTBOARD_VERIFY_MAIL_FROM", "env@verifier.test")
    result = runner.invoke(app, ["verify", "--allow-test-domains", "--json", "--timeout", "2", "jane@acme.test"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["verdict"] == "valid"
    assert world.mx.rcpts_for("acme.test")[0].mail_from == "env@verifier.test"


@pytest.mark.parametrize("args", [
    ["verify"],
    ["verify", "--dns-server", "dns.google", "a@b.com"],
    ["verify", "--dns-server", "127.0.0.1:99999", "a@b.com"],
    ["verify", "--file", "/nonexistent/list.txt"],
    ["verify", "--timeout", "0", "a@b.com"],
])
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "error" in result.output.lower() or "usage" in result.output.lower()


def test_verdicts_never_change_the_exit_code(world: World) -> None:
    result = runner.invoke(app, [*_args(world), "--json", "a@nothere.test", "bad@@x"])
    assert result.exit_code == 0


def test_dns_server_parsing() -> None:
    assert parse_dns_server("10.0.0.1") == ("10.0.0.1", 53)
    assert parse_dns_server("127.0.0.1:5353") == ("127.0.0.1", 5353)
    assert parse_dns_server("[::1]:5353") == ("::1", 5353)
    assert parse_dns_server("::1") == ("::1", 53)
    with pytest.raises(ValueError):
        parse_dns_server("resolver.local:53")


def test_installed_command_runs(world: World) -> None:
    command = Path(sys.executable).with_name("outboard")  # the console script of this environment
    completed = subprocess.run([str(command), *_args(world), "--json", "jane@acme.test"],
                               capture_output=True, text=True, timeout=30, check=False)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)[0]["verdict"] == "valid"
