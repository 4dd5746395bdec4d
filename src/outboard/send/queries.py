"""The send stage's reads for the web pages and the REST API: runs, sequence dashboards, leads at a step,
source groups with their counts, sender accounts, strategy profiles and manual tasks. Every read is scoped
to one workspace.

The dashboard counts are grouped queries over one sequence's rows (no per-row loop): one over its
enrollments, one over its messages. They read the `(sequence_id, lead_id)` and `step_id` indexes; see
docs/web.md for the covering indexes that keep them fast when a single sequence holds a million leads.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from outboard.core.stages import LeadStage
from outboard.db import tallies
from outboard.db.models import (
    Company,
    Enrollment,
    Lead,
    Message,
    Run,
    SenderAccount,
    Sequence,
    SourceGroup,
    SourceGroupMember,
    Step,
    StrategyProfileRow,
    sequence_source_groups,
)
from outboard.db.scope import Scope
from outboard.send.campaigns import sequence_accounts, sequence_steps

OPEN_STATES = ("active", "waiting")  # an enrollment that still has a step to go
ENROLLMENT_STATES = ("active", "waiting", "replied", "completed", "stopped")
MAX_PAGE = 200


# -- runs -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RunRow:
    id: int
    name: str
    play_key: str
    state: str
    created_at: datetime
    sequences: int


def runs_with_counts(session: Session, workspace_id: int) -> list[RunRow]:
    """The workspace's runs, newest first, with how many sequences each has."""
    count = (select(func.count()).where(Sequence.run_id == Run.id).correlate(Run).scalar_subquery())
    rows = session.execute(select(Run.id, Run.name, Run.play_key, Run.state, Run.created_at, count)
                           .where(Run.workspace_id == workspace_id).order_by(Run.id.desc()))
    return [RunRow(*row) for row in rows]


def run_sequences(session: Session, workspace_id: int, run_id: int) -> list[Sequence]:
    return list(session.scalars(Scope(session, workspace_id).select(Sequence).where(Sequence.run_id == run_id)
                                .order_by(Sequence.id)))


# -- the sequence dashboard -------------------------------------------------------------------------

@dataclass(frozen=True)
class StepRow:
    id: int
    position: int
    channel: str
    delay_days: int
    day: int  # counted from enrollment: "Day 0, 3, 5, 7"
    condition: str
    intent: str
    purpose: str
    waiting: int = 0  # open enrollments whose next step is this one
    sends: dict[str, int] = field(default_factory=dict)  # message send state -> count

    @property
    def sent(self) -> int:
        return self.sends.get("sent", 0)


@dataclass
class Dashboard:
    sequence: Sequence
    run: Run
    steps: list[StepRow]
    states: dict[str, int]
    stop_reasons: dict[str, int]
    strategy_name: str
    group_names: list[str]
    accounts: list[SenderAccount]
    siblings: list[tuple[int, str, str]]  # the run's sequences: id, name, state

    @property
    def total(self) -> int:
        return sum(self.states.values())

    @property
    def finished(self) -> int:
        """Enrollments past their last step (completed, replied or stopped)."""
        return self.total - sum(self.states.get(s, 0) for s in OPEN_STATES)


def step_rows(steps: list[Step]) -> list[StepRow]:
    rows, day = [], 0
    for step in steps:
        day += step.delay_days
        rows.append(StepRow(step.id, step.position, step.channel, step.delay_days, day, step.condition,
                            step.intent, step.purpose))
    return rows


def dashboard(session: Session, workspace_id: int, sequence_id: int) -> Dashboard:
    """Everything the dashboard shows in a few small queries; the counts come from the tallies, so the
    page costs the same for ten leads or a million."""
    scope = Scope(session, workspace_id)
    sequence = scope.get(Sequence, sequence_id, "sequence")
    run = scope.get(Run, sequence.run_id, "run")
    steps = sequence_steps(session, sequence.id)
    by_position: dict[int, int] = {}
    states = dict.fromkeys(ENROLLMENT_STATES, 0)
    stops: dict[str, int] = {}
    for position, state, stop_reason, count in tallies.enrollment_counts(session, sequence.id):
        states[state] = states.get(state, 0) + count
        if state in OPEN_STATES:
            by_position[position] = by_position.get(position, 0) + count
        if stop_reason:
            stops[stop_reason] = stops.get(stop_reason, 0) + count
    sends = tallies.send_counts(session, (s.id for s in steps))
    rows = [replace(r, waiting=by_position.get(r.position, 0), sends=sends.get(r.id, {})) for r in step_rows(steps)]
    strategy = session.get(StrategyProfileRow, sequence.strategy_profile_id)
    groups = list(session.scalars(select(SourceGroup.name).join(
        sequence_source_groups, sequence_source_groups.c.source_group_id == SourceGroup.id)
        .where(sequence_source_groups.c.sequence_id == sequence.id).order_by(SourceGroup.name)))
    siblings = [(s.id, s.name, s.state) for s in run_sequences(session, workspace_id, run.id)]
    return Dashboard(sequence, run, rows, states, stops, strategy.name if strategy else "—", groups,
                     sequence_accounts(session, sequence.id), siblings)


