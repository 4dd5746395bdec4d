"""Readiness catches an OUTBOARD_PUBLIC_URL the claim would refuse for every email's one-click unsubscribe
link, with exactly the claim's rule; the CLI shows each finding's code (for `--override`)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from outboard.cli import app
from outboard.core.errors import ValidationError
from outboard.db.models import Sequence
from outboard.send.campaigns import StepInput
from outboard.send.email_message import Unsubscribe
from outboard.send.launch import LaunchBlocked, launch, readiness
from tests.send.engine_setup import build_campaign

EMAIL_ONLY = [StepInput("email", 0, "always", "intro")]
URLS = ["https://outboard.example.com", "https://outboard.example.com/", "http://127.0.0.1:8000",
        "http://localhost:8000/", "http://outboard.example.com", "http://127.0.0.1.evil.test", "ftp://x.test"]


@pytest.mark.parametrize("url", URLS)
def test_the_finding_follows_the_claims_rule_exactly(rt, workspace_id, url):
    campaign = build_campaign(rt, workspace_id, 2, 2525, steps=EMAIL_ONLY, play="cold-email-first",
                              do_launch=False)
    try:
        Unsubscribe.issue("secret", 1, 1, "a@b.test", f"{url.rstrip('/')}/u", "outboard-mail.test")  # as the claim
        claim_accepts = True
    except ValidationError:
        claim_accepts = False
    with rt.db.sessions() as session:
        codes = {f.code: f for f in readiness(session, session.get(Sequence, campaign.sequence_id), rt.clock.now(),
                                              public_url=url)}
    assert ("public_url_not_https" not in codes) == claim_accepts
    if not claim_accepts:
        finding = codes["public_url_not_https"]
        assert finding.blocking and finding.fix == "set OUTBOARD_PUBLIC_URL to the https address of this server"
        with pytest.raises(LaunchBlocked), rt.db.transaction() as session:
            launch(session, workspace_id, campaign.sequence_id, rt.clock.now(), public_url=url,
                   overrides=frozenset({"active_elsewhere"}))


def test_the_cli_readiness_shows_codes_and_checks_the_public_url(rt, workspace_id):
    campaign = build_campaign(rt, workspace_id, 2, 2525, steps=EMAIL_ONLY, play="cold-email-first",
                              do_launch=False)
    rt.settings.public_url = "http://outboard.example.com"
    result = CliRunner().invoke(app, ["sequences", "readiness", str(campaign.sequence_id), "--json"])
    assert result.exit_code == 0 and "public_url_not_https" in result.output, result.output
    table = CliRunner().invoke(app, ["sequences", "readiness", str(campaign.sequence_id)], env={"COLUMNS": "250"})
    assert "public_url_not_https" in table.output and "Code" in table.output, table.output
    refused = CliRunner().invoke(app, ["launch", str(campaign.sequence_id)])
    assert refused.exit_code == 1 and "public_url_not_https" in refused.output
    rt.settings.public_url = "https://outboard.example.com"
    assert CliRunner().invoke(app, ["launch", str(campaign.sequence_id)]).exit_code == 0
