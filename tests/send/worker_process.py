"""A real worker process for the crash and concurrency tests: drains the scheduler at a fixed simulated
time. Usage: python -m tests.send.worker_process DATABASE_URL SECRET_KEY ISO_TIME [BATCH]"""

import sys
from datetime import datetime

from outboard.core.clock import SimulatedClock
from outboard.db.database import Database
from outboard.jobs.worker import drain
from outboard.runtime import Runtime, use_runtime
from outboard.settings import Settings


def main() -> None:
    url, secret, moment = sys.argv[1], sys.argv[2], datetime.fromisoformat(sys.argv[3])
    batch = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    clock = SimulatedClock(moment)
    settings = Settings(database_url=url, secret_key=secret, job_backend="immediate", _env_file=None)
    rt = Runtime(settings, Database.open(url, clock), clock)
    with use_runtime(rt):
        result = drain(rt, batch)
    print(result.sent, flush=True)


if __name__ == "__main__":
    main()