@dataclass(frozen=True)
class EnrolledLead:
    enrollment_id: int
    lead_id: int
    full_name: str
    title: str | None
    company: str | None
    state: str
    next_position: int
    next_due_at: datetime | None
    waiting_reason: str | None
    stop_reason: str | None


@dataclass(frozen=True)
class EnrolledPage:
    rows: list[EnrolledLead]
    next_cursor: int | None  # pass as `after` for the next page


def leads_at_step(session: Session, workspace_id: int, sequence_id: int, *, position: int | None = None,
                  state: str | None = None, after: int | None = None, limit: int = 50) -> EnrolledPage:
    """The leads of a sequence in keyset pages (by enrollment): waiting at a step when `position` is given,
    in one enrollment state when `state` is."""
    sequence = Scope(session, workspace_id).get(Sequence, sequence_id, "sequence")
    limit = max(1, min(limit, MAX_PAGE))
    query = (select(Enrollment.id, Lead.id, Lead.full_name, Lead.title, Company.name, Enrollment.state,
                    Enrollment.next_position, Enrollment.next_due_at, Enrollment.waiting_reason,
                    Enrollment.stop_reason)
             .join(Lead, Lead.id == Enrollment.lead_id).outerjoin(Company, Company.id == Lead.company_id)
             .where(Enrollment.sequence_id == sequence.id, Enrollment.workspace_id == workspace_id))
    if position is not None:
        query = query.where(Enrollment.next_position == position, Enrollment.state.in_(OPEN_STATES))
    if state is not None:
        query = query.where(Enrollment.state == state)
    if after is not None:
        query = query.where(Enrollment.id > after)
    rows = [EnrolledLead(*row) for row in session.execute(query.order_by(Enrollment.id).limit(limit + 1))]
    more = len(rows) > limit
    rows = rows[:limit]
    return EnrolledPage(rows, rows[-1].enrollment_id if more and rows else None)


# -- what a new sequence is made of -----------------------------------------------------------------

@dataclass(frozen=True)
class GroupStats:
    id: int
    name: str
    kind: str
    leads: int
    enriched: int  # past Discovered: profile enriched or further

    @property
    def eligible(self) -> bool:
        return self.enriched > 0


def source_group_stats(session: Session, workspace_id: int, group_ids: list[int] | None = None) -> list[GroupStats]:
    """The workspace's source groups with their lead counts, in one grouped query."""
    enriched = func.sum(case((Lead.stage != LeadStage.DISCOVERED.value, 1), else_=0))
    counts = (select(SourceGroupMember.source_group_id.label("group_id"), func.count().label("leads"),
                     enriched.label("enriched"))
              .join(Lead, Lead.id == SourceGroupMember.lead_id).where(Lead.workspace_id == workspace_id)
              .group_by(SourceGroupMember.source_group_id).subquery())
    query = (select(SourceGroup.id, SourceGroup.name, SourceGroup.kind, func.coalesce(counts.c.leads, 0),
                    func.coalesce(counts.c.enriched, 0))
             .outerjoin(counts, counts.c.group_id == SourceGroup.id)
             .where(SourceGroup.workspace_id == workspace_id).order_by(SourceGroup.name))
    if group_ids is not None:
        query = query.where(SourceGroup.id.in_(group_ids))
    return [GroupStats(*row) for row in session.execute(query)]


def sender_accounts(session: Session, workspace_id: int) -> list[SenderAccount]:
    return list(session.scalars(Scope(session, workspace_id).select(SenderAccount)
                                .order_by(SenderAccount.kind, SenderAccount.name, SenderAccount.id)))


def strategy_profiles(session: Session, workspace_id: int) -> list[StrategyProfileRow]:
    return list(session.scalars(Scope(session, workspace_id).select(StrategyProfileRow)
                                .order_by(StrategyProfileRow.name)))


def strategy_usage(session: Session, workspace_id: int) -> dict[int, int]:
    """Sequences per strategy profile."""
    rows = session.execute(select(Sequence.strategy_profile_id, func.count()).where(
        Sequence.workspace_id == workspace_id).group_by(Sequence.strategy_profile_id))
    return dict(rows.all())


# -- manual LinkedIn tasks --------------------------------------------------------------------------

@dataclass(frozen=True)
class TaskLead:
    lead_id: int
    full_name: str
    sequence_id: int
    sequence: str
    position: int


def task_leads(session: Session, workspace_id: int, message_ids: list[int]) -> dict[int, TaskLead]:
    """For each task's message: the lead it goes to, its sequence and step (one query)."""
    if not message_ids:
        return {}
    rows = session.execute(
        select(Message.id, Lead.id, Lead.full_name, Sequence.id, Sequence.name, Step.position)
        .join(Enrollment, Enrollment.id == Message.enrollment_id).join(Lead, Lead.id == Enrollment.lead_id)
        .join(Sequence, Sequence.id == Enrollment.sequence_id).join(Step, Step.id == Message.step_id)
        .where(Message.workspace_id == workspace_id, Message.id.in_(message_ids)))
    return {row[0]: TaskLead(*row[1:]) for row in rows}
