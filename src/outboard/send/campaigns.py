"""Runs and sequences: created from a Play, steps edited while Draft, paused and resumed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from outboard.core.errors import IllegalTransition, OutboardError, ValidationError
from outboard.core.lifecycle import Lifecycle
from outboard.core.plays import PlaySpec
from outboard.core.sequence import Channel, Condition, StepSpec, validate_step, validate_steps
from outboard.db.models import (
    Enrollment,
    Run,
    SenderAccount,
    Sequence,
    SourceGroup,
    Step,
    StrategyProfileRow,
    run_source_groups,
    sequence_senders,
    sequence_source_groups,
)
from outboard.db.scope import Scope
from outboard.db.timeline import move_run, move_sequence, record
from outboard.plays.library import get_play, play_from_dict, play_to_dict


@dataclass(frozen=True)
class StepInput:
    channel: str
    delay_days: int
    condition: str = "no_reply"
    intent: str = "intro"
    purpose: str = ""


def create_run(session: Session, workspace_id: int, name: str, play_id: str,
               extra_plays: tuple[PlaySpec, ...] = ()) -> Run:
    play = get_play(play_id, extra_plays)
    if not name.strip():
        raise ValidationError("name", "a run needs a name")
    run = Scope(session, workspace_id).add(Run(name=name.strip(), play_key=play.id, play_snapshot=play_to_dict(play)))
    session.flush()
    record(session, workspace_id, "run_created", subject=f"run:{run.id}", play=play.id)
    return run


def run_play(run: Run) -> PlaySpec:
    return play_from_dict(run.play_snapshot, source=f"run {run.id}", origin="snapshot")


def replace_play(session: Session, run: Run, play_id: str, extra_plays: tuple[PlaySpec, ...] = ()) -> None:
    """Only while Draft: the new play replaces the snapshot and every sequence's steps (what came from it)."""
    if run.state != Lifecycle.DRAFT.value:
        raise OutboardError(f"run {run.id} is {run.state}: its play is locked once the run has been launched")
    play = get_play(play_id, extra_plays)
    run.play_key, run.play_snapshot = play.id, play_to_dict(play)
    for sequence in session.scalars(select(Sequence).where(Sequence.run_id == run.id)):
        _write_steps(session, sequence, [_from_play(s) for s in play.steps])
        sequence.stop_on_reply = play.stop_on_reply
    record(session, run.workspace_id, "run_play_replaced", subject=f"run:{run.id}", play=play.id)


def _from_play(step: Any) -> StepInput:
    return StepInput(step.channel.value, step.delay_days, step.condition.value, step.intent, step.purpose)


def attach_source_groups(session: Session, scope: Scope, run: Run, group_ids: list[int]) -> None:
    for group_id in group_ids:
        scope.get(SourceGroup, group_id, "source group")
        exists = session.execute(select(run_source_groups).where(
            run_source_groups.c.run_id == run.id, run_source_groups.c.source_group_id == group_id)).first()
        if not exists:
            session.execute(insert(run_source_groups).values(run_id=run.id, source_group_id=group_id))


def create_sequence(session: Session, workspace_id: int, run_id: int, name: str, strategy_profile_id: int,
                    source_group_ids: list[int], sender_account_ids: list[int] | None = None,
                    steps: list[StepInput] | None = None, schedule: dict[str, Any] | None = None,
                    stop_on_reply: bool | None = None) -> Sequence:
    scope = Scope(session, workspace_id)
    run = scope.get(Run, run_id, "run")
    if run.state == Lifecycle.COMPLETED.value:
        raise OutboardError(f"run {run.id} is completed; create a new run")
    scope.get(StrategyProfileRow, strategy_profile_id, "strategy profile")
    if not source_group_ids:
        raise ValidationError("source_groups", "a sequence needs at least one source group")
    play = run_play(run)
    sequence = scope.add(Sequence(run_id=run.id, name=name.strip() or "Sequence",
                                  strategy_profile_id=strategy_profile_id, schedule=schedule or {},
                                  stop_on_reply=play.stop_on_reply if stop_on_reply is None else stop_on_reply))
    session.flush()
    _write_steps(session, sequence, steps if steps is not None else [_from_play(s) for s in play.steps])
    attach_source_groups(session, scope, run, source_group_ids)
    for group_id in source_group_ids:
        session.execute(insert(sequence_source_groups).values(sequence_id=sequence.id, source_group_id=group_id))
    set_senders(session, scope, sequence, sender_account_ids or [])
    record(session, workspace_id, "sequence_created", subject=f"sequence:{sequence.id}", run=run.id)
    return sequence


def set_senders(session: Session, scope: Scope, sequence: Sequence, account_ids: list[int]) -> None:
    for account_id in account_ids:
        scope.get(SenderAccount, account_id, "sender account")
    session.execute(delete(sequence_senders).where(sequence_senders.c.sequence_id == sequence.id))
    for account_id in dict.fromkeys(account_ids):
        session.execute(insert(sequence_senders).values(sequence_id=sequence.id, sender_account_id=account_id))


