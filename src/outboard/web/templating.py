"""Templates: autoescaped everywhere (lead data comes from outside), rendered whole or as one block for htmx."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader
from jinja2_fragments.fastapi import Jinja2Blocks
from sqlalchemy import select

from outboard import __version__
from outboard.core.stages import STAGE_LABELS, LeadStage
from outboard.db.models import Run, Workspace
from outboard.team.usage import balance
from outboard.web.deps import Viewer, current_viewer, web_session

TEMPLATES = Path(__file__).with_name("templates")
CHANNEL_LABELS = {"email": "Email", "linkedin_invite": "LinkedIn invite", "linkedin_message": "LinkedIn message"}


def _datetime(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def _number(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _stage(value: str | LeadStage) -> str:
    try:
        return STAGE_LABELS[LeadStage(value)]
    except ValueError:
        return str(value)


def _words(value: str | None) -> str:
    return (value or "").replace("_", " ")


def _sentence(value: str | None) -> str:
    """First letter upper case, the rest untouched (Jinja's `capitalize` lowercases "LinkedIn")."""
    text = str(value or "")
    return text[:1].upper() + text[1:]


def _query_string(base: dict[str, Any], **overrides: Any) -> str:
    """`?a=1&b=2` from the current filters with some replaced; empty values are left out."""
    merged = {**base, **overrides}
    return "?" + urlencode({k: v for k, v in merged.items() if v not in (None, "")})


def make_templates() -> Jinja2Blocks:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(dt=_datetime, num=_number, stage=_stage, words=_words, sentence=_sentence)
    env.globals.update(version=__version__, channel_labels=CHANNEL_LABELS, stages=list(LeadStage),
                       qs=_query_string)
    return Jinja2Blocks(env=env)


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def _layout(request: Request, who: Viewer) -> dict[str, Any]:
    """What the top bar shows on every page: the workspace, its runs, the chosen run and the balance."""
    rt = request.app.state.rt
    with rt.db.sessions() as session:
        workspace = session.get(Workspace, who.workspace_id)
        runs = session.execute(select(Run.id, Run.name, Run.state).where(Run.workspace_id == who.workspace_id)
                               .order_by(Run.id.desc()).limit(100)).all()
        credits = balance(session, who.workspace_id)
    run_id = web_session(request).state.run_id
    return {"workspace": workspace, "runs": runs, "current_run": next((r for r in runs if r.id == run_id), None),
            "balance": credits}


def render(request: Request, name: str, context: dict[str, Any] | None = None, *, block: str | None = None,
           status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A page, or only `block` when htmx asks for a fragment (then the top bar is not rebuilt)."""
    templates: Jinja2Blocks = request.app.state.templates
    session = web_session(request)
    who = current_viewer(request)
    ctx: dict[str, Any] = {"viewer": who, "csrf_token": session.state.csrf, "path": request.url.path,
                           **(context or {})}
    if block and is_htmx(request):
        return templates.TemplateResponse(request, name, ctx, status_code=status, headers=headers, block_name=block)
    ctx["flash"] = session.pop_flash()
    if who is not None:
        ctx.update(_layout(request, who))
    return templates.TemplateResponse(request, name, ctx, status_code=status, headers=headers)


def plain(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """Public pages outside the signed-in layout (unsubscribe): no session, no top bar."""
    templates: Jinja2Blocks = request.app.state.templates
    return templates.TemplateResponse(request, name, {"viewer": None, **context}, status_code=status)
