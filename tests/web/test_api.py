"""The REST API: each resource, its errors, and a schema that declares them."""

from __future__ import annotations

from sqlalchemy import select

from outboard.db.models import Event, FieldProvenance, Suppression, UsageEntry
from outboard.db.scope import Scope
from outboard.jobs.progress import Progress, create_job
from tests.web.conftest import api_token, bearer, make_leads


def test_me_plays_and_usage(client, db, admin, workspace_id):
    headers = bearer(api_token(db, admin))
    me = client.get("/api/me", headers=headers).json()
    assert me["user"]["role"] == "admin" and me["workspace"]["slug"] == "acme-outreach"

    plays = client.get("/api/plays", headers=headers).json()
    assert len(plays) >= 5 and {"steps", "channels", "origin"} <= set(plays[0])
    known = client.get("/api/plays?relationship=known", headers=headers).json()
    assert known and all(p["relationship"] == "known" for p in known)
    assert client.get("/api/plays?relationship=hot", headers=headers).json()["field"] == "relationship"
    play = client.get("/api/plays/cold-email-first", headers=headers).json()
    assert play["steps"][0]["day"] == 0 and play["origin"] == "library"

    with db.transaction() as session:
        Scope(session, workspace_id).add(UsageEntry(kind="send", credits=2, quantity=1, ref="send:9"))
    usage = client.get("/api/usage", headers=headers).json()
    assert usage == {"used": 2, "budget": None, "remaining": None, "spent": False,
                     "by_kind": [{"kind": "send", "credits": 2, "quantity": 1, "entries": 1}]}
    budget = client.put("/api/usage/budget", json={"budget": 2}, headers=headers).json()
    assert budget["remaining"] == 0 and budget["spent"] is True
    assert client.put("/api/usage/budget", json={"budget": -1}, headers=headers).status_code == 422


def test_runs_are_created_from_a_play_and_listed(client, db, admin, other_workspace):
    headers = bearer(api_token(db, admin))
    created = client.post("/api/runs", json={"name": "Q3 fintech", "play_id": "cold-email-first"}, headers=headers)
    assert created.status_code == 201 and created.json()["state"] == "draft"
    assert client.post("/api/runs", json={"name": "x", "play_id": "nope"}, headers=headers).status_code == 404
    assert client.post("/api/runs", json={"name": "", "play_id": "cold-email-first"},
                       headers=headers).status_code == 422
    client.post("/api/runs", json={"name": "Theirs", "play_id": "cold-email-first"},
                headers=bearer(api_token(db, other_workspace)))
    assert [r["name"] for r in client.get("/api/runs", headers=headers).json()] == ["Q3 fintech"]


def test_leads_in_keyset_pages_and_a_lead_with_its_history(client, db, admin, workspace_id):
    headers = bearer(api_token(db, admin))
    ids = make_leads(db, workspace_id, 7)
    first = client.get("/api/leads?limit=3", headers=headers).json()
    assert [i["id"] for i in first["items"]] == ids[:-4:-1] and first["prev_cursor"] is None
    second = client.get(f"/api/leads?limit=3&after={first['next_cursor']}", headers=headers).json()
    assert [i["id"] for i in second["items"]] == ids[3:0:-1]
    back = client.get(f"/api/leads?limit=3&before={second['prev_cursor']}", headers=headers).json()
    assert back["items"] == first["items"]
    assert client.get("/api/leads?stage=replied", headers=headers).json()["items"] == []
    assert client.get("/api/leads?stage=won", headers=headers).status_code == 422
    assert client.get("/api/leads?limit=1000", headers=headers).status_code == 422

    with db.transaction() as session:
        session.add(FieldProvenance(lead_id=ids[0], field="email", value="lead0@acme.example", source="finder:pattern"))
        session.add(Event(workspace_id=workspace_id, lead_id=ids[0], kind="email_verified", data={"verdict": "valid"}))
    lead = client.get(f"/api/leads/{ids[0]}", headers=headers).json()
    assert lead["company"] == "Acme GmbH" and lead["company_detail"]["domain"] == "acme.example"
    assert lead["provenance"][0]["source"] == "finder:pattern" and lead["events"][0]["kind"] == "email_verified"
    assert client.get("/api/leads/0", headers=headers).status_code == 404


def test_job_progress_for_polling(client, db, admin, workspace_id):
    headers = bearer(api_token(db, admin))
    job_id = create_job(db, workspace_id, "selfcheck", {}, total=4)
    Progress(db, job_id, workspace_id).update(1, 4, "step 1 of 4")
    job = client.get(f"/api/jobs/{job_id}", headers=headers).json()
    assert (job["state"], job["done"], job["total"], job["percent"], job["final"]) == ("queued", 1, 4, 25, False)
    assert job["message"] == "step 1 of 4"


def test_suppressions_are_admin_only_hashed_and_opt_outs_stay(client, db, admin, workspace_id):
    headers = bearer(api_token(db, admin))
    added = client.post("/api/suppressions", json={"value": "Anna@Customer.com"}, headers=headers)
    assert added.status_code == 201 and added.json()["kind"] == "email" and added.json()["note"] == "an***@customer.com"
    assert client.post("/api/suppressions", json={"value": "anna@customer.com"}, headers=headers).status_code == 200
    domain = client.post("/api/suppressions", json={"value": "@rival.io", "note": "competitor"}, headers=headers)
    assert domain.json()["kind"] == "domain"
    bad = client.post("/api/suppressions", json={"value": "rival", "kind": "domain"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["field"] == "value"
    with db.sessions() as session:
        stored = set(session.scalars(select(Suppression.value_hash)))
        assert all(len(h) == 64 for h in stored) and not any("anna" in h for h in stored)
    with db.transaction() as session:
        opt_out = Scope(session, workspace_id).add(Suppression(kind="email", value_hash="a" * 64, reason="opt_out"))
        session.flush()
        opt_out_id = opt_out.id
    listed = client.get("/api/suppressions", headers=headers).json()
    assert [e["reason"] for e in listed] == ["opt_out", "blocklist", "blocklist"]
    assert client.get("/api/suppressions?reason=opt_out", headers=headers).json()[0]["id"] == opt_out_id
    assert client.delete(f"/api/suppressions/{opt_out_id}", headers=headers).status_code == 422
    assert client.delete(f"/api/suppressions/{domain.json()['id']}", headers=headers).status_code == 204
    assert client.delete(f"/api/suppressions/{domain.json()['id']}", headers=headers).status_code == 404


def test_the_openapi_schema_declares_auth_and_errors_and_the_reference_renders(client, app):
    schema = client.get("/api/openapi.json").json()
    assert schema["openapi"].startswith("3.") and schema["servers"] == [{"url": "/api"}]
    operations = [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]
    assert len(operations) >= 12
    for path, method, op in operations:
        assert "401" in op["responses"], f"{method} {path} does not declare 401"
        if "{" in path:
            assert "404" in op["responses"], f"{method} {path} does not declare 404"
        assert op["security"] == [{"HTTPBearer": []}], f"{method} {path}"
    reference = client.get("/api/docs")
    assert reference.status_code == 200 and "GET /api/leads/{lead_id}" in reference.text
    assert "cdn" not in reference.text.lower()
