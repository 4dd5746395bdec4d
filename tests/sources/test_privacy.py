"""Data-subject requests: export everything held on a person; erase them everywhere, keeping only hashed
suppression entries, so that nothing readable about them remains and they never come back."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import inspect, select, text

from outboard.core.errors import NotFound
from outboard.db.models import (
    EnrichmentCache,
    Event,
    InboundMessage,
    Job,
    LinkedinTask,
    MessageRevision,
    SenderAccount,
    Suppression,
    WebhookDelivery,
    WebhookEndpoint,
)
from outboard.db.timeline import record
from outboard.sources.importer import import_file
from outboard.sources.manual import Suppressed, add_manual_lead
from outboard.sources.privacy import erase_person, export_person, find_person
from tests.sources.import_helpers import all_leads, enroll, write_csv

HEADER = ["First Name", "Last Name", "Email", "LinkedIn URL", "Company", "Website", "Phone", "Title"]
ANNA = ["Anna", "Schmidt", "Anna.Schmidt@Nordwind-Logistik.de", "https://www.linkedin.com/in/anna-schmidt-4a1b2c/",
        "Nordwind Logistik GmbH", "nordwind-logistik.de", "+49 89 1234 5678", "Head of Sales"]
NEEDLES = ("Anna Schmidt", "anna.schmidt@nordwind-logistik.de", "anna-schmidt-4a1b2c", "anna.private@gmail.com",
           "+498912345678", "Schmidt, Anna")
MAIL = ("From: Anna Schmidt <anna.schmidt@nordwind-logistik.de>\r\nTo: sales@ourco.example\r\n"
        "Subject: Re: Hello\r\nMessage-ID: <{id}@nordwind-logistik.de>\r\n\r\nHi, Anna Schmidt here. Call me: "
        "+498912345678\r\n")


def person_everywhere(db, workspace_id, tmp_path) -> int:
    """Anna imported from two files (the second gives a conflicting private address), enrolled with a message,
    its revision and a LinkedIn task, with replies (linked and unlinked), events that mention her, a job
    result, a webhook payload, an enrichment cache entry and another lead's note about her."""
    import_file(db, workspace_id, write_csv(tmp_path / "crm.csv", HEADER, [ANNA, [
        "Ben", "Other", "ben@other.org", "", "Other Org", "other.org", "", "CEO"]]))
    second = [*ANNA]
    second[2] = "anna.private@gmail.com"
    import_file(db, workspace_id, write_csv(tmp_path / "fair.csv", HEADER, [second]))
    anna, ben = all_leads(db, workspace_id)
    enrollment_id, message_id = enroll(db, workspace_id, anna.id)
    with db.transaction() as session:
        account = SenderAccount(workspace_id=workspace_id, kind="email", name="Sales", address="sales@ourco.example")
        endpoint = WebhookEndpoint(workspace_id=workspace_id, url="https://hooks.example/x", secret="s", events=[])
        session.add_all([account, endpoint])
        session.flush()
        session.add_all([
            MessageRevision(message_id=message_id, subject="Hello Anna", body="Dear Anna Schmidt, ...",
                            review_state="edited"),
            LinkedinTask(workspace_id=workspace_id, message_id=message_id, kind="invite",
                         profile_url="https://www.linkedin.com/in/anna-schmidt-4a1b2c", text="Hi Anna Schmidt"),
            InboundMessage(workspace_id=workspace_id, account_id=account.id, message_id="<1@nordwind-logistik.de>",
                           raw=MAIL.format(id=1).encode(), lead_id=anna.id, enrollment_id=enrollment_id, kind="reply"),
            InboundMessage(workspace_id=workspace_id, account_id=account.id, message_id="<2@nordwind-logistik.de>",
                           raw=MAIL.format(id=2).encode(), lead_id=None, kind="reply"),
            Job(workspace_id=workspace_id, kind="import", params={"path": "/tmp/x.csv"},
                result={"rejected_rows": [{"row": 3, "value": "Schmidt, Anna <ANNA.SCHMIDT@nordwind-logistik.de>"}]}),
            WebhookDelivery(endpoint_id=endpoint.id, event_kind="reply", payload={
                "lead": {"name": "Anna Schmidt", "email": "anna.schmidt@nordwind-logistik.de"}}),
            EnrichmentCache(provider="finder", key="anna.schmidt@nordwind-logistik.de", data={"found": True}),
        ])
        record(session, workspace_id, "replied", lead_id=anna.id, channel="email")
        record(session, workspace_id, "alert", subject="account:1",
               detail="bounce for anna.schmidt@nordwind-logistik.de")
        other = session.get(type(ben), ben.id)
        other.profile = {**other.profile, "custom": {"Referred by": "Anna Schmidt (anna-schmidt-4a1b2c)"}}
    return anna.id


