"""What an import did, row by row where it matters: the summary the CLI prints, `--json` shows, the job row
keeps and the source group remembers.

Counts are exact; the lists of rows (rejected, warnings, conflicts, ambiguous) keep their first
LIST_LIMIT entries each so that a file of a million bad rows does not make a summary of a million lines.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

LIST_LIMIT = 1_000


@dataclass
class BatchResult:
    """What one batch (one transaction) did; added to the summary only once the batch has committed."""

    new: int = 0  # rows that became a new lead
    merged: int = 0  # rows that matched a lead that existed before this import
    updated: int = 0  # ... of which added at least one fact
    duplicates: int = 0  # rows that matched a lead an earlier row of this import created
    suppressed: Counter[str] = field(default_factory=Counter)  # by suppression reason
    rejected: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    ambiguous: list[dict[str, Any]] = field(default_factory=list)
    leads_merged: int = 0  # existing leads folded into another because a row showed they are one person
    created_ids: list[int] = field(default_factory=list)
    outcomes: dict[int, tuple[int | None, str]] = field(default_factory=dict)  # row -> (lead id, outcome)
    blocks: list[str] = field(default_factory=list)  # "last@domain" of the leads written
    last_row: int = 0


_COUNTS = ("rows", "new", "merged", "updated", "duplicates", "suppressed", "rejected", "warnings", "conflicts",
           "ambiguous", "leads_merged", "companies_created")
_LISTS = ("rejected_rows", "warning_rows", "conflict_rows", "ambiguous_rows")


@dataclass
class ImportSummary:
    file: str = ""
    group: str = ""
    group_id: int | None = None
    preset: str = ""
    mapping: dict[str, Any] = field(default_factory=dict)
    rows: int = 0
    new: int = 0
    merged: int = 0
    updated: int = 0
    duplicates: int = 0
    suppressed: int = 0
    suppressed_by: dict[str, int] = field(default_factory=dict)
    rejected: int = 0
    warnings: int = 0
    conflicts: int = 0
    ambiguous: int = 0
    leads_merged: int = 0
    companies_created: int = 0
    rejected_rows: list[dict[str, Any]] = field(default_factory=list)
    warning_rows: list[dict[str, Any]] = field(default_factory=list)
    conflict_rows: list[dict[str, Any]] = field(default_factory=list)
    ambiguous_rows: list[dict[str, Any]] = field(default_factory=list)
    last_row: int = 0  # the last file row of a committed batch: a restarted job goes on from there
    seconds: float = 0.0

    def add(self, batch: BatchResult, rows: int) -> None:
        self.rows += rows
        self.new += batch.new
        self.merged += batch.merged
        self.updated += batch.updated
        self.duplicates += batch.duplicates
        for reason, count in batch.suppressed.items():
            self.suppressed += count
            self.suppressed_by[reason] = self.suppressed_by.get(reason, 0) + count
        self.rejected += len(batch.rejected)
        self.warnings += len(batch.warnings)
        self.conflicts += len(batch.conflicts)
        self.ambiguous += len(batch.ambiguous)
        self.leads_merged += batch.leads_merged
        for name, items in (("rejected_rows", batch.rejected), ("warning_rows", batch.warnings),
                            ("conflict_rows", batch.conflicts), ("ambiguous_rows", batch.ambiguous)):
            kept: list[dict[str, Any]] = getattr(self, name)
            kept.extend(items[: max(0, LIST_LIMIT - len(kept))])
        self.last_row = max(self.last_row, batch.last_row)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "group": self.group, "group_id": self.group_id,
                               "preset": self.preset}
        out.update({name: getattr(self, name) for name in _COUNTS})
        out["suppressed_by"] = dict(self.suppressed_by)
        out.update({name: list(getattr(self, name)) for name in _LISTS})
        out.update({"mapping": self.mapping, "last_row": self.last_row, "seconds": round(self.seconds, 3),
                    "rows_per_second": round(self.rows / self.seconds) if self.seconds > 0 else None})
        return out

    def counts(self) -> dict[str, Any]:
        """The summary without the row lists (for the source group and the timeline)."""
        data = self.as_dict()
        for name in (*_LISTS, "mapping"):
            data.pop(name)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportSummary:
        summary = cls()
        for name in ("file", "group", "group_id", "preset", "mapping", *_COUNTS, *_LISTS, "suppressed_by",
                     "last_row", "seconds"):
            if name in data:
                setattr(summary, name, data[name])
        return summary
