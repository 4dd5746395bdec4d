"""API tokens: shown once, stored only as a hash, work as a bearer token, stop working when revoked."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from outboard.db.models import ApiToken
from tests.web.conftest import api_token, bearer, csrf_token


def test_a_token_made_in_settings_is_shown_once_works_and_stops_when_revoked(admin_client, db, clock):
    page = admin_client.post("/settings/tokens", data={"name": "CRM sync", "csrf_token": csrf_token(admin_client)})
    assert page.status_code == 200 and "it is shown only once" in page.text
    token = re.search(r'id="new-token" type="text" readonly value="(obt_[\w-]+)"', page.text).group(1)
    with db.sessions() as session:
        row = session.scalars(select(ApiToken)).one()
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and row.prefix == token[:12]
        assert token not in (row.name, row.prefix, row.token_hash)
    listing = admin_client.get("/settings/tokens").text
    assert "CRM sync" in listing and token not in listing and token[:12] in listing

    me = admin_client.get("/api/me", headers=bearer(token))
    assert me.status_code == 200 and me.json()["user"]["email"] == "admin@acme.test"
    with db.sessions() as session:
        assert session.get(ApiToken, row.id).last_used_at == clock.now()

    revoked = admin_client.post(f"/settings/tokens/{row.id}/revoke", data={"csrf_token": csrf_token(admin_client)})
    assert "revoked" in revoked.text
    assert admin_client.get("/api/me", headers=bearer(token)).status_code == 401


def test_tokens_through_the_api_and_who_may_revoke_them(client, db, admin, member):
    admin_token, member_token = api_token(db, admin), api_token(db, member)
    created = client.post("/api/tokens", json={"name": "backup script"}, headers=bearer(member_token))
    assert created.status_code == 201 and created.json()["token"].startswith("obt_")
    second = created.json()
    assert client.get("/api/me", headers=bearer(second["token"])).json()["user"]["role"] == "member"
    mine = client.get("/api/tokens", headers=bearer(member_token)).json()
    assert {t["name"] for t in mine} == {"tests", "backup script"} and all("token" not in t for t in mine)
    assert len(client.get("/api/tokens", headers=bearer(admin_token)).json()) == 3  # an admin sees them all

    admins = client.get("/api/tokens", headers=bearer(admin_token)).json()
    admin_own = next(t for t in admins if t["user_id"] == admin.id)
    assert client.delete(f"/api/tokens/{admin_own['id']}", headers=bearer(member_token)).status_code == 404
    assert client.delete(f"/api/tokens/{second['id']}", headers=bearer(admin_token)).status_code == 204
    assert client.get("/api/me", headers=bearer(second["token"])).status_code == 401
    assert client.post("/api/tokens", json={"name": ""}, headers=bearer(member_token)).status_code == 422
