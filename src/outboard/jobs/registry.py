"""Job kinds and their handlers. Stage folders register theirs; the runner looks them up by kind."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from outboard.jobs.progress import Progress


class JobHandler(Protocol):
    def __call__(self, progress: Progress, **params: Any) -> dict[str, Any]:
        """Do the work, reporting progress; return the result summary stored on the job row."""
        ...


@dataclass(frozen=True)
class JobKind:
    name: str
    handler: JobHandler
    module: str


_KINDS: dict[str, JobKind] = {}

# Modules that define job kinds; imported on first lookup so a worker knows every kind.
HANDLER_MODULES = (
    "outboard.jobs.builtin",
    "outboard.write.tasks",
    "outboard.inbox.tasks",
    "outboard.enrich.tasks",
    "outboard.sources.tasks",
    "outboard.sources.index.tasks",
)


def job_kind(name: str) -> Callable[[JobHandler], JobHandler]:
    def register(handler: JobHandler) -> JobHandler:
        _KINDS[name] = JobKind(name, handler, handler.__module__)
        return handler

    return register


def lookup(name: str) -> JobKind:
    if not _KINDS or name not in _KINDS:
        import importlib

        for module in HANDLER_MODULES:
            importlib.import_module(module)
    if name not in _KINDS:
        raise KeyError(f"unknown job kind {name!r}")
    return _KINDS[name]
