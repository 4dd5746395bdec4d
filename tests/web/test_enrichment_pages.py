"""Enrichment in the browser and over the API: a source group is chosen, a job enriches it (the offline
providers; email checks ask a local DNS server that knows no mail host), and the counts show where its
leads stand."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from outboard.db.models import Job, SourceGroup, SourceGroupMember
from outboard.devservers.dns import DnsServer, DnsZone
from tests.web.conftest import api_token, bearer, csrf_token, make_leads

HTMX = {"HX-Request": "true"}


@pytest.fixture
def group_id(rt, db, workspace_id) -> int:
    ids = make_leads(db, workspace_id, 3, prefix="Grace")
    with rt.db.transaction() as session:
        group = SourceGroup(workspace_id=workspace_id, name="Conference list", kind="import")
        session.add(group)
        session.flush()
        session.add_all([SourceGroupMember(source_group_id=group.id, lead_id=i, reason={}, added_at=rt.clock.now())
                         for i in ids])
        return group.id


@pytest.fixture
def quiet_dns(rt) -> Iterator[None]:
    with DnsServer(DnsZone()) as dns:
        rt.settings.verify_dns_server = f"127.0.0.1:{dns.port}"
        yield


def test_a_group_is_enriched_in_a_job_and_its_counts_shown(admin_client, rt, workspace_id, group_id, quiet_dns):
    page = admin_client.get("/enrichment")
    assert page.status_code == 200 and "Conference list (3 leads, 0 enriched)" in page.text
    token = csrf_token(admin_client, "/enrichment")
    refused = admin_client.post("/enrichment", data={"group": "", "kind": "profiles", "csrf_token": token})
    assert refused.status_code == 422 and 'id="f-group-error">Choose a source group.' in refused.text

    started = admin_client.post("/enrichment", data={"group": str(group_id), "kind": "profiles",
                                                     "csrf_token": token}, follow_redirects=False)
    assert started.status_code == 303 and started.headers["location"].startswith(f"/enrichment?group={group_id}&job=")
    shown = admin_client.get(started.headers["location"])
    assert "Conference list: 3 leads" in shown.text and 'class="job job-' in shown.text
    with rt.db.sessions() as session:
        job = session.scalars(select(Job).where(Job.workspace_id == workspace_id)).one()
    assert job.kind == "enrich_profiles" and job.params["group_id"] == group_id

    emails = admin_client.post("/enrichment", data={"group": str(group_id), "kind": "emails", "csrf_token": token},
                               headers=HTMX)
    assert emails.status_code == 200 and "<html" not in emails.text and "Email verdicts" in emails.text
    assert re.search(r"enrich emails</strong> · (succeeded|failed)", emails.text.lower())
    assert admin_client.get("/enrichment?group=999999").status_code == 404


def test_enrichment_over_the_api(client, db, admin, rt, group_id, other_workspace):
    headers = bearer(api_token(db, admin))
    started = client.post("/api/enrichment", json={"group_id": group_id, "kind": "profiles"}, headers=headers)
    assert started.status_code == 202 and client.get(started.json()["poll"], headers=headers).json()["final"]
    status = client.get(f"/api/enrichment?group_id={group_id}", headers=headers).json()
    assert status["group"] == "Conference list" and status["leads"] == 3 and sum(status["stages"].values()) == 3
    assert client.post("/api/enrichment", json={"group_id": group_id, "kind": "faxes"},
                       headers=headers).json()["field"] == "kind"
    theirs = bearer(api_token(db, other_workspace))
    assert client.get(f"/api/enrichment?group_id={group_id}", headers=theirs).status_code == 404
    assert client.post("/api/enrichment", json={"group_id": group_id, "kind": "profiles"},
                       headers=theirs).status_code == 404
