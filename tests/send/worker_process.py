"""A real worker process for the crash, concurrency and soak tests: drains the scheduler at a simulated time.

    python -m tests.send.worker_process DATABASE_URL SECRET_KEY ISO_TIME [BATCH]
        drain once at ISO_TIME, print how many were sent;
    python -m tests.send.worker_process DATABASE_URL SECRET_KEY serve [BATCH]
        stay up: for each ISO time read on stdin, set the clock there, drain, print the count sent.
"""

import sys
from datetime import datetime

from outboard.core.clock import SimulatedClock
from outboard.db.database import Database
from outboard.jobs.worker import drain
from outboard.runtime import Runtime, use_runtime
from outboard.settings import Settings


def main() -> None:
    url, secret, when = sys.argv[1], sys.argv[2], sys.argv[3]
    batch = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    serving = when == "serve"
    clock = SimulatedClock(datetime.fromisoformat(sys.stdin.readline().strip() if serving else when))
    settings = Settings(database_url=url, secret_key=secret, job_backend="immediate", _env_file=None)
    rt = Runtime(settings, Database.open(url, clock), clock)
    with use_runtime(rt):
        while True:
            print(drain(rt, batch).sent, flush=True)
            if not serving:
                return
            line = sys.stdin.readline().strip()
            if not line:
                return
            moment = datetime.fromisoformat(line)
            if moment > clock.now():
                clock.set(moment)


if __name__ == "__main__":
    main()
