"""The scheduler tick: lock due steps and claim them in one transaction (every rule re-checked, `sending`
recorded), send, record the outcomes. Safe to run in many workers at once on PostgreSQL; on SQLite one
writer at a time."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from outboard.core.sequence import SendState
from outboard.db.models import Enrollment, SenderAccount
from outboard.db.timeline import record
from outboard.runtime import Runtime
from outboard.send.accounts import linkedin_api_settings, smtp_settings
from outboard.send.advance import schedule_position
from outboard.send.channels.email_smtp import SmtpSettings
from outboard.send.channels.linkedin_api import LinkedInApiSettings
from outboard.send.claim import ClaimFailure, Ticket, claim_batch, lock_due
from outboard.send.context import SendContext
from outboard.send.dispatch import Dispatcher
from outboard.send.finalize import finalize_batch
from outboard.send.outcomes import Outcome
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


@dataclass
class Claimed:
    """One batch claimed and committed: what goes over the network, with each account's settings."""

    result: TickResult
    network: list[Ticket]
    smtp: dict[int, SmtpSettings]
    linkedin: dict[int, LinkedInApiSettings]

    def send(self, dispatcher: Dispatcher) -> list[tuple[Ticket, Outcome]]:
        return dispatcher.send(self.network, self.smtp.__getitem__, self.linkedin.__getitem__)


def claim_due(rt: Runtime, batch: int = 200) -> Claimed:
    """Lock what is due now and claim it in one transaction; claim failures are recorded after it."""
    db, now = rt.db, rt.clock.now()
    result = TickResult()
    builder = PayloadBuilder(rt.settings.secret_key or "", rt.settings.public_url, rt.clock.now, rt.secrets)
    with db.transaction() as session:
        due = lock_due(session, now, batch)
        result.leased = len(due)
        tickets, failures = claim_batch(session, due, now, builder) if due else ([], [])
        accounts = {t.account_id: session.get(SenderAccount, t.account_id) for t in tickets}
    for failure in failures:
        _claim_failed(rt, failure)
    result.claimed = len(tickets)
    network = [t for t in tickets if t.provider != "manual"]
    result.count("ManualTask", len(tickets) - len(network))
    box = rt.secrets
    smtp = {t.account_id: smtp_settings(accounts[t.account_id], box)  # type: ignore[arg-type]
            for t in network if t.provider == "smtp"}
    linkedin = {t.account_id: linkedin_api_settings(accounts[t.account_id], box)  # type: ignore[arg-type]
                for t in network if t.provider == "api"}
    return Claimed(result, network, smtp, linkedin)


def record_outcomes(rt: Runtime, outcomes: list[tuple[Ticket, Outcome]], result: TickResult) -> None:
    with rt.db.transaction() as session:
        finalize_batch(session, outcomes, rt.clock.now())
    for ticket, outcome in outcomes:
        name = type(outcome).__name__
        result.count(name if ticket.action == "send" else f"{ticket.action}:{name}")


def tick(rt: Runtime, batch: int = 200, dispatcher: Dispatcher | None = None) -> TickResult:
    """One pass over what is due now: claim, send, record. Call again until `leased` is 0 to drain."""
    claimed = claim_due(rt, batch)
    if claimed.network:
        if dispatcher is None:
            with Dispatcher() as own:
                outcomes = claimed.send(own)
        else:
            outcomes = claimed.send(dispatcher)
        record_outcomes(rt, outcomes, claimed.result)
    return claimed.result


def drain(rt: Runtime, batch: int = 200) -> TickResult:
    """Tick until nothing is due now, SMTP connections kept open throughout; returns the totals."""
    total = TickResult()
    with Dispatcher() as dispatcher:
        while True:
            result = tick(rt, batch, dispatcher)
            total.add(result)
            if not result.leased:
                return total


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


