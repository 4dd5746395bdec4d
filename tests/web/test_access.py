"""Access over every route: nothing works signed out (except the public pages), another workspace's objects
are 404 even for an admin, and members cannot change settings."""

from __future__ import annotations

from datetime import timedelta

import pytest

from outboard.db.models import (
    Enrollment,
    InboundMessage,
    Invitation,
    Job,
    LinkedinTask,
    Message,
    SourceGroup,
    Suppression,
    WebhookEndpoint,
    WorkspacePlay,
)
from outboard.db.scope import Scope
from outboard.plays.library import get_play, play_to_dict
from outboard.secrets import SecretBox
from outboard.send.accounts import add_email_account
from outboard.send.campaigns import create_run, create_sequence, sequence_steps
from outboard.team.tokens import create_token
from outboard.write.strategy_store import save_strategy
from tests.web.conftest import api_token, bearer, csrf_token, fill, make_leads, routes, signed_in_as

# Reachable without signing in, each for a reason: signing in, the invitation link (its token is the
# credential), the recipient's unsubscribe link (RFC 8058: no cookie), the API's own documentation, the
# health check for load balancers, signing out (harmless without a session), and the LinkedIn API provider's
# webhooks (authenticated by the provider's signature over the body, tested in test_inbox_pages.py).
PUBLIC = {
    ("POST", "/webhooks/linkedin/{account_id}"),
    ("GET", "/signin"), ("POST", "/signin"), ("POST", "/signout"),
    ("GET", "/invite/{token}"), ("POST", "/invite/{token}"),
    ("GET", "/u/{token}"), ("POST", "/u/{token}"),
    ("GET", "/api/docs"), ("GET", "/api/openapi.json"), ("GET", "/healthz"),
}
ANY_IDS = {"lead_id": 1, "job_id": 1, "token_id": 1, "suppression_id": 1, "invitation_id": 1, "user_id": 1,
           "play_id": "cold-email-first", "token": "x", "run_id": 1, "sequence_id": 1, "message_id": 1, "task_id": 1,
           "account_id": 1, "strategy_id": 1, "group_id": 1, "endpoint_id": 1, "inbound_id": 1}
# Admin-only API routes with an object in the path: a member is turned away (403) before any lookup.
ADMIN_API = ("/api/suppressions", "/api/accounts/{account_id}/", "PATCH /api/accounts/{account_id}",
             "PUT /api/strategies/", "/api/webhooks/")
# Admin-only page forms with an object in the path: the same.
ADMIN_PAGES = ("/settings/team/", "/settings/compliance/", "/settings/senders/", "POST /settings/profiles/",
               "/settings/webhooks/")


def _admin_only(method: str, path: str, prefixes: tuple[str, ...]) -> bool:
    return any(f"{method} {path}".startswith(p) if " " in p else path.startswith(p) for p in prefixes)


def test_the_public_list_names_only_routes_that_exist(app):
    assert set(routes(app)) >= PUBLIC


def test_no_route_works_without_signing_in(app, client):
    token = csrf_token(client)  # a valid anonymous token: the refusal must come from the missing sign-in
    checked = 0
    for method, path in routes(app):
        if (method, path) in PUBLIC:
            continue
        url = fill(path, ANY_IDS)
        if path.startswith("/api/"):
            response = client.request(method, url, json={})
            assert response.status_code == 401, f"{method} {path} answered {response.status_code} without a token"
            assert response.headers["www-authenticate"] == "Bearer"
        elif method == "GET":
            response = client.get(url, follow_redirects=False)
            assert response.status_code == 303, f"{method} {path} answered {response.status_code} signed out"
            assert response.headers["location"].startswith("/signin")
        else:
            response = client.request(method, url, data={"csrf_token": token}, follow_redirects=False)
            assert response.status_code == 401, f"{method} {path} answered {response.status_code} signed out"
        checked += 1
    assert checked >= 25


def test_a_wrong_or_malformed_token_is_refused(client):
    for header in ({"Authorization": "Bearer obt_not-a-real-token"}, {"Authorization": "Basic YTpi"},
                   {"Authorization": "Bearer "}):
        assert client.get("/api/me", headers=header).status_code == 401


def test_a_signed_out_htmx_request_is_sent_to_the_sign_in_page(client):
    response = client.get("/leads", headers={"HX-Request": "true"}, follow_redirects=False)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/signin?next=%2Fleads"


