"""`outboard import` and `outboard leads`: JSON for scripts, tables for people, one clear line on errors."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from outboard.cli import app
from outboard.team.workspaces import create_workspace
from tests.sources.import_helpers import DATA, all_leads

runner = CliRunner()
SUMMARY_KEYS = {"job", "file", "group", "group_id", "preset", "mapping", "rows", "new", "merged", "updated",
                "duplicates", "suppressed", "suppressed_by", "rejected", "rejected_rows", "warnings", "warning_rows",
                "conflicts", "conflict_rows", "ambiguous", "ambiguous_rows", "leads_merged", "companies_created",
                "last_row", "seconds", "rows_per_second"}


def cli(*args: str, code: int = 0):
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result


def test_import_prints_a_json_summary_and_runs_again_without_storing_twice(rt, workspace_id):
    data = json.loads(cli("import", str(DATA / "hubspot.csv"), "--json").stdout)
    assert set(data) == SUMMARY_KEYS
    assert (data["preset"], data["rows"], data["new"], data["rejected"]) == ("hubspot", 4, 3, 1)
    assert data["rejected_rows"] == [{"row": 5, "field": "identity", "value": "Ana Müller", "reason": (
        "only a name: add an email, a LinkedIn profile or a company to tell this person apart "
        "(email not an email address (no @))")}]
    again = json.loads(cli("import", str(DATA / "hubspot.csv"), "--json", "--group", "hubspot.csv").stdout)
    assert (again["new"], again["merged"], again["job"]) == (0, 3, data["job"] + 1)


def test_import_for_people_and_one_line_errors(rt, workspace_id, tmp_path):
    result = cli("import", str(DATA / "generic_de.csv"), "--group", "Messe 2024")
    assert "Messe 2024" in result.stdout and "new leads" in result.stdout and "10 columns" in result.stdout
    (tmp_path / "empty.csv").write_bytes(b"")
    result = cli("import", str(tmp_path / "empty.csv"), code=1)
    assert result.output.strip() == "error: file: the file is empty (got 'empty.csv')"
    assert "no such file" in cli("import", str(tmp_path / "nope.csv"), code=1).output
    assert "unknown preset" in cli("import", str(DATA / "apollo.csv"), "--preset", "crm", code=1).output


def test_leads_list_filters_and_pages(rt, workspace_id):
    cli("import", str(DATA / "sales_navigator.csv"))
    cli("import", str(DATA / "linkedin_connections.csv"))
    first = json.loads(cli("leads", "list", "--json", "--limit", "4").stdout)
    assert [r["id"] for r in first["leads"]] == [9, 8, 7, 6] and first["next_after"] == 6
    rest = json.loads(cli("leads", "list", "--json", "--after", "6").stdout)
    assert [r["id"] for r in rest["leads"]] == [5, 4, 3, 2, 1] and rest["next_after"] is None
    group = json.loads(cli("leads", "list", "--json", "--group", "linkedin_connections.csv").stdout)
    assert len(group["leads"]) == 4
    found = json.loads(cli("leads", "list", "--json", "--search", "Anna.Schmidt@nordwind-logistik.de").stdout)
    assert [r["full_name"] for r in found["leads"]] == ["Anna Schmidt"]
    assert len(json.loads(cli("leads", "list", "--json", "--stage", "Discovered").stdout)["leads"]) == 9
    assert json.loads(cli("leads", "list", "--json", "--stage", "replied").stdout)["leads"] == []
    assert "unknown stage" in cli("leads", "list", "--stage", "won", code=1).output
    assert "source group 'nope' not found" in cli("leads", "list", "--group", "nope", code=1).output
    assert "Schmidt" in cli("leads", "list").stdout


def test_leads_show_and_add(rt, workspace_id):
    cli("import", str(DATA / "sales_navigator.csv"))
    added = json.loads(cli("leads", "add", "--name", "Jon Smith", "--email", "Jon@Acme.io", "--company", "Acme Inc",
                           "--field", "Met at=Booth 12", "--json").stdout)
    assert added["outcome"] == "new" and added["email"] == "jon@acme.io"
    again = json.loads(cli("leads", "add", "--email", "jon@acme.io", "--title", "CTO", "--json").stdout)
    assert (again["id"], again["outcome"]) == (added["id"], "merged")
    detail = json.loads(cli("leads", "show", str(added["id"]), "--json").stdout)
    assert detail["title"] == "CTO" and detail["profile"]["custom"] == {"Met at": "Booth 12"}
    assert detail["company"]["name"] == "Acme Inc" and detail["source_groups"][0]["name"] == "Manual leads"
    assert [p["source"] for p in detail["provenance"]] == ["manual", "manual"]
    assert [e["kind"] for e in detail["events"]] == ["lead_added"]
    shown = cli("leads", "show", "1").stdout
    assert "Anna Schmidt" in shown and "Provenance" in shown and "sales_navigator.csv" in shown
    assert "lead 999 not found" in cli("leads", "show", "999", code=1).output
    assert "email" in cli("leads", "add", "--name", "X Y", "--email", "x@@y", code=1).output


def test_a_group_exported_to_csv_imports_again_as_the_same_leads(rt, workspace_id, tmp_path):
    cli("import", str(DATA / "apollo.csv"))
    out = tmp_path / "apollo-export.csv"
    cli("leads", "export", "--group", "apollo.csv", "--out", str(out))
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 4 and rows[0]["Email"] == "sarah.oconnor@brightlineanalytics.com"
    assert rows[1]["Company Size"] == "45" and rows[1]["Apollo Contact Id"] == "64f1a2b3c4d5e6f708192a3c"
    with rt.db.transaction() as session:
        other, _, _ = create_workspace(session, "Other Team", "other@acme.test", "correct horse battery")
    cli("import", str(out), "--workspace", "other-team", "--preset", "generic")  # its columns, not Apollo's

    def facts(ws: int) -> set[tuple]:
        return {(lead.full_name, lead.email, lead.linkedin_id, lead.phone, lead.city, lead.country, lead.title)
                for lead in all_leads(rt.db, ws)}

    assert facts(other.id) == facts(workspace_id)
    assert "source group" in cli("leads", "export", "--group", "missing", code=1).output


def test_export_person_and_erase_from_the_command_line(rt, workspace_id, tmp_path):
    cli("import", str(DATA / "sales_navigator.csv"))
    out = tmp_path / "anna.json"
    cli("leads", "export-person", "--linkedin", "https://www.linkedin.com/in/anna-schmidt-4a1b2c", "--out", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["lead"]["full_name"] == "Anna Schmidt" and data["provenance"][0]["field"] == "*"
    assert "exactly one" in cli("leads", "erase", "1", "--linkedin", "x", "--yes", code=1).output
    assert cli("leads", "erase", "--linkedin", "in/anna-schmidt-4a1b2c", code=1).output.strip().endswith("Aborted.")
    report = json.loads(cli("leads", "erase", "--linkedin", "in/anna-schmidt-4a1b2c", "--yes", "--json").stdout)
    assert report["deleted"]["leads"] == 1 and report["suppression_entries"] >= 2
    assert "not found" in cli("leads", "show", str(report["lead_id"]), code=1).output
    summary = json.loads(cli("import", str(DATA / "sales_navigator.csv"), "--json").stdout)
    assert summary["suppressed_by"] == {"erasure": 1} and summary["merged"] == 5


@pytest.mark.parametrize("command", [["import", "--help"], ["leads", "--help"], ["leads", "erase", "--help"]])
def test_help_texts(command):
    assert cli(*command).stdout
