"""Importing files into a workspace: every preset's file, dedup against the workspace, merges with
provenance, conflicts, suppression, folding leads a row shows to be one person, the job, and imports that
stop half-way (an exception between batches, a SIGKILL) and are run again."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest
from bench.bench_normalize import make_rows
from sqlalchemy import delete, func, select, update

from outboard.db.models import Company, Enrollment, Event, FieldProvenance, Job, Lead, SourceGroup, SourceGroupMember
from outboard.db.suppressions import suppress
from outboard.jobs.runner import submit
from outboard.sources.importer import ImportOptions, import_file
from outboard.sources.tasks import KIND, import_params
from tests.sources.import_helpers import (
    DATA,
    FIXTURES,
    all_leads,
    enroll,
    identity_keys,
    leads_by_email,
    provenance,
    table_counts,
    write_csv,
)

EXPECTED = {  # file: (preset, new, rejected rows)
    "sales_navigator.csv": ("sales_navigator", 6, []), "apollo.csv": ("apollo", 4, []),
    "hubspot.csv": ("hubspot", 3, [5]), "linkedin_connections.csv": ("linkedin_connections", 4, []),
    "generic_de.csv": ("generic", 3, [6]), "enrichment.jsonl": ("generic", 2, []),
    "crm_custom.tsv": ("generic", 2, []),
}


def test_each_preset_file_imports(db, workspace_id):
    for name in sorted(FIXTURES):
        with db.transaction() as session:  # each file on its own: no merges between them
            session.execute(delete(Lead))
        summary = import_file(db, workspace_id, DATA / name, ImportOptions(**FIXTURES[name]))
        preset, new, rejected = EXPECTED[name]
        assert (summary.preset, summary.new, [r["row"] for r in summary.rejected_rows]) == (preset, new, rejected)
        assert summary.merged == summary.duplicates == summary.suppressed == 0
        leads = all_leads(db, workspace_id)
        assert len(leads) == new
        with db.sessions() as session:
            group = session.scalar(select(SourceGroup).where(SourceGroup.name == name))
            assert group.kind == "import" and group.query["last_import"]["new"] == new
            assert session.scalar(select(func.count()).select_from(SourceGroupMember)
                                  .where(SourceGroupMember.source_group_id == group.id)) == new
            # Each lead says where it came from: one "*" row naming every field it was created with.
            for lead in leads:
                star = session.scalars(select(FieldProvenance).where(FieldProvenance.lead_id == lead.id)).one()
                assert star.field == "*" and star.source.startswith(f"import:{name}#row=") and star.is_current


def test_what_each_preset_brings_lands_in_the_right_place(db, workspace_id):
    for name, options in FIXTURES.items():
        import_file(db, workspace_id, DATA / name, ImportOptions(**options))
    leads = leads_by_email(db, workspace_id)
    by_linkedin = {lead.linkedin_id: lead for lead in all_leads(db, workspace_id) if lead.linkedin_id}
    anna = by_linkedin["anna-schmidt-4a1b2c"]  # Sales Navigator, then LinkedIn connections (the email)
    assert anna.email == "anna.schmidt@nordwind-logistik.de"
    assert anna.linkedin_connected_at == datetime(2021, 9, 11, tzinfo=UTC)
    assert (anna.city, anna.region, anna.country, anna.timezone) == ("Munich", "Bavaria", "DE", "Europe/Berlin")
    assert anna.profile["custom"]["Connection Degree"] == "2nd"
    with db.sessions() as session:
        company = session.get(Company, anna.company_id)
        assert (company.name, company.domain, company.size, company.industry) == (
            "Nordwind Logistik GmbH", "nordwind-logistik.de", 51, "Logistics")
        assert company.facts["size_band"] == "51-200" and company.facts["clean_name"] == "Nordwind Logistik"
        groups = set(session.scalars(select(SourceGroup.name).join(
            SourceGroupMember, SourceGroupMember.source_group_id == SourceGroup.id)
            .where(SourceGroupMember.lead_id == anna.id)))
        assert groups == {"sales_navigator.csv", "linkedin_connections.csv"}
    assert by_linkedin["lena-van-der-berg-3c742a1b"].last_name == "van der Berg"  # the old /pub/ URL
    assert leads["j.mueller@mueller-soehne.de"].full_name == "Jürgen Müller"  # mixed-case email
    assert leads["bjorn.akesson@nordicheat.se"].full_name == "Björn Åkesson"  # Windows-1252 file
    assert leads["tom.baker@harbourfreight.co.uk"].phone == "+447700900123"  # the mobile comes first
    katrin = leads["k.vogel@helix-pharma.de"]  # "sep=;" file with a duplicated E-Mail column
    assert katrin.profile["name"] == {"honorific": "Dr."}
    assert "katrin.vogel@gmail.com" in katrin.profile["custom"].values()
    assert by_linkedin["olga-smirnova-5521a"].full_name == "Ольга Смирнова"
    assert leads["amara@lagospay.ng"].profile["custom"]["tags"] == '["fintech", "series-b"]'  # JSONL
    assert "Segment" not in leads["sofia.rossi@vinoteca.it"].profile.get("custom", {})  # ignored by the mapping


def test_running_the_same_imports_again_changes_nothing(db, workspace_id):
    for name, options in FIXTURES.items():
        import_file(db, workspace_id, DATA / name, ImportOptions(**options))
    before = table_counts(db)
    stamps = {lead.id: lead.updated_at for lead in all_leads(db, workspace_id)}
    summaries = [import_file(db, workspace_id, DATA / name, ImportOptions(**options))
                 for name, options in FIXTURES.items()]
    assert all(s.new == 0 and s.conflicts == 0 and s.updated == 0 for s in summaries)
    assert sum(s.merged for s in summaries) == sum(e[1] for e in EXPECTED.values())
    after = table_counts(db)
    assert after.pop("events") == before.pop("events") + len(FIXTURES)  # one "import_finished" per run
    assert after == before
    assert {lead.id: lead.updated_at for lead in all_leads(db, workspace_id)} == stamps


def test_new_facts_merge_with_provenance_and_different_ones_are_conflicts(db, workspace_id, tmp_path):
    header = ["First Name", "Last Name", "Email", "Title", "Company", "Website", "Phone", "Country"]
    first = write_csv(tmp_path / "crm.csv", header, [
        ["Anna", "Schmidt", "anna@nordwind.de", "Head of Sales", "Nordwind GmbH", "nordwind.de", "", "DE"]])
    second = write_csv(tmp_path / "event.csv", header, [
        ["ANNA", "SCHMIDT", "Anna@Nordwind.DE", "VP Sales", "Nordwind", "", "+49 30 1234567", "Germany"]])
    import_file(db, workspace_id, first)
    summary = import_file(db, workspace_id, second)
    assert (summary.new, summary.merged, summary.updated, summary.conflicts) == (0, 1, 1, 1)
    assert summary.conflict_rows == [{"row": 2, "lead_id": summary.conflict_rows[0]["lead_id"], "field": "title",
                                      "old": "Head of Sales", "new": "VP Sales"}]
    (lead,) = all_leads(db, workspace_id)
    assert (lead.title, lead.phone) == ("Head of Sales", "+49301234567")  # kept / added
    rows = provenance(db, lead.id)
    assert {"field": "phone", "value": "+49301234567", "source": "import:event.csv#row=2", "is_current": True,
            "conflict": False} in rows
    assert {"field": "title", "value": "VP Sales", "source": "import:event.csv#row=2", "is_current": False,
            "conflict": True} in rows
    again = import_file(db, workspace_id, second)  # the same conflict is not recorded twice
    assert (again.conflicts, again.updated) == (0, 0) and len(provenance(db, lead.id)) == len(rows)


def test_duplicates_inside_a_file_become_one_lead(db, workspace_id, tmp_path):
    path = write_csv(tmp_path / "list.csv", ["Name", "Email", "LinkedIn", "Company", "Website", "City"], [
        ["Jonathan Smith", "jon@acme.io", "", "Acme Inc.", "acme.io", ""],
        ["Jon Smith", "", "https://www.linkedin.com/in/jon-smith-1/", "ACME", "acme.io", "Berlin"],
        ["J. Smith", "JON@ACME.IO", "", "", "", ""],
        ["Jon Smith", "", "linkedin.com/in/jon-smith-1?trk=x", "", "", ""],
        ["Daniela Smith", "", "", "Acme", "acme.io", ""],  # not Daniel(a)'s brother: another person
    ])
    summary = import_file(db, workspace_id, path, ImportOptions(batch_size=2))  # across batches too
    assert (summary.new, summary.duplicates, summary.merged) == (2, 3, 0)
    jon = leads_by_email(db, workspace_id)["jon@acme.io"]
    assert (jon.first_name, jon.linkedin_id, jon.city) == ("Jonathan", "jon-smith-1", "Berlin")
    assert {p["field"] for p in provenance(db, jon.id) if p["conflict"]} == {"first_name"}


def test_suppressed_people_are_counted_and_not_stored(db, workspace_id, tmp_path):
    with db.transaction() as session:
        suppress(session, workspace_id, "email", "blocked@acme.io", "blocklist")
        suppress(session, workspace_id, "domain", "competitor.com", "blocklist")
        suppress(session, workspace_id, "linkedin", "opted-out-person", "opt_out")
    path = write_csv(tmp_path / "list.csv", ["Name", "Email", "LinkedIn", "Website"], [
        ["Bea Blocked", "Blocked@ACME.io", "", ""],
        ["Carl Rival", "carl@competitor.com", "", ""],
        ["Cora Rival", "cora@gmail.com", "", "https://www.competitor.com"],  # the company is blocked
        ["Otto Out", "otto@elsewhere.org", "https://linkedin.com/in/opted-out-person", ""],
        ["Fine Person", "fine@elsewhere.org", "", ""],
    ])
    summary = import_file(db, workspace_id, path)
    assert (summary.new, summary.suppressed, summary.suppressed_by) == (1, 4, {"blocklist": 3, "opt_out": 1})
    assert set(leads_by_email(db, workspace_id)) == {"fine@elsewhere.org"}
    with db.sessions() as session:  # nothing about them: no company, no provenance
        assert session.scalar(select(func.count()).select_from(Company)) == 1


def test_a_row_showing_two_leads_are_one_person_folds_them(db, workspace_id, tmp_path):
    header = ["Name", "Email", "LinkedIn", "Title"]
    import_file(db, workspace_id, write_csv(tmp_path / "a.csv", header, [["Ines Lopez", "ines@x.io", "", "CTO"]]))
    import_file(db, workspace_id, write_csv(tmp_path / "b.csv", header,
                                            [["Ines Lopez", "", "linkedin.com/in/ines-lopez", "VP"]]))
    assert len(all_leads(db, workspace_id)) == 2
    summary = import_file(db, workspace_id, write_csv(tmp_path / "c.csv", header,
                                                      [["Ines Lopez", "ines@x.io", "linkedin.com/in/ines-lopez", ""]]))
    assert (summary.leads_merged, summary.ambiguous) == (1, 0)
    (lead,) = all_leads(db, workspace_id)
    assert (lead.email, lead.linkedin_id, lead.title) == ("ines@x.io", "ines-lopez", "CTO")
    rows = provenance(db, lead.id)
    assert {"field": "title", "value": "VP", "source": f"lead:{lead.id + 1}", "is_current": False,
            "conflict": True} in rows
    with db.sessions() as session:
        groups = session.scalars(select(SourceGroupMember.source_group_id).where(SourceGroupMember.lead_id == lead.id))
        assert len(list(groups)) == 3
        assert session.scalar(select(Event.kind).where(Event.lead_id == lead.id, Event.kind == "leads_merged"))


def test_leads_with_outreach_history_are_never_folded(db, workspace_id, tmp_path):
    header = ["Name", "Email", "LinkedIn"]
    import_file(db, workspace_id, write_csv(tmp_path / "a.csv", header, [["Ines Lopez", "ines@x.io", ""]]))
    import_file(db, workspace_id, write_csv(tmp_path / "b.csv", header, [["Ines L", "", "in/ines-lopez"]]))
    second = all_leads(db, workspace_id)[1]
    enroll(db, workspace_id, second.id)
    summary = import_file(db, workspace_id, write_csv(tmp_path / "c.csv", header,
                                                      [["Ines Lopez", "ines@x.io", "in/ines-lopez"]]))
    assert (summary.leads_merged, summary.ambiguous, summary.merged) == (0, 1, 1)
    assert summary.ambiguous_rows[0]["other_lead_id"] == second.id
    assert len(all_leads(db, workspace_id)) == 2
    with db.sessions() as session:
        assert session.scalar(select(Enrollment.lead_id)) == second.id


def test_the_import_job_reports_progress_and_remembers_the_summary(rt, workspace_id):
    job_id = submit(rt, workspace_id, KIND, import_params(DATA / "apollo.csv"))  # immediate backend: runs now
    with rt.db.sessions() as session:
        job = session.get(Job, job_id)
        assert (job.state, job.done, job.total) == ("succeeded", 4, 4)
        assert job.result["new"] == 4 and job.result["file"] == "apollo.csv" and "checkpoint" not in job.result
        assert session.scalar(select(Event.kind).where(Event.subject.like("source_group:%"),
                                                       Event.kind == "import_finished")) == "import_finished"


class Stop(Exception):
    pass


def test_an_interrupted_import_leaves_whole_batches_and_resumes_from_its_checkpoint(db, workspace_id, tmp_path):
    rows = make_rows(700, seed=3)
    path = tmp_path / "big.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    saved: dict[str, object] = {}

    def checkpoint(session, state):  # written in the batch's own transaction, as the job does
        saved["state"] = state

    def stop_after_two_batches(done, total, message):
        if done >= 200:
            raise Stop  # Ctrl-C between batches: whatever was committed is whole

    options = ImportOptions(batch_size=100)
    with pytest.raises(Stop):
        import_file(db, workspace_id, path, options, progress=stop_after_two_batches, checkpoint=checkpoint)
    partial = all_leads(db, workspace_id)
    assert 0 < len(partial) < 700
    with db.sessions() as session:  # every lead stored so far is complete: provenance and membership
        for lead in partial:
            assert session.scalar(select(func.count()).select_from(FieldProvenance)
                                  .where(FieldProvenance.lead_id == lead.id)) >= 1
            assert session.scalar(select(func.count()).select_from(SourceGroupMember)
                                  .where(SourceGroupMember.lead_id == lead.id)) == 1
    resumed = import_file(db, workspace_id, path, options, resume=saved["state"])  # the job restarted
    assert resumed.rows == 700 and resumed.new + resumed.duplicates + resumed.rejected == 700
    keys = identity_keys(db, workspace_id)
    reference = import_file(db, workspace_id, path, ImportOptions(group="again"))  # a new job: all merges
    assert reference.new == 0 and identity_keys(db, workspace_id) == keys


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_killing_the_import_process_leaves_no_half_written_lead(db, workspace_id, tmp_path, database_url):
    rows = make_rows(1200, seed=5)
    path = tmp_path / "big.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OUTBOARD_")}
    env.update(OUTBOARD_DATABASE_URL=database_url, OUTBOARD_JOB_BACKEND="immediate")
    command = [sys.executable, "-m", "outboard", "import", str(path), "--json", "--batch-size", "100"]
    # Two worker processes in the killed run: the parent dies with chunks in flight.
    process = subprocess.Popen([*command, "--workers", "2"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(all_leads(db, workspace_id)) < 100 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    partial = all_leads(db, workspace_id)
    assert 0 < len(partial) < 1200, process.stderr.read().decode()[-2000:]
    with db.sessions() as session:
        members = session.scalar(select(func.count()).select_from(SourceGroupMember))
        with_provenance = session.scalar(select(func.count(func.distinct(FieldProvenance.lead_id))))
    assert members == with_provenance == len(partial)  # batches are whole: no lead without the rest
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    with db.transaction() as session:  # the killed job stays "running"; a fresh import finished the file
        session.execute(update(Job).where(Job.state == "running").values(state="failed"))
    keys = identity_keys(db, workspace_id)
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Lead)) == len(keys)
    fresh = import_file(db, workspace_id, path, ImportOptions(group="check"))
    assert fresh.new == 0 and identity_keys(db, workspace_id) == keys


def test_rows_prepared_without_suppression_keys_are_still_screened(db, workspace_id):
    # An import into a workspace without a suppression list leaves the keys uncomputed; a list made
    # while it runs is still applied: the writer computes them (the same function the workers use).
    from outboard.sources.groups import group_for
    from outboard.sources.prepare import prepare_record, suppression_hashes
    from outboard.sources.store import LeadWriter

    rows = [prepare_record(n, {"full_name": name, "email": email}, hashes=False)
            for n, (name, email) in enumerate((("Bea Blocked", "Blocked@ACME.io"), ("Fine Person", "fine@x.org")), 2)]
    assert all(r.hashes is None for r in rows)
    with db.transaction() as session:
        suppress(session, workspace_id, "email", "blocked@acme.io", "blocklist")
        group = group_for(session, workspace_id, "late list", "import")
        result = LeadWriter(workspace_id, group.id, "import:late.csv").write_batch(session, rows)
    assert (result.new, dict(result.suppressed)) == (1, {"blocklist": 1})
    assert rows[0].hashes == suppression_hashes(rows[0].lead, rows[0].identity)
    assert set(leads_by_email(db, workspace_id)) == {"fine@x.org"}


def test_a_later_import_finds_a_lead_by_a_short_form_of_its_first_name(db, workspace_id, tmp_path):
    header = ["Name", "Email", "Company", "Website", "Title"]
    first = write_csv(tmp_path / "first.csv", header, [
        ["Jonathan Smith", "jonathan@acme.io", "Acme", "acme.io", ""],
        ["Joseph Smith", "joseph@acme.io", "Acme", "acme.io", ""],  # a namesake at the same company
        ["Jon Miller", "jon.miller@acme.io", "Acme", "acme.io", ""],  # another last name
    ])
    import_file(db, workspace_id, first)
    later = write_csv(tmp_path / "later.csv", header, [["Jon Smith", "", "Acme", "acme.io", "CFO"]])
    summary = import_file(db, workspace_id, later)
    assert (summary.new, summary.merged) == (0, 1)
    assert leads_by_email(db, workspace_id)["jonathan@acme.io"].title == "CFO"
