"""The soak at full size: the whole pipeline for 10,000 leads over 30 simulated days, 4 worker processes
sending on PostgreSQL, then every rule of DESIGN.md checked (the CI test runs the same code with 240 leads).

    .venv/bin/python -m bench.bench_soak [LEADS]
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from tests.conftest import PG_SERVER
from tests.e2e.soak import check_rules, empty_postgres_database, run_soak

from bench.report import write_section


def main() -> None:
    leads = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    started, load_before = time.perf_counter(), os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder, empty_postgres_database(PG_SERVER) as url:
        report = run_soak(Path(folder) / "soak", url, leads=leads, workers=4)
        checked = check_rules(report)
    total = time.perf_counter() - started
    stats = report.stats
    assert stats is not None
    cpu = resource.getrusage(resource.RUSAGE_SELF).ru_utime + resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
    sent = (f"{stats.invites_sent:,} invites, {stats.linkedin_messages_sent:,} LinkedIn messages, "
            f"{stats.emails_sent:,} emails")
    steps = "\n".join(f"| {stage} | {what.splitlines()[0]} |" for stage, what in report.steps)
    line = (f"{leads:,} leads, 30 days, 4 workers: {total:.0f} s; invites {stats.invites_sent:,}, LinkedIn messages "
            f"{stats.linkedin_messages_sent:,}, emails {stats.emails_sent:,}, replies {stats.replied:,}, bounces "
            f"{stats.bounced:,}; every rule held")
    print(line)
    write_section("Soak", f"""`.venv/bin/python -m bench.bench_soak [LEADS]` — the demo's whole story at scale on
PostgreSQL: a sample prospect index of {leads * 16:,} people, a discovery search saving {leads:,} leads, profile
and email enrichment over local DNS and SMTP servers, messages written by the composer and approved, a
LinkedIn-first sequence launched, then 30 simulated days in half-hour ticks, each drained by 4 worker processes
side by side, while prospects accept invites and answer by mail into the IMAP inbox. Then every rule of
DESIGN.md is checked against the database and the relay's mail (`tests/e2e/soak.py`): no email twice, every
relayed email recorded once, nothing after a reply, nothing to a suppressed address, email only to verified
addresses, LinkedIn messages only after acceptance, no cap exceeded on any local day (or rolling week),
every lead's stage events legal and ending at its stage, one `message_sent` event per send, every
enrollment ended or waiting. CI runs `tests/e2e/test_soak.py`, the same code with 240 leads.

| Measure | Result |
|---|---|
| Wall time, whole pipeline | {total:.0f} s (load average {load_before:.1f} at the start) |
| CPU (this process and its workers) | {cpu:.0f} s |
| Sent | {sent} |
| Inbox | {stats.replied:,} replies, {stats.bounced:,} bounces, {stats.opted_out:,} opt-outs |
| Enrollments at the end | {", ".join(f"{k} {v:,}" for k, v in sorted(stats.enrollments.items()))} |
| Rules | all held ({checked['messages_sent']:,} sends checked, {checked['suppressions']:,} suppressions) |

| Stage | What happened |
|---|---|
{steps}
""")


if __name__ == "__main__":
    main()
