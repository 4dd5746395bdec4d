"""A real process that syncs one mailbox and processes what it stored, slowly enough to be killed mid-batch.
Usage: python -m tests.inbox.sync_process DATABASE_URL SECRET_KEY ISO_TIME ACCOUNT_ID PAUSE_SECONDS"""

import sys
import time
from datetime import datetime

from outboard.core.clock import SimulatedClock
from outboard.db.database import Database
from outboard.inbox.imap_sync import sync_account
from outboard.inbox.process import pending_ids, process_one
from outboard.runtime import Runtime, use_runtime
from outboard.settings import Settings


def main() -> None:
    url, secret, moment, account_id = sys.argv[1], sys.argv[2], datetime.fromisoformat(sys.argv[3]), int(sys.argv[4])
    pause = float(sys.argv[5])
    clock = SimulatedClock(moment)
    settings = Settings(database_url=url, secret_key=secret, job_backend="immediate", _env_file=None)
    rt = Runtime(settings, Database.open(url, clock), clock)
    with use_runtime(rt):
        result = sync_account(rt, account_id, on_stored=lambda uid: time.sleep(pause))
        with rt.db.sessions() as session:
            ids = pending_ids(session)
        for row_id in ids:
            process_one(rt, row_id)
            time.sleep(pause)
    print(result.stored, len(ids), flush=True)


if __name__ == "__main__":
    main()
