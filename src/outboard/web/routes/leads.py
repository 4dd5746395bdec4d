"""The leads table (keyset pages, stage and source group filters, search) and the lead detail panel."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from outboard.core.stages import LeadStage
from outboard.sources.lead_queries import LeadFilter, lead_detail, list_leads, search_kind, source_groups, stage_counts
from outboard.web.deps import Viewer, csrf_protect, db_session, viewer
from outboard.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)])
PAGE_SIZE = 50


def _int(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def _stage(text: str | None) -> LeadStage | None:
    try:
        return LeadStage(text) if text else None
    except ValueError:
        return None


@router.get("/leads")
def leads(request: Request, stage: str = "", group: str = "", q: str = "", after: str = "", before: str = "",
          who: Viewer = Depends(viewer), session: Session = Depends(db_session)) -> Response:
    filters = LeadFilter(_stage(stage), _int(group), q.strip()[:300])
    page = list_leads(session, who.workspace_id, filters, after=_int(after), before=_int(before), limit=PAGE_SIZE)
    counts = stage_counts(session, who.workspace_id)
    query = {"stage": filters.stage.value if filters.stage else "", "group": filters.source_group_id or "",
             "q": filters.search}
    return render(request, "leads/table.html",
                  {"page": page, "counts": counts, "total": sum(counts.values()), "groups": source_groups(
                      session, who.workspace_id), "query": query, "search_kind": search_kind(filters.search)
                   if filters.search else None}, block="results")


@router.get("/leads/{lead_id}")
def lead(request: Request, lead_id: int, who: Viewer = Depends(viewer),
         session: Session = Depends(db_session)) -> Response:
    detail = lead_detail(session, who.workspace_id, lead_id)
    return render(request, "leads/detail.html", {"d": detail}, block="panel")
