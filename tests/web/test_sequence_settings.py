"""Setting a sequence's schedule (days, window, company days off), stop-colleagues-on-reply and risky emails,
and the workspace's primary domain: through the web forms, the REST API and the CLI, each bad input refused
with its field named and nothing stored. What each setting changes in the engine: tests/send/
test_sequence_settings.py."""

from __future__ import annotations

import html
import json
import re

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from outboard.cli import app as cli
from outboard.db.models import Sequence, SourceGroup, Workspace
from tests.web.conftest import api_token, bearer, csrf_token
from tests.write.lab_setup import build_lab

STORED = {"days": [0, 2], "start": "08:00", "end": "12:00", "extra_holidays": ["2026-12-24", "2026-12-31"]}


def _field_error(page: str, name: str) -> str:
    found = re.search(rf'<p class="field-error" id="f-{re.escape(name)}-error">(.*?)</p>', page, re.S)
    assert found, f"no message beside {name}"
    return html.unescape(found.group(1))


@pytest.fixture
def lab(rt, workspace_id):
    """A strategy profile, an eligible source group and a run (with one sequence already)."""
    lab = build_lab(rt, workspace_id, 2)
    with rt.db.sessions() as session:
        run_id = session.get(Sequence, lab.sequence_id).run_id
        group_id = session.scalar(select(SourceGroup.id).where(SourceGroup.workspace_id == workspace_id))
    return {"run": run_id, "strategy": lab.strategy_id, "group": group_id}


def _created(rt, name: str) -> Sequence | None:
    with rt.db.sessions() as session:
        return session.scalars(select(Sequence).where(Sequence.name == name)).one_or_none()


def _count(rt) -> int:
    with rt.db.sessions() as session:
        return session.scalar(select(func.count()).select_from(Sequence))


def test_the_create_form_sets_the_schedule_days_off_and_reply_and_risk_settings(admin_client, rt, lab):
    url = f"/runs/{lab['run']}/sequences"
    page = admin_client.get(f"{url}/new").text
    assert 'name="extra_holidays"' in page and 'name="stop_colleagues_on_reply"' in page
    assert 'name="allow_risky_emails"' in page
    good = {"name": "Web wave", "strategy_profile_id": str(lab["strategy"]), "source_groups": [str(lab["group"])],
            "days": ["0", "2"], "start": "08:00", "end": "12:00", "extra_holidays": "2026-12-31, 2026-12-24",
            "stop_on_reply": "on", "stop_colleagues_on_reply": "on", "allow_risky_emails": "on",
            "csrf_token": csrf_token(admin_client, f"{url}/new")}
    before = _count(rt)
    cases = [({"extra_holidays": "2026-12-24, 24.12.2026"}, "extra_holidays", "'24.12.2026' is not a date"),
             ({"extra_holidays": "2026-02-30"}, "extra_holidays", "'2026-02-30' is not a date such as 2026-12-24"),
             ({"start": "12:00", "end": "08:00"}, "end", "Must start before it ends"),
             ({"days": ["0", "9"]}, "days", "'9' is not a day: use mon, tue"),
             ({"days": []}, "days", "Choose at least one day to send on.")]
    for change, field, words in cases:
        refused = admin_client.post(url, data={**good, **change})
        assert refused.status_code == 422, change
        assert words in _field_error(refused.text, field), change
        assert 'value="Web wave"' in refused.text, change  # the rest kept as typed
        assert 'name="allow_risky_emails" value="on" checked' in refused.text, change
    assert _count(rt) == before

    created = admin_client.post(url, data=good, follow_redirects=False)
    assert created.status_code == 303, created.text
    sequence = _created(rt, "Web wave")
    assert sequence.schedule == STORED
    assert sequence.stop_colleagues_on_reply and sequence.allow_risky_emails and sequence.stop_on_reply
    plain = admin_client.post(url, data={**good, "name": "Plain", "extra_holidays": "",
                                         "stop_colleagues_on_reply": "", "allow_risky_emails": ""})
    assert plain.status_code == 200
    sequence = _created(rt, "Plain")
    assert not sequence.stop_colleagues_on_reply and not sequence.allow_risky_emails
    assert "extra_holidays" not in sequence.schedule


