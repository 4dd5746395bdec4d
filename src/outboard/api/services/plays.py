"""The play library as a workspace sees it: the shipped plays plus the workspace's own."""

from __future__ import annotations

from sqlalchemy.orm import Session

from outboard.core.plays import PlaySpec
from outboard.db.models import WorkspacePlay
from outboard.db.scope import Scope
from outboard.plays.library import get_play, list_plays, play_from_dict


def workspace_plays(session: Session, workspace_id: int) -> list[PlaySpec]:
    rows = session.scalars(Scope(session, workspace_id).select(WorkspacePlay).order_by(WorkspacePlay.key))
    return [play_from_dict(row.spec, source=f"workspace play {row.key}", origin="workspace") for row in rows]


def plays_for(session: Session, workspace_id: int, *, category: str | None = None, goal: str | None = None,
              relationship: str | None = None) -> list[PlaySpec]:
    return list_plays(workspace_plays(session, workspace_id), category=category or None, goal=goal or None,
                      relationship=relationship or None)


def play_for(session: Session, workspace_id: int, play_id: str) -> PlaySpec:
    """NotFound when neither the library nor this workspace has the play."""
    return get_play(play_id, workspace_plays(session, workspace_id))


def filter_choices(plays: list[PlaySpec]) -> dict[str, list[str]]:
    """The values the library's filters offer, taken from the plays themselves."""
    return {
        "category": sorted({p.category for p in plays}),
        "goal": sorted({p.goal for p in plays}),
        "relationship": [r for r in ("cold", "warm", "stalled", "known") if any(p.relationship == r for p in plays)],
    }