def set_steps(session: Session, sequence: Sequence, steps: list[StepInput]) -> None:
    """Replace the steps of a Draft sequence; an active sequence's steps cannot change under its leads."""
    if sequence.state != Lifecycle.DRAFT.value:
        raise OutboardError(f"sequence {sequence.id} is {sequence.state}: steps can only be edited before launch")
    _write_steps(session, sequence, steps)
    record(session, sequence.workspace_id, "sequence_steps_edited", subject=f"sequence:{sequence.id}",
           steps=len(steps))


def _write_steps(session: Session, sequence: Sequence, steps: list[StepInput]) -> None:
    for position, step in enumerate(steps, start=1):
        validate_step(position, step.channel, step.delay_days, step.condition)
    validate_steps([StepSpec(i, Channel(s.channel), s.delay_days, Condition(s.condition), s.purpose)
                    for i, s in enumerate(steps, start=1)])
    # Messages written for the old steps belong to them; they go with them (cascade).
    session.execute(delete(Step).where(Step.sequence_id == sequence.id))
    for position, step in enumerate(steps, start=1):
        session.add(Step(sequence_id=sequence.id, position=position, channel=step.channel,
                         delay_days=step.delay_days, condition=step.condition, intent=step.intent,
                         purpose=step.purpose))
    session.flush()


def sequence_steps(session: Session, sequence_id: int) -> list[Step]:
    return list(session.scalars(select(Step).where(Step.sequence_id == sequence_id).order_by(Step.position)))


def sequence_group_ids(session: Session, sequence_id: int) -> list[int]:
    return list(session.scalars(select(sequence_source_groups.c.source_group_id)
                                .where(sequence_source_groups.c.sequence_id == sequence_id)))


def sequence_accounts(session: Session, sequence_id: int) -> list[SenderAccount]:
    return list(session.scalars(select(SenderAccount).join(
        sequence_senders, sequence_senders.c.sender_account_id == SenderAccount.id)
        .where(sequence_senders.c.sequence_id == sequence_id).order_by(SenderAccount.id)))


_PAUSED = "paused|"


def _hold(session: Session, sequence_ids: list[int]) -> None:
    """Take a paused sequence's enrollments off the due-time index (so ticks stay cheap), remembering
    why each was waiting before."""
    for enrollment in session.scalars(select(Enrollment).where(Enrollment.sequence_id.in_(sequence_ids),
                                                               Enrollment.state == "active")):
        enrollment.state = "waiting"
        enrollment.waiting_reason = _PAUSED + (enrollment.waiting_reason or "")


def _release(session: Session, sequence_ids: list[int]) -> None:
    for enrollment in session.scalars(select(Enrollment).where(
            Enrollment.sequence_id.in_(sequence_ids), Enrollment.state == "waiting",
            Enrollment.waiting_reason.like(_PAUSED + "%"))):
        enrollment.state = "active"
        enrollment.waiting_reason = enrollment.waiting_reason.removeprefix(_PAUSED) or None


def pause_sequence(session: Session, sequence: Sequence, why: str = "paused by user") -> None:
    move_sequence(session, sequence, Lifecycle.PAUSED, why=why)
    _hold(session, [sequence.id])


def _only_from_paused(machine: str, state: str) -> None:
    """Resuming is Paused → Active; launching (Draft → Active) is a different act with its own checks."""
    if state != Lifecycle.PAUSED.value:
        raise IllegalTransition(f"{machine} resume", state, Lifecycle.ACTIVE.value, [])


def resume_sequence(session: Session, sequence: Sequence) -> None:
    _only_from_paused("sequence", sequence.state)
    run = session.get(Run, sequence.run_id)
    assert run is not None
    if run.state == Lifecycle.PAUSED.value:
        raise OutboardError(f"run {run.id} is paused: resume the run to resume its sequences")
    move_sequence(session, sequence, Lifecycle.ACTIVE, why="resumed by user")
    _release(session, [sequence.id])


def _active_sequences(session: Session, run: Run) -> list[int]:
    return list(session.scalars(select(Sequence.id).where(Sequence.run_id == run.id,
                                                          Sequence.state == Lifecycle.ACTIVE.value)))


def pause_run(session: Session, run: Run) -> None:
    """Pausing a run stops all its sequences from sending until the run is resumed."""
    move_run(session, run, Lifecycle.PAUSED, why="paused by user")
    _hold(session, _active_sequences(session, run))


def resume_run(session: Session, run: Run) -> None:
    _only_from_paused("run", run.state)
    move_run(session, run, Lifecycle.ACTIVE, why="resumed by user")
    _release(session, _active_sequences(session, run))


def complete_if_finished(session: Session, sequence: Sequence) -> bool:
    """Complete the sequence (and its run) when no enrollment can move any more."""
    if sequence.state != Lifecycle.ACTIVE.value:
        return False
    open_left = session.scalar(select(Enrollment.id).where(
        Enrollment.sequence_id == sequence.id, Enrollment.state.in_(("active", "waiting"))).limit(1))
    if open_left is not None:
        return False
    move_sequence(session, sequence, Lifecycle.COMPLETED, why="every enrollment is final")
    run = session.get(Run, sequence.run_id)
    assert run is not None
    unfinished = session.scalar(select(Sequence.id).where(
        Sequence.run_id == run.id, Sequence.state != Lifecycle.COMPLETED.value).limit(1))
    if unfinished is None and run.state == Lifecycle.ACTIVE.value:
        move_run(session, run, Lifecycle.COMPLETED, why="every sequence is completed")
    return True
