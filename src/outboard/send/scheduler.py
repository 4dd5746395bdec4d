"""The scheduler tick: lease due steps, claim each (rules re-checked), send, record. Safe to run in many
workers at once on PostgreSQL; on SQLite one worker ticks at a time."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from outboard.core.sequence import SendState
from outboard.db.models import Enrollment, Message, SenderAccount, Step
from outboard.db.timeline import record
from outboard.runtime import Runtime
from outboard.send.accounts import linkedin_api_settings, smtp_settings
from outboard.send.advance import schedule_position
from outboard.send.claim import Ticket, claim, lease_due
from outboard.send.dispatch import send_tickets
from outboard.send.finalize import finalize
from outboard.send.outcomes import Outcome
from outboard.send.outgoing import PayloadBuilder

log = logging.getLogger(__name__)


@dataclass
class TickResult:
    leased: int = 0
    claimed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: Outcome) -> None:
        name = type(outcome).__name__
        self.outcomes[name] = self.outcomes.get(name, 0) + 1

    @property
    def sent(self) -> int:
        return self.outcomes.get("Sent", 0)


def tick(rt: Runtime, batch: int = 200) -> TickResult:
    """One pass over what is due now. Returns what happened; call again until `leased` is 0 to drain."""
    db, now = rt.db, rt.clock.now()
    result = TickResult()
    with db.transaction() as session:
        leased = lease_due(session, now, batch)
    result.leased = len(leased)
    if not leased:
        return result
    builder = PayloadBuilder(rt.settings.secret_key or "", rt.settings.public_url, rt.clock.now)
    tickets: list[Ticket] = []
    for enrollment_id, lease_until in leased:
        try:
            with db.transaction() as session:
                ticket = claim(session, enrollment_id, lease_until, now, builder)
        except Exception as exc:  # one bad lead must not stop the others; it is recorded and moved on
            log.exception("claim of enrollment %s failed", enrollment_id)
            _claim_failed(rt, enrollment_id, lease_until, exc)
            continue
        if ticket is not None:
            tickets.append(ticket)
    result.claimed = len(tickets)
    network = [t for t in tickets if t.provider != "manual"]
    if network:
        box = rt.secrets
        accounts: dict[int, SenderAccount] = {}
        with db.sessions() as session:
            for ticket in network:
                accounts.setdefault(ticket.account_id, session.get(SenderAccount, ticket.account_id))  # type: ignore[arg-type]
        outcomes = asyncio.run(send_tickets(network, lambda account_id: smtp_settings(accounts[account_id], box),
                                            lambda account_id: linkedin_api_settings(accounts[account_id], box)))
        for ticket, outcome in outcomes:
            with db.transaction() as session:
                finalize(session, ticket, outcome, rt.clock.now())
            result.count(outcome)
    for ticket in tickets:
        if ticket.provider == "manual":
            result.outcomes["ManualTask"] = result.outcomes.get("ManualTask", 0) + 1
    return result


def _claim_failed(rt: Runtime, enrollment_id: int, lease_until: object, exc: Exception) -> None:
    """Record the error on the step's message and move the lead on, so the lease does not retry forever."""
    now = rt.clock.now()
    with rt.db.transaction() as session:
        enrollment = session.get(Enrollment, enrollment_id)
        if enrollment is None or enrollment.next_due_at != lease_until:
            return
        step = session.query(Step).filter_by(sequence_id=enrollment.sequence_id,
                                             position=enrollment.next_position).one_or_none()
        if step is not None:
            message = session.query(Message).filter_by(enrollment_id=enrollment.id, step_id=step.id).one_or_none()
            if message is not None and message.send_state == SendState.SCHEDULED.value:
                message.send_state, message.last_error = SendState.FAILED.value, f"{exc}"[:1000]
        record(session, enrollment.workspace_id, "send_failed", lead_id=enrollment.lead_id,
               subject=f"sequence:{enrollment.sequence_id}", reason=str(exc)[:500])
        schedule_position(session, enrollment, enrollment.next_position + 1, now)
