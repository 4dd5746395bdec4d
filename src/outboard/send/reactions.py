"""What people do that changes a sequence: reply, accept an invite, opt out, go out of office.

One function per write; the inbox, the LinkedIn tasks, the webhooks and the web app all call these.
Each takes the enrollment row lock first, so a send being claimed at the same moment either sees the
change or has already recorded `sending` (rule 2).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from outboard.core.sequence import EnrollmentState
from outboard.core.stages import LeadStage, StopReason
from outboard.db.models import Enrollment, Lead, Sequence
from outboard.db.suppressions import suppress
from outboard.db.timeline import move_lead, record, stop_lead
from outboard.send.advance import schedule_position, stop_enrollment
from outboard.send.context import SendContext

OPEN = (EnrollmentState.ACTIVE.value, EnrollmentState.WAITING.value)


def _open_enrollments(session: Session, lead_id: int) -> list[Enrollment]:
    return list(session.scalars(select(Enrollment).where(Enrollment.lead_id == lead_id, Enrollment.state.in_(OPEN))
                                .with_for_update()))


COLLEAGUE_REPLIED = "colleague_replied"  # the stop reason of a colleague's enrollment (stop_colleagues_on_reply)


def record_reply(session: Session, lead: Lead, channel: str, at: datetime, *, source: str = "") -> int:
    """A human reply on any channel. With stop-on-reply (the default) every remaining automated step is
    cancelled; otherwise only `no_reply` steps are. Returns how many enrollments stopped."""
    stopped = 0
    ctx = SendContext(session)
    for enrollment in _open_enrollments(session, lead.id):
        sequence = session.get(Sequence, enrollment.sequence_id)
        assert sequence is not None
        enrollment.replied_at = enrollment.replied_at or at
        if sequence.stop_on_reply:
            stop_enrollment(ctx, enrollment, EnrollmentState.REPLIED, f"replied on {channel}")
            stopped += 1
        if sequence.stop_colleagues_on_reply and lead.company_id is not None:
            stopped += _stop_colleagues(ctx, lead, sequence)
    record(session, lead.workspace_id, "replied", lead_id=lead.id, channel=channel, source=source)
    if lead.stage == LeadStage.OUTREACH_ACTIVE.value and lead.stop_reason is None:
        move_lead(session, lead, LeadStage.REPLIED, channel=channel)
    ctx.finish()
    return stopped


def _stop_colleagues(ctx: SendContext, lead: Lead, sequence: Sequence) -> int:
    colleagues = ctx.session.scalars(select(Enrollment).join(Lead, Lead.id == Enrollment.lead_id).where(
        Enrollment.sequence_id == sequence.id, Enrollment.state.in_(OPEN), Lead.company_id == lead.company_id,
        Lead.id != lead.id).with_for_update())
    count = 0
    for enrollment in colleagues:
        # A short code (the column holds 20 characters, and the dashboard counts stops by it); the replier is
        # on the timeline as the `replied` event.
        stop_enrollment(ctx, enrollment, EnrollmentState.STOPPED, COLLEAGUE_REPLIED)
        count += 1
    return count


def record_acceptance(session: Session, lead: Lead, at: datetime) -> None:
    """The lead accepted our invite (1st degree now): a waiting LinkedIn message is timed from now."""
    if lead.linkedin_connected_at is None:
        lead.linkedin_connected_at = at
    record(session, lead.workspace_id, "invite_accepted", lead_id=lead.id)
    ctx = SendContext(session)
    for enrollment in _open_enrollments(session, lead.id):
        if enrollment.invite_sent_at is None:
            continue
        enrollment.invite_accepted_at = enrollment.invite_accepted_at or at
        if enrollment.waiting_reason == "invite_pending" and enrollment.state == EnrollmentState.ACTIVE.value:
            schedule_position(ctx, enrollment, enrollment.next_position, at)
    ctx.finish()


def record_opt_out(session: Session, lead: Lead, *, source: str) -> None:
    """Workspace-wide: suppressed across every run, now and for later imports and searches."""
    if lead.email:
        suppress(session, lead.workspace_id, "email", lead.email, "opt_out", note=source[:300])
    if lead.linkedin_id:
        suppress(session, lead.workspace_id, "linkedin", lead.linkedin_id, "opt_out", note=source[:300])
    stop_lead(session, lead, StopReason.OPTED_OUT, source=source)
    ctx = SendContext(session)
    for enrollment in _open_enrollments(session, lead.id):
        stop_enrollment(ctx, enrollment, EnrollmentState.STOPPED, StopReason.OPTED_OUT.value)
    ctx.finish()


def postpone_for_absence(session: Session, lead: Lead, until: datetime | None, now: datetime) -> None:
    """Out of office is not a reply: the next step waits until the return date, else 7 days."""
    resume = until if until and until > now else now + timedelta(days=7)
    for enrollment in _open_enrollments(session, lead.id):
        if enrollment.state == EnrollmentState.ACTIVE.value and (enrollment.next_due_at is None
                                                                 or enrollment.next_due_at < resume):
            enrollment.next_due_at = resume
            enrollment.waiting_reason = "out_of_office"
    record(session, lead.workspace_id, "out_of_office", lead_id=lead.id, until=resume.isoformat())
