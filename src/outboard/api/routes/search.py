"""Discovery over the API: read a description into filters, preview it, save it (or a clue) as a source
group filled by a job; the same services as the Search page (api.services.search)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from outboard.api.auth import Caller, caller, db_session, get_runtime
from outboard.api.errors import responses
from outboard.api.params import ObjectId
from outboard.api.services.search import (
    CLUE_LABELS,
    SavedRow,
    preview_data,
    read_clue,
    read_search,
    run_preview,
    save,
    saved_searches,
)
from outboard.runtime import Runtime
from outboard.sources.index.preview import MAX_LIMIT
from outboard.sources.index.saved import MAX_COUNT, saved_search_status

router = APIRouter(tags=["discovery"])
Description = Field("", max_length=2000, description="The people to find, in plain words")
Filters = Field(None, description="Edited filters (the `parse.filters` of an earlier answer) instead of the "
                                  "description")


class SearchIn(BaseModel):
    description: str = Description
    filters: dict[str, Any] | None = Filters
    limit: int = Field(25, ge=1, le=MAX_LIMIT, description="How many results to preview")


class SaveSearchIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="Name of the new source group")
    count: int = Field(ge=1, le=MAX_COUNT, description="How many results to collect (4 credits each)")
    description: str = Description
    filters: dict[str, Any] | None = Filters


class ClueIn(BaseModel):
    kind: str = Field(max_length=40, description=f"One of {', '.join(CLUE_LABELS)}")
    topic: str | None = Field(None, max_length=200, description="recent_post: what they posted about")
    function: str | None = Field(None, max_length=60, description="The people's function; company_hiring: the "
                                                                  "function hired for")
    days: int | None = Field(None, ge=1, le=3650, description="How recent the signal is")
    query: str | None = Field(None, max_length=2000, description="Who, in plain words")
    limit: int = Field(25, ge=1, le=MAX_LIMIT, description="Preview: how many results")


class SaveClueIn(ClueIn):
    name: str = Field(min_length=1, max_length=200)
    count: int = Field(ge=1, le=MAX_COUNT)


class PreviewOut(BaseModel):
    parse: dict[str, Any] = Field(description="query, parser, summary, description (lines), notes, filters")
    preview: dict[str, Any] = Field(description="total, total_kind, total_text, total_note, hits (with fit "
                                                "signals), excluded, examined, credits")


class SavedStartedOut(BaseModel):
    group_id: int
    job_id: int
    name: str
    poll: str = Field(description="Where to follow the job")


class SavedStatusOut(BaseModel):
    group_id: int
    name: str
    kind: str
    collected: int
    requested: int | None
    source: str | None
    filters: dict[str, Any] | None
    clue: dict[str, Any] | None
    progress: dict[str, Any] | None
    job: dict[str, Any] | None


@router.post("/search/parse", response_model=dict[str, Any], responses=responses(422))
def parse(body: SearchIn, who: Caller = Depends(caller), rt: Runtime = Depends(get_runtime)) -> dict[str, Any]:
    """The filters a description is read as (free: nothing is searched)."""
    return read_search(rt, body.description, body.filters).to_dict()


@router.post("/search/preview", response_model=PreviewOut, responses=responses(400, 422))
def search_preview(body: SearchIn, who: Caller = Depends(caller), rt: Runtime = Depends(get_runtime)) -> PreviewOut:
    """The parse and the best results with fit signals and the total (2 credits)."""
    parsed = read_search(rt, body.description, body.filters)
    return PreviewOut(**preview_data(parsed, run_preview(rt, who.workspace_id, parsed, body.limit)))


def _started(started: Any) -> SavedStartedOut:
    return SavedStartedOut(group_id=started.group_id, job_id=started.job_id, name=started.name,
                           poll=f"/api/jobs/{started.job_id}")


@router.post("/search/saved", response_model=SavedStartedOut, status_code=202, responses=responses(400, 422))
def save_search(body: SaveSearchIn, who: Caller = Depends(caller),
                rt: Runtime = Depends(get_runtime)) -> SavedStartedOut:
    """Save a search as a new source group; a job collects `count` results into it."""
    parsed = read_search(rt, body.description, body.filters)
    return _started(save(rt, who.workspace_id, body.name, parsed, body.count))


@router.get("/search/saved", response_model=list[SavedRow], responses=responses())
def saved(who: Caller = Depends(caller), session: Session = Depends(db_session)) -> list[SavedRow]:
    """Saved searches and clues, newest first, with what each collected and its job's state."""
    return saved_searches(session, who.workspace_id)


@router.get("/search/saved/{group_id}", response_model=SavedStatusOut, responses=responses(404, 422))
def saved_status(group_id: ObjectId, who: Caller = Depends(caller),
                 rt: Runtime = Depends(get_runtime)) -> SavedStatusOut:
    """How far a saved search or clue got and what it left out."""
    return SavedStatusOut(**saved_search_status(rt.db, who.workspace_id, group_id))


@router.post("/clues/preview", response_model=PreviewOut, responses=responses(400, 422))
def clue_preview(body: ClueIn, who: Caller = Depends(caller), rt: Runtime = Depends(get_runtime)) -> PreviewOut:
    """A clue's parse and preview (2 credits)."""
    _, parsed = read_clue(rt, body.kind, topic=body.topic, function=body.function, days=body.days, query=body.query)
    return PreviewOut(**preview_data(parsed, run_preview(rt, who.workspace_id, parsed, body.limit)))


@router.post("/clues", response_model=SavedStartedOut, status_code=202, responses=responses(400, 422))
def save_clue(body: SaveClueIn, who: Caller = Depends(caller), rt: Runtime = Depends(get_runtime)) -> SavedStartedOut:
    """Save a clue as a new source group; a job collects `count` people with the signal into it."""
    spec, parsed = read_clue(rt, body.kind, topic=body.topic, function=body.function, days=body.days,
                             query=body.query)
    return _started(save(rt, who.workspace_id, body.name, parsed, body.count, clue=spec))
