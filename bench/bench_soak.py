"""The soak at full size: 10,000 leads, 30 simulated days, 4 worker processes on PostgreSQL, then every
rule of DESIGN.md checked (the CI test runs the same code with 240 leads)."""

from __future__ import annotations

import os
import sys
import time
import uuid

from sqlalchemy import create_engine, text
from tests.conftest import START
from tests.send.soak import check_rules, run_soak

from bench.report import write_section
from outboard.core.clock import SimulatedClock
from outboard.db.database import Database
from outboard.db.migrate import upgrade
from outboard.devservers.mx import MxServer
from outboard.runtime import Runtime, use_runtime
from outboard.secrets import SecretBox
from outboard.settings import Settings
from outboard.team.workspaces import create_workspace

PG_SERVER = os.environ.get("OUTBOARD_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def main() -> None:
    leads = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 10_000
    name = f"outboard_soak_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_SERVER.rsplit("/", 1)[0] + f"/{name}"
    try:
        clock = SimulatedClock(START)
        db = Database.open(url, clock)
        upgrade(db.engine)
        rt = Runtime(Settings(database_url=url, secret_key=SecretBox.new_key(), job_backend="immediate",
                              _env_file=None), db, clock)
        with use_runtime(rt), db.transaction() as session:
            workspace_id = create_workspace(session, "Soak", "soak@soak.test", "soak-password-1")[0].id
        started = time.perf_counter()
        with use_runtime(rt), MxServer.sink() as sink:
            result = run_soak(rt, workspace_id, sink, leads=leads, workers=4, days=30)
            check_rules(rt, sink)
        total = time.perf_counter() - started
        db.close()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    line = (f"{leads:,} leads, 30 days, 4 workers: {total:.0f} s ({result.seconds_per_day:.1f} s per simulated day); "
            f"sent {dict(result.sent)}, delivered {result.delivered:,}, replied {result.replied}, opted out "
            f"{result.opted_out}, blocked {result.blocked}; every rule held")
    print(line)
    write_section("Soak", f"""`.venv/bin/python -m bench.bench_soak [LEADS]` — the whole send pipeline on PostgreSQL
with 4 worker processes over 30 simulated days (people reply, opt out and get blocklisted along the way), then
every rule of DESIGN.md checked: no duplicate send, nothing after a reply, nothing to a suppressed address,
no cap exceeded, LinkedIn messages only after acceptance, every lead in a final or waiting state. CI runs
`tests/send/test_soak.py`, the same code with 240 leads.

{line}
""")


if __name__ == "__main__":
    main()
