"""The Writer interface: every writer (offline composer, LLM writer) turns a lead, a strategy profile and
the sequence's step briefs into one Draft per step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from outboard.core.errors import OutboardError
from outboard.core.profile import LeadProfile
from outboard.core.sequence import Channel
from outboard.core.writing import Draft, Hook, StepBrief, StrategyProfile


class WriterError(OutboardError):
    """A writer could not produce usable drafts. `code` says why, for the job's error and the review UI:
    refused | malformed_output | rate_limited | server_error | connection | rejected | config."""

    def __init__(self, code: str, message: str, *, attempts: int = 1, retryable: bool = False):
        super().__init__(message)
        self.code, self.attempts, self.retryable = code, attempts, retryable


@dataclass(frozen=True)
class WriteRequest:
    lead: LeadProfile
    strategy: StrategyProfile
    steps: tuple[StepBrief, ...]
    hooks: tuple[Hook, ...] = ()
    key: str = ""  # the caller's id (enrollment, lead); echoed in the result


@dataclass(frozen=True)
class WriteResult:
    key: str
    drafts: tuple[Draft, ...] = ()
    error: WriterError | None = None
    cached: bool = False  # served from the cache: nothing was spent
    usage: dict[str, int] = field(default_factory=dict)  # whole request: tokens, calls, attempts

    @property
    def ok(self) -> bool:
        return self.error is None


class Writer(Protocol):
    """Writes every step of the sequence for one lead."""

    name: str

    def write(self, lead: LeadProfile, strategy: StrategyProfile, steps: Sequence[StepBrief],
              hooks: Sequence[Hook] = ()) -> list[Draft]:
        """One Draft per step, in the order of `steps`. Raises WriterError when it cannot."""
        ...

    async def write_batch(self, requests: Sequence[WriteRequest]) -> list[WriteResult]:
        """Many leads at once; never raises for one lead's failure: that lead's result carries the error."""
        ...


def draft_to_dict(draft: Draft) -> dict[str, Any]:
    """Plain JSON-able form (for a database-backed cache and the messages table)."""
    return {
        "position": draft.position, "channel": draft.channel.value, "subject": draft.subject,
        "body": draft.body, "generator": draft.generator, "prompt_version": draft.prompt_version,
        "usage": dict(draft.usage),
        "hooks": [
            {"kind": h.kind, "summary": h.summary, "fact_path": h.fact_path, "fact_text": h.fact_text,
             "score": h.score, "fact_date": h.fact_date.isoformat() if h.fact_date else None}
            for h in draft.hooks
        ],
    }


def draft_from_dict(data: Mapping[str, Any]) -> Draft:
    hooks = tuple(
        Hook(h["kind"], h["summary"], h["fact_path"], h["fact_text"], float(h["score"]),
             date.fromisoformat(h["fact_date"]) if h.get("fact_date") else None)
        for h in data.get("hooks", ())
    )
    return Draft(int(data["position"]), Channel(data["channel"]), data["body"], data.get("subject"), hooks,
                 data.get("generator", ""), data.get("prompt_version", ""), dict(data.get("usage", {})))
