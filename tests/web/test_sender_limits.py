"""Settings → Sender accounts → *Change limits* and `PATCH /api/accounts/{id}`: admins change every limit,
bad values are refused beside their field with nothing stored, members cannot."""

from __future__ import annotations

from outboard.db.models import SenderAccount
from tests.web.conftest import api_token, bearer, csrf_token, sender_accounts


def _limits(db, account_id: int) -> dict:
    with db.sessions() as session:
        return dict(session.get(SenderAccount, account_id).limits)


def test_an_admin_changes_every_linkedin_limit_from_the_page(admin_client, db, workspace_id):
    _, linkedin_id = sender_accounts(db, workspace_id)
    assert f"/settings/senders/{linkedin_id}/limits" in admin_client.get("/settings/senders").text
    page = admin_client.get(f"/settings/senders/{linkedin_id}/limits").text
    for name in ("pending_invites", "invite_withdraw_days", "gap_jitter_seconds", "note_limit", "timezone"):
        assert f'name="{name}"' in page
    form = {"daily_invites": "12", "weekly_invites": "70", "daily_messages": "30", "pending_invites": "250",
            "invite_withdraw_days": "10", "min_gap_seconds": "80", "gap_jitter_seconds": "15", "note_limit": "200",
            "timezone": "Europe/Berlin", "csrf_token": csrf_token(admin_client, "/settings/senders")}
    response = admin_client.post(f"/settings/senders/{linkedin_id}/limits", data=form, follow_redirects=False)
    assert response.status_code == 303
    assert _limits(db, linkedin_id) == {"daily_invites": 12, "weekly_invites": 70, "daily_messages": 30,
                                        "pending_invites": 250, "min_gap_seconds": 80, "gap_jitter_seconds": 15,
                                        "invite_withdraw_days": 10, "note_limit": 200}


def test_a_bad_value_is_shown_beside_its_field_and_nothing_is_stored(admin_client, db, workspace_id):
    email_id, _ = sender_accounts(db, workspace_id)
    before = _limits(db, email_id)
    form = {"daily_cap": "40", "ramp_start": "ten", "ramp_per_day": "2", "min_gap_seconds": "60",
            "gap_jitter_seconds": "10", "timezone": "UTC", "csrf_token": csrf_token(admin_client, "/settings/senders")}
    response = admin_client.post(f"/settings/senders/{email_id}/limits", data=form)
    assert response.status_code == 422 and 'id="f-ramp_start-error"' in response.text
    response = admin_client.post(f"/settings/senders/{email_id}/limits", data={**form, "ramp_start": "5",
                                                                                "timezone": "Nowhere/City"})
    assert response.status_code == 422 and 'id="f-timezone-error"' in response.text
    assert _limits(db, email_id) == before
    response = admin_client.post(f"/settings/senders/{email_id}/limits", data={**form, "ramp_start": "5"},
                                 follow_redirects=False)
    assert response.status_code == 303
    assert _limits(db, email_id) | {} == {**before, "daily_cap": 40, "ramp_start": 5, "ramp_up": False,
                                          "min_gap_seconds": 60, "gap_jitter_seconds": 10}


def test_members_cannot_open_or_post_the_limits_form(member_client, db, workspace_id):
    email_id, _ = sender_accounts(db, workspace_id)
    assert member_client.get(f"/settings/senders/{email_id}/limits").status_code == 403
    token = csrf_token(member_client, "/settings/senders")
    response = member_client.post(f"/settings/senders/{email_id}/limits", data={"daily_cap": "1", "csrf_token": token})
    assert response.status_code == 403


def test_the_api_changes_limits_and_names_a_bad_one(client, db, workspace_id, admin, member):
    email_id, linkedin_id = sender_accounts(db, workspace_id)
    headers = bearer(api_token(db, admin))
    response = client.patch(f"/api/accounts/{email_id}", json={"limits": {"daily_cap": 50, "ramp_up": False},
                                                                "timezone": "Europe/Paris"}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["limits"]["daily_cap"] == 50 and response.json()["timezone"] == "Europe/Paris"
    response = client.patch(f"/api/accounts/{linkedin_id}", json={"limits": {"daily_cap": 50}}, headers=headers)
    assert response.status_code == 422 and "limits.daily_cap" in response.text
    response = client.patch(f"/api/accounts/{linkedin_id}", json={"limits": {"note_limit": 250}}, headers=headers)
    assert response.status_code == 422 and "note_limit" in response.text
    assert _limits(db, linkedin_id)["note_limit"] == 300
    member_headers = bearer(api_token(db, member))
    assert client.patch(f"/api/accounts/{email_id}", json={"limits": {}}, headers=member_headers).status_code == 403