@pytest.fixture
def theirs(db, other_workspace, clock):
    """One object of every kind that has an id in a URL, all in the other workspace."""
    lead_id = make_leads(db, other_workspace.workspace_id, 1, prefix="Their")[0]
    with db.transaction() as session:
        scope = Scope(session, other_workspace.workspace_id)
        job = scope.add(Job(kind="selfcheck", params={}))
        token, _ = create_token(session, other_workspace.workspace_id, other_workspace.id, "theirs")
        entry = scope.add(Suppression(kind="domain", value_hash="0" * 64, reason="blocklist", note="theirs"))
        invitation = scope.add(Invitation(email="x@rival.test", role="member", token_hash="1" * 64,
                                          expires_at=clock.now() + timedelta(days=3)))
        spec = {**play_to_dict(get_play("cold-email-first")), "id": "rival-secret-play", "name": "Secret"}
        scope.add(WorkspacePlay(key="rival-secret-play", spec=spec))
        run = create_run(session, other_workspace.workspace_id, "Their run", "cold-email-first")
        strategy = save_strategy(session, other_workspace.workspace_id, {"name": "Secret", "sender_name": "Their"})
        group = scope.add(SourceGroup(name="Their group", kind="manual"))
        account = add_email_account(session, other_workspace.workspace_id, SecretBox(SecretBox.new_key()),
                                    name="Their mailbox", address="their@rival.test", from_name="Their",
                                    smtp_host="127.0.0.1")
        session.flush()
        sequence = create_sequence(session, other_workspace.workspace_id, run.id, "Their sequence", strategy.id,
                                   [group.id], [account.id])
        step = sequence_steps(session, sequence.id)[0]
        enrollment = scope.add(Enrollment(sequence_id=sequence.id, lead_id=lead_id))
        session.flush()
        message = scope.add(Message(enrollment_id=enrollment.id, step_id=step.id, channel="linkedin_invite",
                                    body="Secret note", generator="test"))
        session.flush()
        task = scope.add(LinkedinTask(message_id=message.id, kind="linkedin_invite", profile_url="https://x.test/in/t",
                                      text="Secret note"))
        search = scope.add(SourceGroup(name="Their search", kind="search", query={"filters": {}, "count": 5}))
        endpoint = scope.add(WebhookEndpoint(url="https://their.test/hook", secret="sealed", events=["reply"],
                                             active=True))
        inbound = scope.add(InboundMessage(account_id=account.id, channel="email", message_id="<their@rival.test>",
                                           raw=b"Secret", lead_id=lead_id, kind="reply", state="processed",
                                           received_at=clock.now(), classification={}))
        session.flush()
        return {"group_id": search.id, "endpoint_id": endpoint.id, "inbound_id": inbound.id,
                "lead_id": lead_id, "job_id": job.id, "token_id": token.id, "suppression_id": entry.id,
                "invitation_id": invitation.id, "user_id": other_workspace.id, "play_id": "rival-secret-play",
                "run_id": run.id, "sequence_id": sequence.id, "message_id": message.id, "task_id": task.id,
                "account_id": account.id, "strategy_id": strategy.id}


def test_members_and_admins_get_404_for_every_api_object_of_another_workspace(app, client, db, admin, member,
                                                                            theirs):
    with_ids = [(m, p) for m, p in routes(app) if p.startswith("/api/") and "{" in p]
    assert len(with_ids) >= 5
    for person in (member, admin):
        headers = bearer(api_token(db, person))
        for method, path in with_ids:
            response = client.request(method, fill(path, theirs), headers=headers)
            # Admin-only routes (the suppression list, sender accounts' changes): a member is turned away first.
            expected = 403 if person is member and _admin_only(method, path, ADMIN_API) else 404
            assert response.status_code == expected, f"{person.role}: {method} {path} answered {response.status_code}"
            assert "Secret" not in response.text and "Their" not in response.text  # nothing of the object leaks


def test_a_member_gets_404_for_every_page_object_of_another_workspace(app, member_client, theirs):
    token = csrf_token(member_client, "/leads")
    public = ("/api/", "/u/", "/invite/", "/webhooks/")
    pages = [(m, p) for m, p in routes(app) if "{" in p and not p.startswith(public)]
    assert len(pages) >= 6
    for method, path in pages:
        if _admin_only(method, path, ADMIN_PAGES):  # admin pages answer 403 first for a member
            continue
        response = member_client.request(method, fill(path, theirs), data={"csrf_token": token, "role": "admin"},
                                         follow_redirects=False)
        assert response.status_code == 404, f"{method} {path} answered {response.status_code}"


def test_an_admin_gets_404_for_admin_objects_of_another_workspace(app, admin_client, theirs):
    token = csrf_token(admin_client, "/leads")
    for path in ("/settings/team/invitations/{invitation_id}/revoke", "/settings/team/users/{user_id}/role",
                 "/settings/compliance/blocklist/{suppression_id}/remove", "/settings/tokens/{token_id}/revoke",
                 "/settings/senders/{account_id}/pause", "/settings/senders/{account_id}/resume",
                 "/settings/senders/{account_id}/test", "/settings/senders/{account_id}/dns",
                 "/settings/senders/{account_id}/limits", "/settings/senders/{account_id}/dkim",
                 "/settings/profiles/{strategy_id}", "/settings/webhooks/{endpoint_id}/rotate",
                 "/settings/webhooks/{endpoint_id}/test", "/settings/webhooks/{endpoint_id}/remove",
                 "/settings/webhooks/linkedin/{account_id}/secret"):
        response = admin_client.post(fill(path, theirs), data={"csrf_token": token, "role": "member"},
                                     follow_redirects=False)
        assert response.status_code == 404, path
    response = admin_client.post("/runs/select", data={"csrf_token": token, "run_id": theirs["run_id"]})
    assert response.status_code == 404