def readable_mentions(db) -> list[tuple[str, str]]:
    """Every (table, value) in the whole database holding one of the needles, case-insensitively: text,
    JSON (both ASCII-escaped and not) and raw bytes."""
    found = []
    with db.engine.connect() as connection:
        for table in inspect(db.engine).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')).mappings():
                for value in row.values():
                    if value is None or isinstance(value, int | float):
                        continue
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("utf-8", "replace")
                    texts = [str(value)]
                    if isinstance(value, dict | list):
                        texts = [json.dumps(value, ensure_ascii=False), json.dumps(value)]
                    for needle in NEEDLES:
                        if any(needle.lower() in t.lower() for t in texts):
                            found.append((table, needle))
    return found


def test_export_person_holds_everything(db, workspace_id, tmp_path):
    lead_id = person_everywhere(db, workspace_id, tmp_path)
    with db.sessions() as session:
        lead = find_person(session, workspace_id, email="ANNA.SCHMIDT@nordwind-logistik.de")
        assert lead.id == lead_id == find_person(session, workspace_id, linkedin="in/anna-schmidt-4a1b2c").id
        data = json.loads(json.dumps(export_person(session, workspace_id, lead), default=str))
    assert data["lead"]["email"] == "anna.schmidt@nordwind-logistik.de"
    assert data["company"]["domain"] == "nordwind-logistik.de"
    assert {p["source"] for p in data["provenance"]} == {"import:crm.csv#row=2", "import:fair.csv#row=2"}
    assert any(p["value"] == "anna.private@gmail.com" and p["conflict"] for p in data["provenance"])
    assert {g["name"] for g in data["source_groups"]} == {"crm.csv", "fair.csv"}
    assert len(data["enrollments"]) == 1
    (message,) = data["messages"]
    assert message["revisions"][0]["body"] == "Dear Anna Schmidt, ..." and message["linkedin_task"]["kind"] == "invite"
    assert {e["kind"] for e in data["events"]} == {"replied"}
    assert [m["message_id"] for m in data["inbound_messages"]] == ["<1@nordwind-logistik.de>",
                                                                  "<2@nordwind-logistik.de>"]
    assert "Anna Schmidt here" in data["inbound_messages"][1]["raw"]
    assert data["suppression"] == {"contactable": True, "entries": []}
    assert {m["table"] for m in data["mentions_elsewhere"]} >= {"events", "jobs", "webhook_deliveries",
                                                                 "enrichment_cache", "leads"}


def test_erasure_leaves_nothing_readable_and_the_person_never_comes_back(db, workspace_id, tmp_path):
    lead_id = person_everywhere(db, workspace_id, tmp_path)
    assert readable_mentions(db)  # the scan finds them before
    with db.transaction() as session:
        lead = find_person(session, workspace_id, lead_id=lead_id)
        report = erase_person(session, workspace_id, lead).as_dict()
    assert report["deleted"]["leads"] == 1 and report["deleted"]["inbound_messages"] == 2
    assert report["deleted"]["enrichment_cache"] == 1 and report["suppression_entries"] == 4
    assert readable_mentions(db) == []
    with db.sessions() as session:
        kinds = sorted(session.scalars(select(Suppression.kind).where(Suppression.reason == "erasure")))
        assert kinds == ["email", "email", "linkedin", "name_domain"]
        assert session.scalar(select(Event.kind).where(Event.kind == "person_erased")) == "person_erased"
        assert [lead.full_name for lead in all_leads(db, workspace_id)] == ["Ben Other"]
        with pytest.raises(NotFound):
            find_person(session, workspace_id, email="anna.schmidt@nordwind-logistik.de")
    again = import_file(db, workspace_id, tmp_path / "crm.csv")
    assert (again.new, again.suppressed_by) == (0, {"erasure": 1})
    assert import_file(db, workspace_id, tmp_path / "fair.csv").suppressed_by == {"erasure": 1}
    for fields in ({"email": "anna.private@gmail.com", "name": "A S"}, {"linkedin": "anna-schmidt-4a1b2c"},
                   {"name": "Anna Schmidt", "domain": "nordwind-logistik.de"}):
        with db.transaction() as session, pytest.raises(Suppressed, match="asked to be erased"):
            add_manual_lead(session, workspace_id, fields)
    assert readable_mentions(db) == []


def test_a_namesake_is_another_person_and_stays(db, workspace_id, tmp_path):
    path = write_csv(tmp_path / "two.csv", ["Name", "Email", "Company"], [
        ["Anna Schmidt", "anna@nordwind.de", "Nordwind"], ["Anna Schmidt", "anna.schmidt@suedwind.it", "Suedwind"]])
    import_file(db, workspace_id, path)
    first, second = all_leads(db, workspace_id)
    with db.transaction() as session:
        erase_person(session, workspace_id, find_person(session, workspace_id, lead_id=first.id))
    (kept,) = all_leads(db, workspace_id)
    assert (kept.id, kept.full_name, kept.email) == (second.id, "Anna Schmidt", "anna.schmidt@suedwind.it")


def test_requests_name_exactly_one_person_of_this_workspace(db, workspace_id):
    with db.sessions() as session:
        with pytest.raises(NotFound):
            find_person(session, workspace_id, lead_id=999)
        with pytest.raises(Exception, match="exactly one"):
            find_person(session, workspace_id, lead_id=1, email="a@b.de")
        with pytest.raises(Exception, match="email"):
            find_person(session, workspace_id, email="not an address")
