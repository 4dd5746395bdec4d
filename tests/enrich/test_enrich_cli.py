"""`outboard enrich profiles | emails | status` against the local servers, on both databases."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from outboard.cli import app
from outboard.devservers.enrichment_api import EnrichmentApiServer
from outboard.runtime import Runtime
from outboard.settings import Settings

from .enrich_setup import KEY, MailWorld, add_lead, person, unique_id

pytest_plugins = ["tests.enrich.enrich_fixtures"]  # its fixtures: apis, mail

Apis = tuple[EnrichmentApiServer, EnrichmentApiServer]
runner = CliRunner()


@pytest.fixture
def settings(settings: Settings, mail_servers: MailWorld) -> Settings:
    return settings.model_copy(update={
        "verify_dns_server": f"127.0.0.1:{mail_servers.dns.port}", "verify_smtp_port": mail_servers.mx.port,
        "verify_helo": "verifier.test", "verify_mail_from": "check@verifier.test", "verify_timeout": 0.5})


@pytest.fixture
def world(rt: Runtime, workspace_id: int, apis: Apis, mail: MailWorld, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Three leads in group "Fintech": two the profile API knows (one at a catch-all domain), one nobody knows."""
    alpha, _ = apis
    monkeypatch.setenv("OUTBOARD_ENRICH_PROVIDERS", "http_profile")
    monkeypatch.setenv("OUTBOARD_ENRICH_FINDERS", "pattern")
    monkeypatch.setenv("OUTBOARD_ENRICH_PROFILE_API_URL", alpha.base_url)
    monkeypatch.setenv("OUTBOARD_ENRICH_PROFILE_API_KEY", KEY)
    monkeypatch.setenv("OUTBOARD_VERIFY_ALLOW_TEST_DOMAINS", "1")
    uid = unique_id()
    ids = []
    for first, last, domain in (("Ann", "Lee", "team1.test"), ("Eve", "Stone", "catchall2.test")):
        alpha.add_person(person(first, last, domain=domain, company="Pay Co", title="CFO",
                                linkedin=f"{first}-{uid}".lower()))
        ids.append(add_lead(rt.db, workspace_id, f"{first} {last}", company="Pay Co", domain=domain, group="Fintech",
                            linkedin_id=f"{first}-{uid}".lower()))
    ids.append(add_lead(rt.db, workspace_id, "Nobody Known", company="Ghost", domain=f"{uid}.test", group="Fintech"))
    return ids


def test_profiles_emails_and_status_as_json(world: list[int]) -> None:
    result = runner.invoke(app, ["enrich", "profiles", "--group", "Fintech", "--play", "cold-linkedin-first",
                                 "--json"])
    assert result.exit_code == 0, result.output
    profiles = json.loads(result.stdout)
    assert (profiles["complete"], profiles["empty"], profiles["leads"]) == (2, 1, 3)
    result = runner.invoke(app, ["enrich", "emails", "--group", "Fintech", "--json"])
    assert result.exit_code == 0, result.output
    emails = json.loads(result.stdout)
    assert (emails["found"], emails["catch_all"], emails["linkedin_only"]) == (1, 1, 2)
    result = runner.invoke(app, ["enrich", "status", "--group", "Fintech", "--json"])
    assert result.exit_code == 0, result.output
    status = json.loads(result.stdout)
    assert status["leads"] == 3 and status["linkedin_only"] == 2
    assert status["stages"]["email_enriched"] == 1 and status["stages"]["profile_enriched"] == 1
    assert status["stages"]["discovered"] == 1
    assert status["verdicts"]["valid"] == 1 and status["verdicts"]["catch_all"] == 1
    assert status["profile_outcomes"] == {"complete": 2, "empty": 1}


def test_people_readable_output_and_single_leads(world: list[int]) -> None:
    result = runner.invoke(app, ["enrich", "profiles", "--lead", str(world[0]), "--lead", str(world[2])])
    assert result.exit_code == 0, result.output
    assert "2 leads: 1 profile enriched" in result.stdout and "waterfall: http_profile" in result.stdout
    result = runner.invoke(app, ["enrich", "emails", "--lead", str(world[0])])
    assert result.exit_code == 0, result.output
    assert "1 with a valid email (1 found" in result.stdout
    result = runner.invoke(app, ["enrich", "status", "--group", "Fintech"])
    assert result.exit_code == 0, result.output
    assert "Email enriched" in result.stdout and "catch_all" in result.stdout


def test_mistakes_are_one_clear_line(world: list[int]) -> None:
    for args, message in [
        (["enrich", "profiles"], "name either a source group"),
        (["enrich", "emails", "--group", "Fintech", "--lead", "1"], "not both"),
        (["enrich", "profiles", "--group", "No such group"], "source group 'No such group' not found"),
        (["enrich", "profiles", "--lead", "999999"], "lead 999999 not found"),
        (["enrich", "profiles", "--group", "Fintech", "--play", "no-such-play"], "no-such-play"),
    ]:
        result = runner.invoke(app, args)
        assert result.exit_code == 1, args
        assert message in result.output, (args, result.output)
