"""`outboard init` is safe to repeat; bad configuration ends with one clear line, not a traceback."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

OUTBOARD = [sys.executable, "-m", "outboard"]


def run(args, cwd, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OUTBOARD_")}
    environment.update(env)
    return subprocess.run([*OUTBOARD, *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=60)


def test_init_twice_creates_once_and_then_changes_nothing(tmp_path: Path):
    first = run(["init", "--json", "--password", "a-long-password"], tmp_path)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert summary["database"] == "upgraded" and summary["created"]["workspace"] == "my-workspace"
    env_before = (tmp_path / ".env").read_text()
    db_rows_before = _counts(tmp_path)
    second = run(["init", "--json"], tmp_path)
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout) == {"database": "up to date", "revision": summary["revision"],
                                         "secret_key": "configured", "created": None}
    assert (tmp_path / ".env").read_text() == env_before
    assert _counts(tmp_path) == db_rows_before


def _counts(folder: Path) -> dict[str, int]:
    import sqlite3

    with sqlite3.connect(folder / "outboard.db") as connection:
        tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: connection.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


@pytest.mark.parametrize("env,expected", [
    ({"OUTBOARD_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/none"}, "cannot reach the database"),
    ({"OUTBOARD_DATABASE_URL": "mysql://x"}, "setting OUTBOARD_DATABASE_URL"),
    ({"OUTBOARD_SECRET_KEY": "not-a-key"}, "OUTBOARD_SECRET_KEY is not a valid key"),
    ({"OUTBOARD_SEND_CAP": "5"}, "unknown setting OUTBOARD_SEND_CAP"),
    ({"OUTBOARD_JOB_BACKEND": "kafka"}, "setting OUTBOARD_JOB_BACKEND"),
])
def test_bad_configuration_is_one_clear_line(tmp_path: Path, env, expected):
    result = run(["init"], tmp_path, **env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_encryption_key_is_reported_when_a_secret_is_needed(tmp_path: Path):
    from outboard.core.errors import ConfigError
    from outboard.secrets import SecretBox

    with pytest.raises(ConfigError, match="OUTBOARD_SECRET_KEY is missing"):
        SecretBox(None)


def test_commands_not_built_yet_say_so_and_exit_non_zero():
    import typer
    from typer.testing import CliRunner

    from outboard.cli.placeholder import not_built

    app = typer.Typer()
    not_built(app, "teleport", "teleporting leads")
    not_built(app, "beam", "beaming")
    for args in (["teleport", "now", "--fast"], ["beam"]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2 and "not built yet" in result.output


def test_version(tmp_path: Path):
    result = run(["--version"], tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("outboard ")
