"""Discovery from the pages and the API: a description (or edited filters) read into filters, its preview,
and saving it (a saved search or a clue) as a source group filled by the "saved_search" job. The same
services the CLI's `outboard search` and `outboard clues` call: sources.index.*."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outboard.core.errors import ValidationError
from outboard.db.models import Job, SourceGroup, SourceGroupMember
from outboard.runtime import Runtime
from outboard.sources.icp import ParseResult, SearchFilters, summary
from outboard.sources.index.clues import CLUE_KINDS, ClueSpec, clue_filters
from outboard.sources.index.llm_parser import parse_description
from outboard.sources.index.preview import Preview, estimate_note, preview
from outboard.sources.index.saved import Started, start_saved_search

CLUE_LABELS = {"recent_post": "Posted recently (about a topic)", "new_in_role": "New in their role",
               "company_raised": "Their company raised a round", "company_hiring": "Their company is hiring"}
assert set(CLUE_LABELS) == set(CLUE_KINDS)


def read_search(rt: Runtime, description: str, filters: dict[str, Any] | None = None) -> ParseResult:
    """The filters of a description, or the edited filters when given (checked as a hand-edited parse is)."""
    text = " ".join((description or "").split())
    if filters is not None:
        parsed = SearchFilters.from_dict(filters)
        if parsed.is_empty():
            raise ValidationError("filters", "the filters ask for nothing; keep at least one criterion")
        return ParseResult(text or "edited filters", parsed, "edited")
    if not text:
        raise ValidationError("query", "describe the people you want to reach, for example “heads of sales at "
                                       "fintech companies in Germany”")
    return parse_description(text, rt.settings)


def read_clue(rt: Runtime, kind: str, *, topic: str | None = None, function: str | None = None,
              days: int | None = None, query: str | None = None) -> tuple[ClueSpec, ParseResult]:
    """A clue's spec and filters: its signal on top of the people `query` describes (as `outboard clues`)."""
    spec = ClueSpec(kind.strip().lower(), (topic or "").strip() or None, (function or "").strip() or None, days)
    who = " ".join((query or "").split())
    base = parse_description(who, rt.settings) if who else None
    filters = clue_filters(spec, base.filters if base else SearchFilters())
    return spec, ParseResult(who or f"clue: {spec.kind}", filters, base.parser if base else "clue",
                             base.notes if base else ())


def run_preview(rt: Runtime, workspace_id: int, parsed: ParseResult, limit: int = 25) -> Preview:
    """The best `limit` results with fit signals and the total (metered as a preview)."""
    return preview(rt.db, workspace_id, parsed.filters, limit=limit, query=parsed.query)


def preview_data(parsed: ParseResult, result: Preview) -> dict[str, Any]:
    """What the API answers and the page shows: the parse, then the preview with how the total was counted."""
    return {"parse": parsed.to_dict(), "preview": {**result.to_dict(), "total_note": estimate_note(result)}}


def save(rt: Runtime, workspace_id: int, name: str, parsed: ParseResult, count: int,
         clue: ClueSpec | None = None) -> Started:
    """Create the saved search's (or clue's) group and queue the job that fills it."""
    return start_saved_search(rt, workspace_id, name, parsed.filters, count, description=parsed.query, clue=clue)


@dataclass(frozen=True)
class SavedRow:
    id: int
    name: str
    kind: str
    clue: str | None
    collected: int
    requested: int | None
    job_id: int | None
    state: str | None
    summary: str


def saved_searches(session: Session, workspace_id: int, limit: int = 100) -> list[SavedRow]:
    """The workspace's saved searches and clues, newest first, with what each collected."""
    groups = list(session.scalars(select(SourceGroup).where(
        SourceGroup.workspace_id == workspace_id, SourceGroup.kind.in_(("search", "clue")))
        .order_by(SourceGroup.id.desc()).limit(limit)))
    ids = [g.id for g in groups]
    counts = dict(session.execute(select(SourceGroupMember.source_group_id, func.count()).where(
        SourceGroupMember.source_group_id.in_(ids)).group_by(SourceGroupMember.source_group_id)).all()) if ids else {}
    job_ids = [g.job_id for g in groups if g.job_id]
    states = dict(session.execute(select(Job.id, Job.state).where(Job.id.in_(job_ids))).all()) if job_ids else {}
    rows = []
    for group in groups:
        query = group.query or {}
        filters = SearchFilters.from_dict(query.get("filters") or {})
        rows.append(SavedRow(group.id, group.name, group.kind, (query.get("clue") or {}).get("kind"),
                             counts.get(group.id, 0), query.get("count"), group.job_id,
                             states.get(group.job_id) if group.job_id else None, summary(filters)))
    return rows
