from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from outboard.api.auth import Caller, caller, db_session
from outboard.api.errors import responses
from outboard.api.schemas import PlayOut, PlayStepOut
from outboard.api.services.plays import play_for, plays_for
from outboard.core.plays import PlaySpec

router = APIRouter(tags=["plays"])


def play_out(play: PlaySpec) -> PlayOut:
    steps = [PlayStepOut(position=s.position, channel=s.channel.value, delay_days=s.delay_days, day=day,
                         condition=s.condition.value, intent=s.intent, purpose=s.purpose)
             for s, day in zip(play.steps, play.cumulative_days, strict=True)]
    return PlayOut(id=play.id, name=play.name, goal=play.goal, category=play.category,
                   relationship=play.relationship.value, channel_mix=play.channel_mix.value,
                   description=play.description, channels=[c.value for c in play.channels],
                   stop_on_reply=play.stop_on_reply, tags=list(play.tags), required_fields=list(play.required_fields),
                   readiness_checks=list(play.readiness_checks), origin=play.origin,  # type: ignore[arg-type]
                   steps=steps)


@router.get("/plays", response_model=list[PlayOut], responses=responses(422))
def list_plays(category: str | None = Query(None), goal: str | None = Query(None),
               relationship: str | None = Query(None, description="cold, warm, stalled or known"),
               who: Caller = Depends(caller), session: Session = Depends(db_session)) -> list[PlayOut]:
    """The play library: shipped plays and the workspace's own, filtered."""
    plays = plays_for(session, who.workspace_id, category=category, goal=goal, relationship=relationship)
    return [play_out(p) for p in plays]


@router.get("/plays/{play_id}", response_model=PlayOut, responses=responses(404))
def get_play(play_id: str, who: Caller = Depends(caller), session: Session = Depends(db_session)) -> PlayOut:
    """One play with its sequence."""
    return play_out(play_for(session, who.workspace_id, play_id))
