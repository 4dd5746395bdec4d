"""Settings → Sender accounts (against a real SMTP server and a real DNS server) and Settings → Strategy
profiles: what admins add and change, what they cannot type, and what members only read."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from outboard.db.models import SenderAccount, StrategyProfileRow
from outboard.devservers.dns import DnsServer, DnsZone
from tests.send.conftest import PASSWORD, USER, Server, _authenticator, _serve
from tests.web.conftest import csrf_token

MAILBOX = {"address": "Jo@Sender.test", "from_name": "Jo Sender", "name": "", "smtp_host": "127.0.0.1",
           "smtp_port": "587", "smtp_security": "none", "smtp_username": USER, "smtp_password": PASSWORD,
           "imap_host": "", "imap_port": "993", "imap_security": "tls", "imap_username": "", "imap_password": "",
           "timezone": "Europe/Berlin", "daily_cap": "40", "ramp_up": "on", "ramp_start": "10", "ramp_per_day": "3",
           "min_gap_seconds": "90"}


@pytest.fixture
def auth_server() -> Iterator[Server]:
    yield from _serve(auth_required=True, auth_require_tls=False, authenticator=_authenticator)


def _field_error(page: str, name: str) -> str:
    found = re.search(rf'<p class="field-error" id="f-{name}-error">(.*?)</p>', page, re.S)
    assert found, f"no message beside {name}"
    return html.unescape(found.group(1))


def test_an_admin_connects_a_mailbox_tests_it_checks_its_dns_and_pauses_it(admin_client, rt, workspace_id,
                                                                          auth_server):
    token = csrf_token(admin_client, "/settings/senders")
    form = {**MAILBOX, "smtp_port": str(auth_server.port), "csrf_token": token}
    cases = [({"address": "not-an-address"}, "address", "Is not an email address."),
             ({"smtp_host": ""}, "smtp_host", "Enter the SMTP server."),
             ({"smtp_port": "99999"}, "smtp_port", "Enter a whole number from 1 to 65,535."),
             ({"daily_cap": "many"}, "daily_cap", "Enter a whole number"),
             ({"timezone": "Mars/Olympus"}, "timezone", "Is not an IANA timezone such as Europe/Berlin.")]
    for change, field, words in cases:
        refused = admin_client.post("/settings/senders/email", data={**form, **change})
        assert refused.status_code == 422, change
        assert words in _field_error(refused.text, field), change
        assert 'value="Jo Sender"' in refused.text and PASSWORD not in refused.text  # kept, but never a password

    added = admin_client.post("/settings/senders/email", data=form)
    assert "Mailbox jo@sender.test connected" in added.text.replace("Jo@Sender.test", "jo@sender.test")
    assert PASSWORD not in added.text and "sealed: imap password, smtp password" in added.text
    with rt.db.sessions() as session:
        account = session.scalars(select(SenderAccount).where(SenderAccount.workspace_id == workspace_id)).one()
        assert PASSWORD not in str(account.secrets) and account.limits["daily_cap"] == 40
        assert account.timezone == "Europe/Berlin" and account.address == "jo@sender.test"
    again = admin_client.post("/settings/senders/email", data=form)
    assert "Is already connected as a sender account." in _field_error(again.text, "address")

    tested = admin_client.post(f"/settings/senders/{account.id}/test", data={"csrf_token": token})
    assert "it works: connected to 127.0.0.1" in tested.text
    with rt.db.transaction() as session:  # a wrong password: the test says so
        stored = session.get(SenderAccount, account.id)
        stored.secrets = {**stored.secrets, "smtp_password": rt.secrets.seal("wrong")}
    failed = admin_client.post(f"/settings/senders/{account.id}/test", data={"csrf_token": token})
    assert "the connection failed: AuthFailed" in failed.text

    zone = DnsZone().add_txt("sender.test", "v=spf1 -all").add_txt("_dmarc.sender.test", "v=DMARC1; p=none")
    with DnsServer(zone) as dns:
        rt.settings.verify_dns_server = f"127.0.0.1:{dns.port}"
        checked = admin_client.post(f"/settings/senders/{account.id}/dns", data={"csrf_token": token})
    assert "sender.test: no DKIM record found." in checked.text

    paused = admin_client.post(f"/settings/senders/{account.id}/pause", data={"reason": "bounce spike",
                                                                              "csrf_token": token})
    assert "paused: its steps wait" in paused.text and "bounce spike" in paused.text
    assert "resumed" in admin_client.post(f"/settings/senders/{account.id}/resume", data={"csrf_token": token}).text


def test_an_admin_connects_a_linkedin_account_and_members_only_read(admin_client, member_client, rt, workspace_id):
    token = csrf_token(admin_client, "/settings/senders")
    base = {"li_profile_id": "jo-sender", "li_name": "Jo on LinkedIn", "li_provider": "manual", "li_api_base_url": "",
            "li_api_key": "", "li_account_ref": "", "li_timezone": "UTC", "li_note_limit": "200",
            "li_daily_invites": "15", "li_weekly_invites": "80", "li_daily_messages": "40",
            "li_min_gap_seconds": "60", "csrf_token": token}
    api = admin_client.post("/settings/senders/linkedin", data={**base, "li_provider": "api"})
    assert api.status_code == 422
    assert "The api provider needs api_base_url, api_key and account_ref." in _field_error(api.text, "li_provider")
    missing = admin_client.post("/settings/senders/linkedin", data={**base, "li_profile_id": ""})
    assert "Enter the public id" in _field_error(missing.text, "li_profile_id")
    assert 'value="Jo on LinkedIn"' in missing.text
    added = admin_client.post("/settings/senders/linkedin", data=base)
    assert "LinkedIn account jo-sender connected." in added.text and "15 invites a day, 80 a week" in added.text
    with rt.db.sessions() as session:
        account = session.scalars(select(SenderAccount).where(SenderAccount.kind == "linkedin")).one()
        assert account.limits["note_limit"] == 200 and account.connection["provider"] == "manual"
    tested = admin_client.post(f"/settings/senders/{account.id}/test", data={"csrf_token": token})
    assert "only email accounts have a connection to test" in tested.text

    page = member_client.get("/settings/senders").text
    assert "Jo on LinkedIn" in page and "Connect a mailbox" not in page and "Test the connection" not in page
    forbidden = member_client.post(f"/settings/senders/{account.id}/pause",
                                   data={"csrf_token": csrf_token(member_client, "/settings/senders")})
    assert forbidden.status_code == 403


PROFILE = {"name": "Fintech CFOs", "sender_name": "Sam Sender", "sender_title": "Founder",
           "sender_company": "Outboard Labs", "signature": "Sam", "postal_address": "1 Harbour St, Hamburg",
           "offer": "a pipeline audit", "proof": "Copperleaf doubled replies\n\nAcme booked 12 calls",
           "tone": "direct", "call_to_action": "a 15-minute call", "language": "en", "banned_phrases": "synergy",
           "max_email_words": "120", "max_subject_chars": "50", "linkedin_note_limit": "300",
           "opt_out_sentence": "Reply no and I will stop."}


def test_strategy_profiles_are_created_edited_and_checked_field_by_field(admin_client, member_client, rt,
                                                                        workspace_id):
    token = csrf_token(admin_client, "/settings/profiles")
    cases = [({"sender_name": " "}, "sender_name", "Is required."),
             ({"max_email_words": "0"}, "max_email_words", "Enter a whole number from 1 to 2,000."),
             ({"linkedin_note_limit": "301"}, "linkedin_note_limit", "Enter a whole number from 1 to 300."),
             ({"tone": "shouty"}, "tone", "Must be one of friendly, formal, direct, casual."),
             ({"name": "x" * 201}, "name", "At most 200 characters.")]
    for change, field, words in cases:
        refused = admin_client.post("/settings/profiles", data={**PROFILE, **change, "csrf_token": token})
        assert refused.status_code == 422, change
        assert words in _field_error(refused.text, field), change
        assert "a pipeline audit</textarea>" in refused.text, change

    created = admin_client.post("/settings/profiles", data={**PROFILE, "csrf_token": token})
    assert "Strategy profile “Fintech CFOs” saved." in created.text
    with rt.db.sessions() as session:
        row = session.scalars(select(StrategyProfileRow).where(StrategyProfileRow.workspace_id == workspace_id)).one()
    assert row.data["proof"] == ["Copperleaf doubled replies", "Acme booked 12 calls"] and row.data["tone"] == "direct"
    duplicate = admin_client.post("/settings/profiles", data={**PROFILE, "csrf_token": token})
    assert "Another strategy profile has this name." in _field_error(duplicate.text, "name")

    edit_page = admin_client.get(f"/settings/profiles/{row.id}").text
    assert "Copperleaf doubled replies\nAcme booked 12 calls</textarea>" in edit_page
    edited = admin_client.post(f"/settings/profiles/{row.id}", data={**PROFILE, "offer": "a free audit",
                                                                    "csrf_token": token})
    assert "saved" in edited.text
    with rt.db.sessions() as session:
        assert session.get(StrategyProfileRow, row.id).data["offer"] == "a free audit"
    bad_edit = admin_client.post(f"/settings/profiles/{row.id}", data={**PROFILE, "sender_name": "",
                                                                      "csrf_token": token})
    assert bad_edit.status_code == 422 and "Is required." in _field_error(bad_edit.text, "sender_name")

    read_only = member_client.get(f"/settings/profiles/{row.id}").text
    assert "a free audit" in read_only and "Save the profile" not in read_only
    member_token = csrf_token(member_client, "/settings/profiles")
    refused = member_client.post("/settings/profiles", data={**PROFILE, "name": "Mine", "csrf_token": member_token})
    assert refused.status_code == 403
