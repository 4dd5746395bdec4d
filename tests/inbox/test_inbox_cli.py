"""`outboard inbox classify`: tables for people, JSON for scripts, one clear line for bad paths."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from outboard.cli import app

CORPUS = Path(__file__).parent / "corpus"
runner = CliRunner()


def test_classify_prints_class_fields_and_reasons() -> None:
    result = runner.invoke(app, ["inbox", "classify", str(CORPUS / "bounce_postfix_user_unknown.eml")])
    assert result.exit_code == 0, result.output
    assert "bounce (hard)" in result.output and "j.whitmore@acme-logistics.example" in result.output
    assert "5.1.1" in result.output and "reason" in result.output


def test_classify_json_for_several_files() -> None:
    files = [CORPUS / "ooo_fr_retour.eml", CORPUS / "reply_meeting_request.eml"]
    result = runner.invoke(app, ["inbox", "classify", "--json", *map(str, files)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [d["kind"] for d in data] == ["out_of_office", "reply"]
    assert data[0]["return_date"] == "2026-03-03" and data[1]["label"] == "meeting_request"
    assert data[0]["reasons"] and data[0]["classifier_version"]


def test_classify_a_folder(tmp_path: Path) -> None:
    (tmp_path / "a.eml").write_bytes((CORPUS / "optout_alias_token.eml").read_bytes())
    (tmp_path / "b.eml").write_bytes(b"")
    result = runner.invoke(app, ["inbox", "classify", "--json", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert [d["kind"] for d in json.loads(result.stdout)] == ["opt_out", "unparseable"]


def test_bad_paths_give_one_clear_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["inbox", "classify", str(tmp_path / "missing.eml")])
    assert result.exit_code == 1
    assert "no such file or folder" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["inbox", "classify", str(tmp_path)])
    assert result.exit_code == 1 and "no .eml files" in result.output