def test_the_api_sets_the_schedule_days_off_and_reply_and_risk_settings(client, db, admin, rt, lab):
    headers = bearer(api_token(db, admin))
    body = {"run_id": lab["run"], "name": "API wave", "strategy_profile_id": lab["strategy"],
            "source_group_ids": [lab["group"]], "stop_colleagues_on_reply": True, "allow_risky_emails": True,
            "schedule": {"days": [2, 0], "start": "08:00", "end": "12:00",
                         "extra_holidays": ["2026-12-31", "2026-12-24"]}}
    before = _count(rt)
    for schedule, field in [({"extra_holidays": ["2026-13-01"]}, "schedule.extra_holidays"),
                            ({"extra_holidays": ["tomorrow"]}, "schedule.extra_holidays"),
                            ({"start": "12:00", "end": "08:00"}, "schedule.window"),
                            ({"days": [7]}, "schedule.days.0")]:
        refused = client.post("/api/sequences", json={**body, "schedule": schedule}, headers=headers)
        assert refused.status_code == 422 and refused.json()["field"] == field, refused.text
    assert "'2026-13-01' is not a date" in client.post(
        "/api/sequences", json={**body, "schedule": {"extra_holidays": ["2026-13-01"]}}, headers=headers).text
    assert _count(rt) == before

    created = client.post("/api/sequences", json=body, headers=headers)
    assert created.status_code == 201, created.text
    out = created.json()
    assert out["schedule"] == STORED and out["stop_colleagues_on_reply"] and out["allow_risky_emails"]
    assert client.get(f"/api/sequences/{out['id']}", headers=headers).json()["allow_risky_emails"] is True
    defaults = client.post("/api/sequences", json={k: v for k, v in body.items() if k not in (
        "stop_colleagues_on_reply", "allow_risky_emails", "schedule")} | {"name": "Defaults"}, headers=headers).json()
    assert defaults["stop_colleagues_on_reply"] is False and defaults["allow_risky_emails"] is False
    assert defaults["schedule"] == {"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00"}


def test_the_cli_sets_the_schedule_days_off_and_reply_and_risk_settings(rt, lab):
    base = ["sequences", "create", "--run", str(lab["run"]), "--strategy", str(lab["strategy"]),
            "--group", str(lab["group"]), "--name", "CLI wave"]
    before = _count(rt)
    for extra, option, words in [(["--holiday", "2026-12-24", "--holiday", "2026-02-30"], "--holiday", "2026-02-30"),
                                 (["--days", "mon,funday"], "--days", "'funday' is not a day"),
                                 (["--from", "12:00", "--until", "08:00"], "--from/--until", "must start before"),
                                 (["--from", "9am"], "--from", "must be a time such as 09:00")]:
        result = CliRunner().invoke(cli, base + extra)
        assert result.exit_code == 1, (extra, result.output)
        assert option in result.output and words in result.output, (extra, result.output)
    assert _count(rt) == before

    result = CliRunner().invoke(cli, [*base, "--days", "mon,wed", "--from", "08:00", "--until", "12:00",
                                      "--holiday", "2026-12-31", "--holiday", "2026-12-24",
                                      "--stop-colleagues-on-reply", "--allow-risky-emails", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["schedule"] == STORED and summary["stop_colleagues_on_reply"] and summary["allow_risky_emails"]
    sequence = _created(rt, "CLI wave")
    assert sequence.schedule == STORED and sequence.stop_colleagues_on_reply and sequence.allow_risky_emails


def _primary(rt, workspace_id) -> str | None:
    with rt.db.sessions() as session:
        return (session.get(Workspace, workspace_id).preferences or {}).get("primary_domain")


def test_an_admin_sets_the_primary_domain_in_settings_compliance(admin_client, member_client, rt, workspace_id):
    token = csrf_token(admin_client, "/settings/compliance")
    saved = admin_client.post("/settings/compliance/domain",
                              data={"primary_domain": "https://www.Acme.com/about", "csrf_token": token})
    assert saved.status_code == 200 and "Primary domain set to acme.com" in saved.text
    assert 'value="acme.com"' in saved.text and _primary(rt, workspace_id) == "acme.com"
    for bad in ("not a domain", "acme", "anna@acme.com", "-acme.com"):
        refused = admin_client.post("/settings/compliance/domain", data={"primary_domain": bad, "csrf_token": token})
        assert refused.status_code == 422, bad
        assert "not a domain" in _field_error(refused.text, "primary_domain"), bad
        assert f'value="{html.escape(bad)}"' in refused.text, bad  # kept as typed
        assert _primary(rt, workspace_id) == "acme.com", bad
    assert "acme.com" in member_client.get("/settings/compliance").text  # members see it, without the form
    assert 'action="/settings/compliance/domain"' not in member_client.get("/settings/compliance").text
    cleared = admin_client.post("/settings/compliance/domain", data={"primary_domain": " ", "csrf_token": token})
    assert "Primary domain cleared" in cleared.text and _primary(rt, workspace_id) is None


def test_the_api_sets_the_primary_domain_for_admins_only(client, db, admin, member, rt, workspace_id):
    boss, staff = bearer(api_token(db, admin)), bearer(api_token(db, member))
    saved = client.put("/api/compliance/primary-domain", json={"primary_domain": "Acme.COM"}, headers=boss)
    assert saved.status_code == 200 and saved.json()["primary_domain"] == "acme.com"
    assert client.get("/api/compliance", headers=staff).json()["primary_domain"] == "acme.com"
    refused = client.put("/api/compliance/primary-domain", json={"primary_domain": "acme com"}, headers=boss)
    assert refused.status_code == 422 and refused.json()["field"] == "primary_domain"
    assert "is not a domain name" in refused.json()["detail"]
    assert client.put("/api/compliance/primary-domain", json={"primary_domain": "x.test"},
                      headers=staff).status_code == 403
    assert _primary(rt, workspace_id) == "acme.com"
    cleared = client.put("/api/compliance/primary-domain", json={"primary_domain": None}, headers=boss)
    assert cleared.json()["primary_domain"] is None and _primary(rt, workspace_id) is None
