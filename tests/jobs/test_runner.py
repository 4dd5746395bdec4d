"""Jobs run on Huey (immediate, SQLite with an in-process consumer, Redis, PostgreSQL) and their progress
is visible from another connection while they run."""

import threading

import pytest

from outboard.jobs.progress import Progress, read_job
from outboard.jobs.registry import job_kind
from outboard.jobs.runner import InProcessConsumer, submit, wait_for
from outboard.runtime import Runtime, use_runtime
from tests.conftest import require_service

release = threading.Event()
reached = threading.Event()


@job_kind("test_gate")
def gate(progress: Progress, *, workspace_id: int, total: int = 4, **_):
    progress.update(1, total, "waiting at the gate")
    reached.set()
    assert release.wait(10), "the test never released the job"
    for done in range(2, total + 1):
        progress.update(done, total, f"item {done}")
    return {"processed": total}


@job_kind("test_broken")
def broken(progress: Progress, *, workspace_id: int, **_):
    raise RuntimeError("disk on fire")


def _sqlite_runtime(rt, tmp_path, backend="sqlite", **extra):
    settings = rt.settings.model_copy(update={"job_backend": backend,
                                              "job_queue_path": str(tmp_path / "q.db"), **extra})
    return Runtime(settings, rt.db, rt.clock)


def test_progress_is_visible_while_the_job_runs(rt, workspace_id, tmp_path):
    release.clear()
    reached.clear()
    runtime = _sqlite_runtime(rt, tmp_path)
    with use_runtime(runtime), InProcessConsumer(runtime, workers=1):
        job_id = submit(runtime, workspace_id, "test_gate", {"total": 4})
        assert reached.wait(10)
        seen = read_job(runtime.db, job_id)  # read from a separate session while the job is blocked
        assert (seen.state, seen.done, seen.total, seen.message) == ("running", 1, 4, "waiting at the gate")
        release.set()
        job = wait_for(runtime, job_id, timeout=15)
    assert (job.state, job.done, job.result) == ("succeeded", 4, {"processed": 4})


def test_a_failing_job_keeps_its_error(rt, workspace_id):
    job_id = submit(rt, workspace_id, "test_broken", {})
    job = read_job(rt.db, job_id)
    assert job.state == "failed" and "disk on fire" in job.error


def test_unknown_job_kinds_are_refused_before_queueing(rt, workspace_id):
    with pytest.raises(KeyError, match="unknown job kind"):
        submit(rt, workspace_id, "no_such_kind", {})


def _run_selfcheck(runtime, workspace_id):
    with use_runtime(runtime), InProcessConsumer(runtime, workers=1):
        job_id = submit(runtime, workspace_id, "selfcheck", {"steps": 3})
        return wait_for(runtime, job_id, timeout=20)


def test_jobs_run_on_redis(rt, workspace_id, tmp_path):
    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=2).ping()
        problem = None
    except redis.RedisError as exc:
        problem = str(exc)
    require_service("Redis", problem)
    runtime = _sqlite_runtime(rt, tmp_path, "redis", redis_url="redis://127.0.0.1:6379/0")
    runtime.huey.flush()
    job = _run_selfcheck(runtime, workspace_id)
    assert (job.state, job.done) == ("succeeded", 3)


def test_jobs_run_on_postgres(rt, workspace_id, tmp_path):
    if not rt.db.is_postgres:
        pytest.skip("the PostgreSQL queue needs the PostgreSQL database; covered by the postgresql variant")
    runtime = _sqlite_runtime(rt, tmp_path, "postgres")
    job = _run_selfcheck(runtime, workspace_id)
    assert (job.state, job.done) == ("succeeded", 3)