ADMIN_FORMS = {
    "/settings/team/invitations": {"email": "new@acme.test", "role": "admin"},
    "/settings/team/invitations/{invitation_id}/revoke": {},
    "/settings/team/users/{user_id}/role": {"role": "admin"},
    "/settings/usage/budget": {"budget": "10"},
    "/settings/compliance/blocklist": {"value": "competitor.com"},
    "/settings/compliance/blocklist/{suppression_id}/remove": {},
    "/settings/compliance/footer": {"postal_address": "1 Main St", "opt_out_sentence": "Reply stop."},
    "/settings/compliance/domain": {"primary_domain": "acme.com"},
    "/settings/senders/email": {"address": "x@acme.test", "from_name": "X", "smtp_host": "127.0.0.1"},
    "/settings/senders/linkedin": {"li_profile_id": "someone"},
    "/settings/senders/{account_id}/pause": {},
    "/settings/senders/{account_id}/resume": {},
    "/settings/senders/{account_id}/test": {},
    "/settings/senders/{account_id}/dns": {},
    "/settings/senders/{account_id}/limits": {"daily_cap": "1"},
    "/settings/senders/{account_id}/dkim": {"selector": "s1", "private_key_pem": "x"},
    "/settings/profiles": {"name": "P", "sender_name": "S"},
    "/settings/profiles/{strategy_id}": {"name": "P", "sender_name": "S"},
    "/settings/webhooks": {"url": "https://crm.test/hook", "events": "reply"},
    "/settings/webhooks/{endpoint_id}/rotate": {},
    "/settings/webhooks/{endpoint_id}/test": {},
    "/settings/webhooks/{endpoint_id}/remove": {},
    "/settings/webhooks/linkedin/{account_id}/secret": {},
}


def test_a_member_cannot_change_settings(app, member_client, member, db, admin):
    settings_posts = {p for m, p in routes(app) if m == "POST" and p.startswith("/settings/")
                      and not p.startswith("/settings/tokens")}
    assert settings_posts == set(ADMIN_FORMS), "a new settings form: decide whether members may use it"
    token = csrf_token(member_client, "/settings/team")
    ids = {"invitation_id": 1, "user_id": member.id, "suppression_id": 1, "account_id": 1, "strategy_id": 1,
           "endpoint_id": 1}
    for path, form in ADMIN_FORMS.items():
        response = member_client.post(fill(path, ids), data={**form, "csrf_token": token}, follow_redirects=False)
        assert response.status_code == 403, f"POST {path} answered {response.status_code} for a member"
        assert "Only workspace admins" in response.text
    page = member_client.get("/settings/team").text
    assert "only admins can change them" in page and "Create invitation link" not in page


def test_a_member_cannot_change_settings_through_the_api(client, db, member):
    headers = bearer(api_token(db, member))
    assert client.put("/api/usage/budget", json={"budget": 5}, headers=headers).status_code == 403
    assert client.get("/api/suppressions", headers=headers).status_code == 403
    assert client.post("/api/suppressions", json={"value": "x.com"}, headers=headers).status_code == 403
    assert client.put("/api/compliance/primary-domain", json={"primary_domain": "x.com"},
                      headers=headers).status_code == 403
    assert client.delete("/api/suppressions/1", headers=headers).status_code == 403
    assert client.post("/api/accounts/email", json={}, headers=headers).status_code == 403
    assert client.post("/api/accounts/linkedin", json={}, headers=headers).status_code == 403
    assert client.post("/api/strategies", json={}, headers=headers).status_code == 403
    assert client.post("/api/webhooks", json={"url": "https://crm.test/hook"}, headers=headers).status_code == 403
    assert client.get("/api/webhooks", headers=headers).status_code == 200
    assert client.get("/api/accounts", headers=headers).status_code == 200
    assert client.get("/api/usage", headers=headers).status_code == 200


def test_a_deactivated_user_is_signed_out_and_their_tokens_stop(client, db, member):
    from outboard.db.models import User

    token = api_token(db, member)
    signed_in_as(client, member)
    with db.transaction() as session:
        session.get(User, member.id).is_active = False
    assert client.get("/leads", follow_redirects=False).status_code == 303
    assert client.get("/api/me", headers=bearer(token)).status_code == 401
