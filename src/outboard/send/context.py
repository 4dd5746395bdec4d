"""What one batch of the send path shares: rows loaded once per transaction instead of once per email.

A scheduler tick claims and finalizes a batch of steps in one transaction each; the sequences, steps,
accounts and strategy of that batch are the same for most of its leads, so they are read once here, and
the batch's enrollments, leads and messages are loaded with one query per table.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from outboard.core.stages import LeadStage
from outboard.db.models import Enrollment, Lead, Message, Run, SenderAccount, Sequence, Step, Suppression
from outboard.db.suppressions import identity_of
from outboard.db.timeline import move_lead
from outboard.send.campaigns import complete_if_finished, sequence_accounts

T = TypeVar("T")


class SendContext:
    def __init__(self, session: Session):
        self.session = session
        # Strong references: the session's identity map only holds objects weakly, and a row read for
        # one email of the batch must still be there for the next one.
        self._rows: dict[tuple[type, int], object] = {}
        self._steps: dict[int, list[Step]] = {}
        self._accounts: dict[int, list[SenderAccount]] = {}
        self._messages: dict[tuple[int, int], Message] | None = None
        self._suppressed: dict[tuple[str, str], str] = {}
        self._checked: set[tuple[str, str]] = set()
        self.touched_sequences: set[int] = set()
        self.finished_leads: set[int] = set()

    # Static rows of the batch -------------------------------------------------------------------------

    def get(self, model: type[T], row_id: int) -> T:
        key = (model, row_id)
        if key not in self._rows:
            row = self.session.get(model, row_id)
            assert row is not None, f"{model.__name__} {row_id} vanished"
            self._rows[key] = row
        return self._rows[key]  # type: ignore[return-value]

    def keep(self, rows: Iterable[object]) -> list:  # type: ignore[type-arg]
        kept = list(rows)
        for row in kept:
            self._rows[(type(row), row.id)] = row  # type: ignore[attr-defined]
        return kept

    def sequence(self, sequence_id: int) -> Sequence:
        return self.get(Sequence, sequence_id)

    def run(self, run_id: int) -> Run:
        return self.get(Run, run_id)

    def account(self, account_id: int) -> SenderAccount:
        return self.get(SenderAccount, account_id)

    def steps(self, sequence_id: int) -> list[Step]:
        if sequence_id not in self._steps:
            self._steps[sequence_id] = list(self.session.scalars(
                select(Step).where(Step.sequence_id == sequence_id).order_by(Step.position)))
        return self._steps[sequence_id]

    def step_at(self, sequence_id: int, position: int) -> Step | None:
        return next((s for s in self.steps(sequence_id) if s.position == position), None)

    def accounts(self, sequence_id: int) -> list[SenderAccount]:
        if sequence_id not in self._accounts:
            self._accounts[sequence_id] = sequence_accounts(self.session, sequence_id)
        return self._accounts[sequence_id]

    # The batch's own rows ------------------------------------------------------------------------------

    def preload(self, enrollment_ids: Iterable[int]) -> list[Enrollment]:
        """Load the enrollments, their leads and their messages with one query each."""
        ids = list(enrollment_ids)
        enrollments = self.keep(self.session.scalars(select(Enrollment).where(Enrollment.id.in_(ids))))
        self.keep(self.session.scalars(select(Lead).where(Lead.id.in_([e.lead_id for e in enrollments]))))
        self._messages = {(m.enrollment_id, m.step_id): m for m in self.session.scalars(
            select(Message).where(Message.enrollment_id.in_(ids)))}
        return enrollments

    def message(self, enrollment_id: int, step_id: int) -> Message | None:
        if self._messages is not None and (enrollment_id, step_id) in self._messages:
            return self._messages[(enrollment_id, step_id)]
        return self.session.scalar(select(Message).where(Message.enrollment_id == enrollment_id,
                                                         Message.step_id == step_id))

    def lead(self, lead_id: int) -> Lead:
        return self.get(Lead, lead_id)

    def suppressions(self, workspace_id: int, lead: Lead) -> list[tuple[str, str]]:
        """The (kind, reason) of every suppression entry matching this lead (rule 3). Looked up for every
        lead of the batch at once; a lead that was not in the batch's first lookup gets its own."""
        keys = identity_of(lead).hashes()
        unknown = [k for k in keys if k not in self._checked]
        if unknown:
            batch = {k for (model, _), other in self._rows.items() if model is Lead
                     for k in identity_of(other).hashes()} - self._checked  # type: ignore[arg-type]
            rows = self.session.execute(select(Suppression.kind, Suppression.value_hash, Suppression.reason).where(
                Suppression.workspace_id == workspace_id,
                tuple_(Suppression.kind, Suppression.value_hash).in_(batch | set(unknown))))
            self._suppressed.update({(kind, value_hash): reason for kind, value_hash, reason in rows})
            self._checked |= batch | set(unknown)
        return [(k[0], self._suppressed[k]) for k in keys if k in self._suppressed]

    def finish(self) -> None:
        """End of batch: leads whose every enrollment is over become Completed, and so do sequences whose
        last enrollment ended in it. Done once per batch, after one flush, instead of once per email."""
        self.session.flush()
        if self.finished_leads:
            still_open = set(self.session.scalars(select(Enrollment.lead_id).where(
                Enrollment.lead_id.in_(self.finished_leads), Enrollment.state.in_(("active", "waiting")))))
            for lead_id in sorted(self.finished_leads - still_open):
                lead = self.lead(lead_id)
                if lead.stage == LeadStage.OUTREACH_ACTIVE.value and lead.stop_reason is None:
                    move_lead(self.session, lead, LeadStage.COMPLETED)
            self.finished_leads.clear()
        for sequence_id in sorted(self.touched_sequences):
            complete_if_finished(self.session, self.sequence(sequence_id))
        self.touched_sequences.clear()


