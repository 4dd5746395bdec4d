"""Job kinds that belong to no stage: maintenance."""

from __future__ import annotations

from typing import Any

from outboard.jobs.progress import Progress
from outboard.jobs.registry import job_kind


@job_kind("selfcheck")
def selfcheck(progress: Progress, *, workspace_id: int, steps: int = 3, **_: Any) -> dict[str, Any]:
    """Walks through a few progress steps: `outboard worker --check` uses it to prove a worker runs."""
    for done in range(1, steps + 1):
        progress.update(done, steps, f"step {done} of {steps}")
    return {"steps": steps}
