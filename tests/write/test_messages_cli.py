"""`outboard messages`: generate with a progress bar, list, show, edit, approve, reject, regenerate, on a real
database; bad input ends with one clear line, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from outboard.cli import app
from outboard.runtime import Runtime
from tests.write.lab_setup import build_lab

runner = CliRunner()
CLAIM = "\n\nCongrats on closing your $40M Series C last week."


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.stdout


def _fails(args: list[str], *needles: str) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code != 0 and "Traceback" not in result.output, result.output
    assert len(result.output.strip().splitlines()) <= 2, result.output
    for needle in needles:
        assert needle in result.output, result.output
    return result.output


def test_write_review_approve_and_launch_from_the_command_line(rt: Runtime, workspace_id: int,
                                                               tmp_path: Path) -> None:
    lab = build_lab(rt, workspace_id, 3)
    seq = str(lab.sequence_id)
    preview = runner.invoke(app, ["messages", "generate", "--sequence", seq, "--leads", "2"])
    assert preview.exit_code == 0, preview.output
    assert "2 leads: 2 written (8 new messages" in preview.output and "16 credits" in preview.output
    assert "Writing sequence" in preview.output and "2/2" in preview.output  # the bar, fed from the job row
    report = json.loads(_ok(["messages", "generate", "--sequence", seq, "--writer", "composer", "--json"]))
    assert (report["leads"], report["written"], report["unchanged"], report["credits"]) == (3, 1, 2, 8)
    assert report["job"] >= 1 and report["failures"] == []

    rows = json.loads(_ok(["messages", "list", "--sequence", seq, "--json"]))
    assert len(rows) == 12 and {r["review_state"] for r in rows} == {"draft"}
    assert "draft" in _ok(["messages", "list", "--sequence", seq])
    first, second = rows[0], rows[1]
    shown = _ok(["messages", "show", str(first["id"])])
    assert first["subject"] in shown and "Tom Becker" in shown
    detail = json.loads(_ok(["messages", "show", str(first["id"]), "--json"]))
    assert detail["facts"] == [{**h, "fact_now": h["fact_text"]} for h in first["hooks"]]

    body = tmp_path / "body.txt"
    body.write_text(first["body"] + CLAIM, encoding="utf-8")
    assert "blocking" in _ok(["messages", "edit", str(first["id"]), "--body-file", str(body)])
    _fails(["messages", "approve", str(first["id"])], "cannot be approved", "unsupported_claim")
    assert "rejected" in _ok(["messages", "reject", str(second["id"]), "--reason", "too generic"])
    assert len(json.loads(_ok(["messages", "list", "--sequence", seq, "--findings", "--json"]))) == 1
    held = _ok(["messages", "approve", "--sequence", seq, "--all"])
    assert "approved 10" in held and "held back 2" in held and "rejected ×1" in held
    again = json.loads(_ok(["messages", "regenerate", str(first["id"]), str(second["id"]), "--json"]))
    assert (again["updated"], again["credits"]) == (2, 0)
    assert "approved 2" in _ok(["messages", "approve", "--sequence", seq, "--all"])
    assert "launched" in _ok(["launch", seq])
    _fails(["messages", "edit", str(first["id"]), "--body", "New text"], "locked once it is launched")


def test_bad_input_is_one_clear_line(rt: Runtime, workspace_id: int) -> None:
    lab = build_lab(rt, workspace_id, 1)
    seq = str(lab.sequence_id)
    _fails(["messages", "generate", "--sequence", "999"], "sequence 999 not found")
    _fails(["messages", "generate", "--sequence", seq, "--lead", "99999"], "lead 99999 is not enrolled")
    _fails(["messages", "generate", "--sequence", seq, "--leads", "2", "--lead", "1"], "either --leads N or --lead")
    _fails(["messages", "generate", "--sequence", seq, "--writer", "llm"], "OUTBOARD_LLM_BASE_URL")
    _fails(["messages", "generate", "--sequence", seq, "--writer", "gpt"], "must be composer or llm")
    _fails(["messages", "list", "--sequence", seq, "--state", "bogus"], "must be one of draft")
    _fails(["messages", "show", "999"], "message 999 not found")
    _fails(["messages", "approve"], "--sequence ID --all")
    _fails(["messages", "approve", "--sequence", seq], "needs --all")
    _fails(["messages", "edit", "999", "--body", "x"], "message 999 not found")
    _fails(["messages", "regenerate", "999"], "message 999 not found")
