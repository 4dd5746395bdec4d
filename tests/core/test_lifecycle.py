"""Run and sequence lifecycles: Draft → Active → Paused ⇄ Active → Completed, nothing else."""

import itertools

import pytest

from outboard.core.errors import IllegalTransition
from outboard.core.lifecycle import RUN_STATES, SEQUENCE_STATES, Lifecycle

L = Lifecycle
LEGAL = {(L.DRAFT, L.ACTIVE), (L.ACTIVE, L.PAUSED), (L.PAUSED, L.ACTIVE), (L.ACTIVE, L.COMPLETED)}


@pytest.mark.parametrize("machine", [RUN_STATES, SEQUENCE_STATES], ids=["run", "sequence"])
@pytest.mark.parametrize("source,target", list(itertools.product(L, L)))
def test_only_the_documented_moves_are_legal(machine, source, target):
    if (source, target) in LEGAL:
        assert machine.move(source, target).target is target
    else:
        with pytest.raises(IllegalTransition, match=f"{machine.name} cannot go from {source.value}"):
            machine.move(source, target)
