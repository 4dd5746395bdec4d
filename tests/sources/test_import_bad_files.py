"""Files that cannot be imported give one clear message and store nothing; rows that cannot be imported are
reported with their row number, field and reason while the good rows are stored."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from outboard.core.errors import ValidationError
from outboard.db.models import Company, FieldProvenance, Lead, SourceGroup
from outboard.sources.importer import ImportOptions, import_file
from tests.sources.import_helpers import DATA, all_leads, table_counts, write_csv


def _nothing_stored(db, before: dict[str, int]) -> None:
    assert table_counts(db) == before


UNUSABLE = [
    (b"", "the file is empty"),
    (b"\xef\xbb\xbf\r\n\r\n  \r\n", "the file is empty"),
    (b"First Name,Last Name,Email\r\n", "the file has a header row but no data rows"),
    (b"First Name;Last Name;Email\n;;\n;;\n", "the file has a header row but no data rows"),
    (os.urandom(4096).replace(b"\x00", b"\x01")[:2000] + b"\x00\x00\x01\x02" * 200, "not a text file"),
    (b"PK\x03\x04" + os.urandom(600), "Excel workbook or a ZIP archive"),
    (b"%PDF-1.7\n" + os.urandom(300), "a PDF document"),
]


def test_files_that_cannot_be_imported_say_why_and_store_nothing(db, workspace_id, tmp_path):
    before = table_counts(db)
    for number, (content, message) in enumerate(UNUSABLE):
        path = tmp_path / f"leads-{number}.csv"
        path.write_bytes(content)
        with pytest.raises(ValidationError) as caught:
            import_file(db, workspace_id, path)
        assert message in str(caught.value) and caught.value.field == "file", content[:40]
    _nothing_stored(db, before)


def test_a_wrong_encoding_is_refused_before_anything_is_stored(db, workspace_id, tmp_path):
    before = table_counts(db)
    with pytest.raises(ValidationError, match="not valid utf-8"):
        import_file(db, workspace_id, DATA / "hubspot.csv", ImportOptions(encoding="utf-8"))  # it is Windows-1252
    with pytest.raises(ValidationError, match="unknown encoding 'klingon'"):
        import_file(db, workspace_id, DATA / "apollo.csv", ImportOptions(encoding="klingon"))
    _nothing_stored(db, before)


def test_utf16_without_a_bom_and_other_encodings_are_detected(db, workspace_id, tmp_path):
    rows = [["Zoë", "Lefèvre", "zoe@cafe-creme.fr"], ["Łukasz", "Żółć", "lukasz@firma.pl"]]
    write_csv(tmp_path / "u16.csv", ["First Name", "Last Name", "Email"], rows, encoding="utf-16-le")
    write_csv(tmp_path / "bom.csv", ["First Name", "Last Name", "Email"], rows, delimiter="\t", encoding="utf-8-sig")
    assert import_file(db, workspace_id, tmp_path / "u16.csv").new == 2
    assert import_file(db, workspace_id, tmp_path / "bom.csv").merged == 2
    assert {lead.full_name for lead in all_leads(db, workspace_id)} == {"Zoë Lefèvre", "Łukasz Żółć"}


def test_a_ten_megabyte_field_rejects_its_row_only(db, workspace_id, tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("Name,Email,Notes\r\n")
        handle.write("Ada Lovelace,ada@engine.org,short\r\n")
        handle.write('Huge Field,huge@example.org,"' + "x" * (10 << 20) + '"\r\n')
        handle.write("Alan Turing,alan@bletchley.uk,fine\r\n")
    summary = import_file(db, workspace_id, path)
    assert summary.new == 2 and summary.rejected == 1
    (rejected,) = summary.rejected_rows
    assert rejected["row"] == 3 and rejected["field"] == "record" and "longer than" in rejected["reason"]
    assert {lead.email for lead in all_leads(db, workspace_id)} == {"ada@engine.org", "alan@bletchley.uk"}


def test_rows_with_more_columns_than_the_header_are_rejected_with_their_number(db, workspace_id, tmp_path):
    path = tmp_path / "cols.csv"
    path.write_text("Name,Email\nAda Lovelace,ada@engine.org\nBad Row,bad@x.org,extra,cells\n"
                    "Trailing Commas,tc@x.org,,\n", encoding="utf-8")
    summary = import_file(db, workspace_id, path)
    assert summary.rejected_rows == [{"row": 3, "field": "columns", "reason": "4 columns but the header has 2"}]
    assert summary.new == 2  # empty trailing cells are not extra columns


def test_bad_jsonl_lines_and_unusable_rows_are_reported_one_by_one(db, workspace_id, tmp_path):
    path = tmp_path / "leads.jsonl"
    path.write_text("\n".join([
        json.dumps({"name": "Ada Lovelace", "email": "ada@engine.org"}),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"name": "Only A Name"}),
        json.dumps({"email": "not-an-address"}),
        json.dumps({"name": "Grace Hopper", "email": "grace@navy.mil", "phone": "12"}),
    ]) + "\n", encoding="utf-8")
    summary = import_file(db, workspace_id, path)
    assert summary.new == 2
    assert [(r["row"], r["field"]) for r in summary.rejected_rows] == [
        (2, "record"), (3, "record"), (4, "identity"), (5, "identity")]
    assert "not valid JSON" in summary.rejected_rows[0]["reason"]
    assert "email" in summary.rejected_rows[3]["reason"] or "identifies" in summary.rejected_rows[3]["reason"]
    assert summary.warning_rows[0]["row"] == 6 and summary.warning_rows[0]["field"] == "phone"


def test_unknown_presets_and_bad_mapping_files_are_refused_up_front(db, workspace_id, tmp_path):
    before = table_counts(db)
    with pytest.raises(ValidationError, match="unknown preset"):
        import_file(db, workspace_id, DATA / "apollo.csv", ImportOptions(preset="salesforce"))
    mapping = tmp_path / "map.toml"
    mapping.write_text('[columns]\nemail = "Mail Address"\n', encoding="utf-8")
    with pytest.raises(ValidationError, match="column 'Mail Address' is not in the file"):
        import_file(db, workspace_id, DATA / "apollo.csv", ImportOptions(mapping=str(mapping)))
    with pytest.raises(ValidationError, match="no such file"):
        import_file(db, workspace_id, tmp_path / "missing.csv")
    _nothing_stored(db, before)


def _refuse_a_name(db, name: str) -> None:
    """A real database-side refusal for one lead (as a broken constraint would), not a mock."""
    with db.engine.begin() as connection:
        if db.is_postgres:
            connection.execute(text(
                "CREATE FUNCTION refuse_lead() RETURNS trigger AS $$ BEGIN IF NEW.full_name = '" + name + "' THEN "
                "RAISE EXCEPTION 'refused by a check' USING ERRCODE = '23514'; END IF; RETURN NEW; END $$ "
                "LANGUAGE plpgsql"))
            connection.execute(text("CREATE TRIGGER refuse_lead BEFORE INSERT ON leads FOR EACH ROW "
                                    "EXECUTE FUNCTION refuse_lead()"))
        else:
            connection.execute(text(f"CREATE TRIGGER refuse_lead BEFORE INSERT ON leads WHEN NEW.full_name = '{name}' "
                                    "BEGIN SELECT RAISE(ABORT, 'refused by a check'); END"))


def _drop_refusal(db) -> None:
    with db.engine.begin() as connection:
        connection.execute(text("DROP TRIGGER refuse_lead ON leads" if db.is_postgres else "DROP TRIGGER refuse_lead"))
        if db.is_postgres:
            connection.execute(text("DROP FUNCTION refuse_lead()"))


def test_a_row_the_database_refuses_is_reported_and_its_batch_still_lands(db, workspace_id, tmp_path):
    rows = [[f"Person {i:02d}", f"p{i}@firm{i}.com", f"Firm {i}"] for i in range(12)]
    rows[7] = ["Crash Test", "crash@dummy.org", "Dummy Corp"]
    path = write_csv(tmp_path / "list.csv", ["Name", "Email", "Company"], rows)
    _refuse_a_name(db, "Crash Test")
    try:
        summary = import_file(db, workspace_id, path, ImportOptions(batch_size=5))
    finally:
        _drop_refusal(db)
    assert summary.new == 11 and summary.rejected == 1
    assert summary.rejected_rows[0]["row"] == 9 and "refused" in summary.rejected_rows[0]["reason"]
    with db.sessions() as session:  # the refused row left nothing: no lead, no company, no provenance
        assert session.scalar(select(func.count()).select_from(Lead)) == 11
        assert session.scalar(select(Company.id).where(Company.name == "Dummy Corp")) is None
        assert session.scalar(select(func.count(func.distinct(FieldProvenance.lead_id)))) == 11
    again = import_file(db, workspace_id, path)  # once the database accepts it, the row lands
    assert (again.new, again.merged) == (1, 11)


def test_a_file_of_only_bad_rows_stores_a_group_and_no_lead(db, workspace_id, tmp_path):
    path = write_csv(tmp_path / "bad.csv", ["Name", "Email"], [["Only Name", ""], ["", "nope"], ["X", "@"]])
    summary = import_file(db, workspace_id, path)
    assert (summary.new, summary.rejected) == (0, 3)
    assert all_leads(db, workspace_id) == []
    with db.sessions() as session:
        assert session.scalar(select(SourceGroup.name)) == "bad.csv"


def test_the_files_of_this_test_module_exist(tmp_path: Path):
    assert (DATA / "hubspot.csv").read_bytes().count(b"\xf6") > 0  # really Windows-1252
