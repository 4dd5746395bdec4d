"""The "import" background job, and starting it (the CLI and the web upload both do it this way).

Restartable: each batch's transaction also writes the running summary to the job row, so a job that is
run again after a crash skips the rows already committed and goes on counting; a new job for the same
file stores nothing twice either (every row matches the lead it made).
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from outboard.db.models import Job
from outboard.jobs.progress import Progress, read_job
from outboard.jobs.registry import job_kind
from outboard.jobs.runner import submit
from outboard.runtime import Runtime, runtime
from outboard.sources.importer import ImportOptions, import_file, open_import

KIND = "import"
_OPTIONS = tuple(ImportOptions.__dataclass_fields__)


@job_kind(KIND)
def import_job(progress: Progress, *, workspace_id: int, path: str, **params: Any) -> dict[str, Any]:
    rt = runtime()
    options = ImportOptions(**{k: v for k, v in params.items() if k in _OPTIONS})
    stored = read_job(rt.db, progress.job_id).result or {}
    resume = stored.get("checkpoint")

    def checkpoint(session: Session, summary: dict[str, Any]) -> None:
        session.execute(update(Job).where(Job.id == progress.job_id).values(result={"checkpoint": summary}))

    summary = import_file(rt.db, workspace_id, path, options, progress=progress.update, checkpoint=checkpoint,
                          resume=resume)
    return summary.as_dict()


def import_params(path: str | Path, options: ImportOptions = ImportOptions()) -> dict[str, Any]:
    """Check the file, preset and mapping now (one clear error instead of a failed job) and return the
    job's parameters, with absolute paths: a worker may run elsewhere in the file system."""
    path = Path(path).expanduser().resolve()
    mapping = str(Path(options.mapping).expanduser().resolve()) if options.mapping else None
    options = ImportOptions(**{**asdict(options), "mapping": mapping})
    table, _ = open_import(path, options)
    table.close()
    return {"path": str(path), **{k: v for k, v in asdict(options).items() if v is not None}}


def start_import(rt: Runtime, workspace_id: int, path: str | Path, options: ImportOptions = ImportOptions()) -> int:
    """Queue an import of a file already on disk (the web upload saves it first); returns the job id."""
    return submit(rt, workspace_id, KIND, import_params(path, options))
