"""Every form of the web pages refuses a request without the session's CSRF token."""

from __future__ import annotations

from fastapi.testclient import TestClient

from outboard.db.models import Workspace
from tests.web.conftest import csrf_token, fill, routes, signed_in_as

# The one exempt form: the recipient's one-click unsubscribe, posted by mail providers without any cookie
# (RFC 8058); its signed token is the authority and it can only opt its own address out.
# The LinkedIn API provider's webhooks carry no cookie either: the provider's signature over the body is the
# authority (refused with 401 without it).
EXEMPT = {"/u/{token}", "/webhooks/linkedin/{account_id}"}
IDS = {"lead_id": 1, "job_id": 1, "token_id": 1, "suppression_id": 1, "invitation_id": 1, "user_id": 1,
       "play_id": "cold-email-first", "token": "some-invitation-token", "run_id": 1, "sequence_id": 1,
       "message_id": 1, "task_id": 1, "account_id": 1, "strategy_id": 1, "group_id": 1, "endpoint_id": 1,
       "inbound_id": 1}


def _unsafe_page_routes(app) -> list[tuple[str, str]]:
    return [(m, p) for m, p in routes(app)
            if m in {"POST", "PUT", "PATCH", "DELETE"} and not p.startswith("/api/") and p not in EXEMPT]


def test_every_form_refuses_a_missing_or_wrong_token(app, admin_client, db, workspace_id):
    unsafe = _unsafe_page_routes(app)
    assert len(unsafe) >= 12
    real = csrf_token(admin_client, "/leads")
    for method, path in unsafe:
        url = fill(path, IDS)
        form = {"budget": "77", "email": "x@y.test", "role": "admin", "value": "blocked.test", "name": "n"}
        for sent in (form, {**form, "csrf_token": "forged"}, {**form, "csrf_token": real[:-2]}):
            response = admin_client.request(method, url, data=sent, follow_redirects=False)
            assert response.status_code == 403, f"{method} {path} accepted {sent.get('csrf_token')!r}"
            assert "Form refused" in response.text
    with db.sessions() as session:
        assert session.get(Workspace, workspace_id).credit_budget is None  # nothing was changed


def test_a_token_from_another_session_is_refused_and_htmx_may_send_it_as_a_header(app, admin_client, member):
    with TestClient(app) as other:
        foreign = csrf_token(signed_in_as(other, member), "/leads")
    refused = admin_client.post("/settings/usage/budget", data={"budget": "5", "csrf_token": foreign})
    assert refused.status_code == 403
    token = csrf_token(admin_client, "/leads")
    accepted = admin_client.post("/settings/usage/budget", data={"budget": "5"}, headers={"X-CSRF-Token": token},
                                 follow_redirects=False)
    assert accepted.status_code == 303


def test_the_token_changes_when_someone_signs_in(client, admin):
    before = csrf_token(client)
    response = client.post("/signin", data={"email": admin.email, "password": "correct horse battery",
                                            "csrf_token": before}, follow_redirects=False)
    assert response.status_code == 303
    after = csrf_token(client, "/leads")
    assert after != before
    stale = client.post("/settings/usage/budget", data={"budget": "5", "csrf_token": before})
    assert stale.status_code == 403
