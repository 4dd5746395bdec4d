"""A tiny state machine: a table of legal moves. Asking for an illegal move raises and changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from outboard.core.errors import IllegalTransition

S = TypeVar("S", bound=StrEnum)


@dataclass(frozen=True)
class Transition(Generic[S]):
    """A legal move; the database layer stores each one as an event."""

    machine: str
    source: S
    target: S


class StateMachine(Generic[S]):
    def __init__(self, name: str, moves: dict[S, tuple[S, ...]]):
        self.name = name
        self.moves = moves

    def allowed(self, current: S) -> tuple[S, ...]:
        return self.moves.get(current, ())

    def can(self, current: S, target: S) -> bool:
        return target in self.allowed(current)

    def move(self, current: S, target: S) -> Transition[S]:
        if not self.can(current, target):
            raise IllegalTransition(self.name, current.value, target.value, [s.value for s in self.allowed(current)])
        return Transition(self.name, current, target)

    def is_final(self, state: S) -> bool:
        return not self.allowed(state)
