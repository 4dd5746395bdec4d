"""The scheduler tick: lease due steps, claim them (every rule re-checked, `sending` recorded), send,
record the outcomes. Safe to run in many workers at once on PostgreSQL; on SQLite one writer at a time."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime

from outboard.core.sequence import SendState
from outboard.db.models import Enrollment, SenderAccount
from outboard.db.timeline import record
from outboard.runtime import Runtime
from outboard.send.accounts import linkedin_api_settings, smtp_settings
from outboard.send.advance import schedule_position
from outboard.send.claim import ClaimFailure, claim_batch, lease_due
from outboard.send.context import SendContext
from outboard.send.dispatch import send_tickets
from outboard.send.finalize import finalize_batch
from outboard.send.outgoing import PayloadBuilder

log = logging.getLogger(__name__)


@dataclass
class TickResult:
    leased: int = 0
    claimed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def count(self, name: str, n: int = 1) -> None:
        self.outcomes[name] = self.outcomes.get(name, 0) + n

    def add(self, other: TickResult) -> None:
        self.leased += other.leased
        self.claimed += other.claimed
        for name, n in other.outcomes.items():
            self.count(name, n)

    @property
    def sent(self) -> int:
        return self.outcomes.get("Sent", 0)


def tick(rt: Runtime, batch: int = 200) -> TickResult:
    """One pass over what is due now. Call again until `leased` is 0 to drain."""
    db, now = rt.db, rt.clock.now()
    result = TickResult()
    with db.transaction() as session:
        leased = lease_due(session, now, batch)
    result.leased = len(leased)
    if not leased:
        return result
    builder = PayloadBuilder(rt.settings.secret_key or "", rt.settings.public_url, rt.clock.now)
    with db.transaction() as session:
        tickets, failures = claim_batch(session, leased, now, builder)
        accounts = {t.account_id: session.get(SenderAccount, t.account_id) for t in tickets}
    for failure in failures:
        _claim_failed(rt, failure)
    result.claimed = len(tickets)
    network = [t for t in tickets if t.provider != "manual"]
    result.count("ManualTask", len(tickets) - len(network))
    if network:
        box = rt.secrets
        outcomes: list[tuple] = asyncio.run(send_tickets(
            network, lambda account_id: smtp_settings(accounts[account_id], box),  # type: ignore[arg-type]
            lambda account_id: linkedin_api_settings(accounts[account_id], box)))  # type: ignore[arg-type]
        with db.transaction() as session:
            finalize_batch(session, outcomes, rt.clock.now())
        for _ticket, outcome in outcomes:
            result.count(type(outcome).__name__)
    return result


def _claim_failed(rt: Runtime, failure: ClaimFailure) -> None:
    """Record the error on the step's message and move the lead on, so the lease does not retry forever."""
    now: datetime = rt.clock.now()
    with rt.db.transaction() as session:
        enrollment = session.get(Enrollment, failure.enrollment_id)
        if enrollment is None or enrollment.next_due_at != failure.lease_until:
            return
        ctx = SendContext(session)
        step = ctx.step_at(enrollment.sequence_id, enrollment.next_position)
        if step is not None:
            message = ctx.message(enrollment.id, step.id)
            if message is not None and message.send_state == SendState.SCHEDULED.value:
                message.send_state, message.last_error = SendState.FAILED.value, f"{failure.error}"[:1000]
        record(session, enrollment.workspace_id, "send_failed", lead_id=enrollment.lead_id,
               subject=f"sequence:{enrollment.sequence_id}", reason=str(failure.error)[:500])
        schedule_position(ctx, enrollment, enrollment.next_position + 1, now)
        ctx.finish()


