"""Leads → Search: describe the audience, see the filters it was read as and a preview with fit signals,
save it with a count and watch the job fill its source group; clues the same way. The services are the
API's and the CLI's (api.services.search → sources.index)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from outboard.api.services.jobs import job_progress
from outboard.api.services.search import (
    CLUE_LABELS,
    preview_data,
    read_clue,
    read_search,
    run_preview,
    save,
    saved_searches,
)
from outboard.core.errors import OutboardError, ValidationError
from outboard.runtime import Runtime
from outboard.sources.icp import ParseResult
from outboard.sources.icp.vocab import FUNCTIONS
from outboard.sources.index.saved import MAX_COUNT, saved_search_status
from outboard.web.deps import Viewer, csrf_protect, runtime_of, viewer
from outboard.web.forms import FormState
from outboard.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)])
SEARCH_FIELDS = {"description": "query", "filters": "description"}  # service field → form field


def _search_page(request: Request, rt: Runtime, who: Viewer, form: FormState, *, parsed: ParseResult | None = None,
                 result: dict[str, Any] | None = None, save_form: FormState | None = None,
                 status: int = 200) -> Response:
    with rt.db.sessions() as session:
        saved = saved_searches(session, who.workspace_id)
    filters_json = json.dumps(parsed.filters.to_dict(), ensure_ascii=False) if parsed else ""
    return render(request, "search/page.html", {
        "form": form, "parse": parsed.to_dict() if parsed else None, "result": result, "saved": saved,
        "filters_json": filters_json, "max_count": MAX_COUNT, "tab": "search",
        "save_form": save_form or FormState({"name": "", "count": "100"})}, status=status)


@router.get("/search")
def search(request: Request, who: Viewer = Depends(viewer), rt: Runtime = Depends(runtime_of)) -> Response:
    return _search_page(request, rt, who, FormState({"description": ""}))


@router.post("/search")
def preview_search(request: Request, description: str = Form(""), who: Viewer = Depends(viewer),
                   rt: Runtime = Depends(runtime_of)) -> Response:
    """The parse and the preview (2 credits); the save form below carries the filters shown."""
    form = FormState({"description": description})
    try:
        parsed = read_search(rt, description)
        result = preview_data(parsed, run_preview(rt, who.workspace_id, parsed))
    except ValidationError as exc:
        return _search_page(request, rt, who, form.from_error(exc, fallback="description", aliases={
            "query": "description"}), status=422)
    except OutboardError as exc:  # the budget is spent
        return _search_page(request, rt, who, form.fail("description", f"Not searched: {exc}."), status=422)
    return _search_page(request, rt, who, form, parsed=parsed, result=result["preview"])


def _filters(text: str) -> dict[str, Any] | None:
    if not text.strip():
        return None
    try:
        data = json.loads(text)
    except ValueError:
        raise ValidationError("filters", "the filters are not valid JSON: preview the search again") from None
    return data if isinstance(data, dict) else {"": data}


@router.post("/search/save")
def save_search(request: Request, description: str = Form(""), filters: str = Form(""), name: str = Form(""),
                count: str = Form(""), who: Viewer = Depends(viewer), rt: Runtime = Depends(runtime_of)) -> Response:
    """Save the previewed filters as a source group of `count` results; the job's page follows it."""
    form = FormState({"description": description})
    save_form = FormState({"name": name, "count": count})
    parsed = None
    try:
        parsed = read_search(rt, description, _filters(filters))
    except ValidationError as exc:
        form.from_error(exc, fallback="description", aliases={"query": "description"})
    wanted = save_form.whole_number("count", minimum=1, maximum=MAX_COUNT)
    if not name.strip():
        save_form.fail("name", "Give the saved search a name.")
    if parsed is not None and save_form.ok and wanted is not None:
        try:
            started = save(rt, who.workspace_id, name, parsed, wanted)
            return RedirectResponse(f"/search/saved/{started.group_id}", status_code=303)
        except ValidationError as exc:
            save_form.from_error(exc, fallback="name")
    return _search_page(request, rt, who, form, parsed=parsed, save_form=save_form, status=422)


def _clue_page(request: Request, rt: Runtime, who: Viewer, form: FormState, *, parsed: ParseResult | None = None,
               result: dict[str, Any] | None = None, status: int = 200) -> Response:
    return render(request, "search/clues.html", {
        "form": form, "kinds": CLUE_LABELS, "functions": FUNCTIONS, "parse": parsed.to_dict() if parsed else None,
        "result": result, "max_count": MAX_COUNT, "tab": "clues"}, status=status)


CLUE_DEFAULTS = {"name": "", "kind": "recent_post", "topic": "", "function": "", "days": "", "query": "",
                 "count": "100"}


@router.get("/search/clues")
def clues(request: Request, who: Viewer = Depends(viewer), rt: Runtime = Depends(runtime_of)) -> Response:
    return _clue_page(request, rt, who, FormState(dict(CLUE_DEFAULTS)))


@router.post("/search/clues")
def clue(request: Request, action: str = Form("preview"), name: str = Form(""), kind: str = Form(""),
         topic: str = Form(""), function: str = Form(""), days: str = Form(""), query: str = Form(""),
         count: str = Form(""), who: Viewer = Depends(viewer), rt: Runtime = Depends(runtime_of)) -> Response:
    """Preview a clue (action=preview) or save it as a source group filled by a job (action=save)."""
    form = FormState({"name": name, "kind": kind, "topic": topic, "function": function, "days": days,
                      "query": query, "count": count})
    window = form.whole_number("days", minimum=1, maximum=3650) if days.strip() else None
    wanted = None
    if action == "save":
        wanted = form.whole_number("count", minimum=1, maximum=MAX_COUNT)
        if not name.strip():
            form.fail("name", "Give the clue a name.")
    if not form.ok:
        return _clue_page(request, rt, who, form, status=422)
    try:
        spec, parsed = read_clue(rt, kind, topic=topic, function=function, days=window, query=query)
        if action == "save" and wanted is not None:
            started = save(rt, who.workspace_id, name, parsed, wanted, clue=spec)
            return RedirectResponse(f"/search/saved/{started.group_id}", status_code=303)
        result = preview_data(parsed, run_preview(rt, who.workspace_id, parsed))
    except ValidationError as exc:
        return _clue_page(request, rt, who, form.from_error(exc, fallback="kind", aliases={"filters": "query"}),
                          status=422)
    except OutboardError as exc:
        return _clue_page(request, rt, who, form.fail("kind", f"Not searched: {exc}."), status=422)
    return _clue_page(request, rt, who, form, parsed=parsed, result=result["preview"])


@router.get("/search/saved/{group_id}")
def saved(request: Request, group_id: int, who: Viewer = Depends(viewer),
          rt: Runtime = Depends(runtime_of)) -> Response:
    """A saved search or clue: how many it collected and what it left out; the job's progress refreshes the
    whole panel every second until it ends."""
    status = saved_search_status(rt.db, who.workspace_id, group_id)
    job = None
    if status["job"]:
        with rt.db.sessions() as session:
            job = job_progress(session, who.workspace_id, status["job"]["id"])
    return render(request, "search/saved.html", {"status": status, "job": job, "tab": "search"}, block="saved")
