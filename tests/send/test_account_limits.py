"""Changing a sender account's limits after it was added, pausing and resuming it, and refusing a second
account for one address: the service and the `outboard accounts` commands, on a real database."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from outboard.cli import app
from outboard.core.errors import ValidationError
from outboard.db.models import Event, SenderAccount
from outboard.runtime import Runtime
from outboard.send.accounts import add_email_account, add_linkedin_account, email_caps, set_limits

runner = CliRunner()


def _accounts(rt: Runtime, workspace_id: int) -> tuple[int, int]:
    with rt.db.transaction() as session:
        email = add_email_account(session, workspace_id, rt.secrets, name="Sam", address="sam@get-acme.test",
                                  from_name="Sam", smtp_host="127.0.0.1")
        linkedin = add_linkedin_account(session, workspace_id, rt.secrets, name="Sam", profile_id="sam-lee")
        return email.id, linkedin.id


def _stored(rt: Runtime, account_id: int) -> tuple[dict, str]:
    with rt.db.sessions() as session:
        account = session.get(SenderAccount, account_id)
        return dict(account.limits), account.timezone


def test_changed_limits_are_what_the_caps_use_and_the_change_is_an_event(rt, workspace_id):
    email_id, _ = _accounts(rt, workspace_id)
    with rt.db.transaction() as session:
        account = session.get(SenderAccount, email_id)
        changed = set_limits(session, account, {"daily_cap": 55, "ramp_up": False, "gap_jitter_seconds": 5},
                             timezone="Europe/Berlin", by="test")
        caps = email_caps(account)
    assert set(changed) == {"daily_cap", "ramp_up", "gap_jitter_seconds", "timezone"}
    assert changed["daily_cap"] == {"from": 30, "to": 55}
    assert caps.daily_cap == 55 and caps.ramp_from is None and caps.gap_jitter.total_seconds() == 5
    limits, tz = _stored(rt, email_id)
    assert limits["ramp_start"] == 20 and tz == "Europe/Berlin"  # limits not given keep their value
    with rt.db.sessions() as session:
        event = session.scalars(select(Event).where(Event.kind == "account_limits_changed")).one()
    assert event.subject == f"account:{email_id}" and event.data["changes"]["daily_cap"]["to"] == 55


@pytest.mark.parametrize(("changes", "field"), [
    ({"daily_cap": -1}, "limits.daily_cap"),
    ({"ramp_up": 3}, "limits.ramp_up"),
    ({"daily_invites": 5}, "limits.daily_invites"),  # a LinkedIn limit on a mailbox
    ({"min_gap_seconds": "soon"}, "limits.min_gap_seconds"),
])
def test_a_bad_limit_is_refused_naming_it_and_nothing_is_stored(rt, workspace_id, changes, field):
    email_id, _ = _accounts(rt, workspace_id)
    before = _stored(rt, email_id)
    with pytest.raises(ValidationError) as caught, rt.db.transaction() as session:
        set_limits(session, session.get(SenderAccount, email_id), changes)
    assert caught.value.field == field
    assert _stored(rt, email_id) == before


def test_linkedin_limits_are_checked_like_at_creation(rt, workspace_id):
    _, linkedin_id = _accounts(rt, workspace_id)
    for changes, field in (({"note_limit": 250}, "limits.note_limit"),
                           ({"invite_withdraw_days": 0}, "limits.invite_withdraw_days")):
        with pytest.raises(ValidationError) as caught, rt.db.transaction() as session:
            set_limits(session, session.get(SenderAccount, linkedin_id), changes)
        assert caught.value.field == field
    with pytest.raises(ValidationError) as caught, rt.db.transaction() as session:
        set_limits(session, session.get(SenderAccount, linkedin_id), {}, timezone="Mars/Base")
    assert caught.value.field == "timezone"


def test_the_cli_changes_every_limit_pauses_and_resumes(rt, workspace_id):
    email_id, linkedin_id = _accounts(rt, workspace_id)
    result = runner.invoke(app, ["accounts", "set-limits", str(email_id), "--daily-cap", "45", "--no-ramp-up",
                                 "--ramp-start", "10", "--ramp-per-day", "3", "--min-gap", "90", "--gap-jitter", "30",
                                 "--timezone", "Europe/Berlin", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["limits"]["daily_cap"] == 45
    assert _stored(rt, email_id) == ({"daily_cap": 45, "ramp_up": False, "ramp_start": 10, "ramp_per_day": 3,
                                      "min_gap_seconds": 90, "gap_jitter_seconds": 30}, "Europe/Berlin")
    result = runner.invoke(app, ["accounts", "set-limits", str(linkedin_id), "--daily-invites", "15",
                                 "--weekly-invites", "80", "--daily-messages", "40", "--pending-invites", "300",
                                 "--withdraw-days", "14", "--note-limit", "200", "--min-gap", "100",
                                 "--gap-jitter", "20"])
    assert result.exit_code == 0 and "daily_invites 20 → 15" in result.output, result.output
    limits, _ = _stored(rt, linkedin_id)
    assert (limits["pending_invites"], limits["invite_withdraw_days"], limits["note_limit"]) == (300, 14, 200)

    bad = runner.invoke(app, ["accounts", "set-limits", str(linkedin_id), "--note-limit", "250"])
    assert bad.exit_code == 1 and "--note-limit" in bad.output and "Traceback" not in bad.output
    assert _stored(rt, linkedin_id)[0]["note_limit"] == 200

    assert "is paused" in runner.invoke(app, ["accounts", "pause", str(email_id), "--reason", "holiday"]).output
    with rt.db.sessions() as session:
        account = session.get(SenderAccount, email_id)
        assert (account.status, account.status_reason) == ("paused", "holiday")
    assert "is active" in runner.invoke(app, ["accounts", "resume", str(email_id)]).output


def test_the_cli_refuses_a_second_account_for_one_address(rt, workspace_id):
    _accounts(rt, workspace_id)
    result = runner.invoke(app, ["accounts", "add-email", "SAM@get-acme.test", "--from-name", "Sam",
                                 "--smtp-host", "127.0.0.1", "--password", "x"])
    assert result.exit_code == 1 and "address: is already connected" in result.output, result.output
    result = runner.invoke(app, ["accounts", "add-linkedin", "sam-lee", "--name", "Sam"])
    assert result.exit_code == 1 and "profile_id: is already connected" in result.output, result.output
    with rt.db.sessions() as session:
        assert len(session.scalars(select(SenderAccount)).all()) == 2
