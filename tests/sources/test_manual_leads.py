"""Leads entered by hand take the import's path: normalised, deduplicated, checked against the suppression
list, with provenance "manual"; what was typed wrong is an error, not a silently dropped value."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from outboard.core.errors import ValidationError
from outboard.db.models import Event, SourceGroup, SourceGroupMember
from outboard.db.suppressions import suppress
from outboard.sources.importer import import_file
from outboard.sources.manual import Suppressed, add_manual_lead
from tests.sources.import_helpers import DATA, all_leads, provenance


def test_a_person_typed_in_is_normalised_and_lands_in_the_manual_group(db, workspace_id):
    with db.transaction() as session:
        lead, outcome = add_manual_lead(session, workspace_id, {
            "name": "DR. ANNA-LENA VON DER HEIDE", "email": " Anna.Heide@Nordwind-Logistik.DE ",
            "linkedin": "https://de.linkedin.com/in/annalena-heide/?trk=x", "company": "Nordwind Logistik GmbH",
            "title": "Head of Sales", "Met at": "LogiMAT 2026"}, None)
        assert outcome == "new"
        assert (lead.full_name, lead.email, lead.linkedin_id) == (
            "Anna-Lena von der Heide", "anna.heide@nordwind-logistik.de", "annalena-heide")
        assert lead.profile["name"] == {"honorific": "Dr."} and lead.profile["custom"] == {"Met at": "LogiMAT 2026"}
        group = session.scalar(select(SourceGroup).join(SourceGroupMember).where(SourceGroupMember.lead_id == lead.id))
        assert (group.name, group.kind) == ("Manual leads", "manual")
        assert session.scalar(select(Event.kind).where(Event.lead_id == lead.id)) == "lead_added"
    (star,) = provenance(db, lead.id)
    assert (star["field"], star["source"]) == ("*", "manual")


def test_adding_someone_already_known_merges_instead_of_duplicating(db, workspace_id):
    import_file(db, workspace_id, DATA / "sales_navigator.csv")
    with db.transaction() as session:
        lead, outcome = add_manual_lead(session, workspace_id, {
            "linkedin": "linkedin.com/in/anna-schmidt-4a1b2c", "phone": "+49 89 12345678",
            "title": "Chief Revenue Officer"}, "Trade fair")
        assert outcome == "merged" and lead.full_name == "Anna Schmidt"
        assert (lead.phone, lead.title) == ("+498912345678", "Head of Sales")
    rows = provenance(db, lead.id)
    assert {"field": "phone", "value": "+498912345678", "source": "manual", "is_current": True,
            "conflict": False} in rows
    assert {"field": "title", "value": "Chief Revenue Officer", "source": "manual", "is_current": False,
            "conflict": True} in rows
    assert len(all_leads(db, workspace_id)) == 6


NOT_A_LEAD = [
    ({"name": "Anna Schmidt", "email": "anna@@nordwind"}, "email", ""),
    ({"name": "Anna Schmidt", "linkedin": "https://www.linkedin.com/company/nordwind"}, "linkedin_url", "company"),
    ({"name": "Anna Schmidt"}, "identity", "only a name"),
    ({"company": "Nordwind"}, "identity", "no name, email or LinkedIn"),
    ({}, "identity", ""),
]


def test_what_cannot_be_a_lead_is_an_error_and_stores_nothing(db, workspace_id):
    for fields, field, reason in NOT_A_LEAD:
        with db.transaction() as session, pytest.raises(ValidationError) as caught:
            add_manual_lead(session, workspace_id, fields)
        assert caught.value.field == field and reason in caught.value.reason, fields
    assert all_leads(db, workspace_id) == []


def test_suppressed_people_are_refused(db, workspace_id):
    for kind, value, reason, message in [
        ("domain", "nordwind.de", "blocklist", "suppression list (blocklist)"),
        ("email", "anna@nordwind.de", "opt_out", "suppression list (opt out)"),  # the strongest reason is said
        ("linkedin", "anna-schmidt", "erasure", "asked to be erased"),
    ]:
        with db.transaction() as session:
            suppress(session, workspace_id, kind, value, reason)
        with db.transaction() as session, pytest.raises(Suppressed, match=re.escape(message)):
            add_manual_lead(session, workspace_id, {"name": "Anna Schmidt", "email": "Anna@Nordwind.de",
                                                    "linkedin": "in/anna-schmidt"})
    assert all_leads(db, workspace_id) == []
