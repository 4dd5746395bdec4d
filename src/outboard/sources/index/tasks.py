"""The prospect index's background jobs: "index_load" (files into the index) and "saved_search" (a saved
search or clue filling its source group). Both are idempotent: running one again goes on, it does not
redo (loading upserts by id; a saved search resumes from the progress kept in its group)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from outboard.jobs.progress import Progress
from outboard.jobs.registry import job_kind
from outboard.runtime import Runtime, runtime
from outboard.sources.index.files import check_paths
from outboard.sources.index.loader import load_files
from outboard.sources.index.saved import JOB_KIND, run_saved_search

LOAD_KIND = "index_load"


@job_kind(LOAD_KIND)
def index_load_job(progress: Progress, *, workspace_id: int, paths: list[str], **params: Any) -> dict[str, Any]:
    summary = load_files(runtime().db, workspace_id, paths, batch_size=int(params.get("batch_size") or 2000),
                         workers=params.get("workers"), progress=progress.update)
    return summary.as_dict()


@job_kind(JOB_KIND)
def saved_search_job(progress: Progress, *, workspace_id: int, group_id: int, **_: Any) -> dict[str, Any]:
    return run_saved_search(runtime().db, workspace_id, group_id, progress=progress.update, job_id=progress.job_id)


def load_params(paths: list[str | Path], *, workers: int | None = None) -> dict[str, Any]:
    """Check the files now (one clear error instead of a failed job); absolute paths for any worker."""
    params: dict[str, Any] = {"paths": [str(p) for p in check_paths(paths)]}
    if workers is not None:
        params["workers"] = workers
    return params


def start_load(rt: Runtime, workspace_id: int, paths: list[str | Path]) -> int:
    """Queue a load of files already on disk; returns the job id."""
    from outboard.jobs.runner import submit

    return submit(rt, workspace_id, LOAD_KIND, load_params(paths))
