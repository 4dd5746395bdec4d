"""Run and Sequence lifecycles: Draft → Active → Paused ⇄ Active → Completed."""

from __future__ import annotations

from enum import StrEnum

from outboard.core.machine import StateMachine


class Lifecycle(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"


_L = Lifecycle
_MOVES = {
    _L.DRAFT: (_L.ACTIVE,),
    _L.ACTIVE: (_L.PAUSED, _L.COMPLETED),
    _L.PAUSED: (_L.ACTIVE,),
    _L.COMPLETED: (),
}

RUN_STATES: StateMachine[Lifecycle] = StateMachine("run", _MOVES)
SEQUENCE_STATES: StateMachine[Lifecycle] = StateMachine("sequence", _MOVES)
