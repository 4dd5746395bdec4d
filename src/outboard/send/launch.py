"""Enrolling a sequence's leads, the readiness findings, and launch (rule 7: nothing launches unreviewed)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outboard.core.errors import OutboardError, ValidationError
from outboard.core.lifecycle import Lifecycle
from outboard.core.sequence import Channel, EnrollmentState, ReviewState
from outboard.core.stages import LeadStage
from outboard.core.writing import Finding
from outboard.db.models import (
    Enrollment,
    Lead,
    Message,
    Run,
    Sequence,
    SourceGroupMember,
    StrategyProfileRow,
    Workspace,
)
from outboard.db.scope import Scope
from outboard.db.suppressions import identity_of, matching_reason
from outboard.db.timeline import move_lead, move_run, move_sequence, record
from outboard.send.accounts import email_caps, linkedin_caps
from outboard.send.advance import email_sendable, schedule_position
from outboard.send.campaigns import sequence_accounts, sequence_group_ids, sequence_steps
from outboard.send.caps import finish_date_estimate
from outboard.send.context import SendContext
from outboard.send.email_message import Unsubscribe
from outboard.send.timing import schedule_of
from outboard.write.strategy_store import load_strategy

DnsCheck = Callable[[str], dict[str, bool]]  # domain -> {"spf": bool, "dkim": bool, "dmarc": bool}
OVERRIDABLE = {"active_elsewhere", "dns_authentication", "primary_domain", "cap_too_low", "leads_without_steps"}


class LaunchBlocked(OutboardError):
    def __init__(self, findings: list[Finding]):
        self.findings = findings
        names = "; ".join(f"{f.code}: {f.message}" for f in findings)
        super().__init__(f"launch refused, fix first: {names}")


@dataclass(frozen=True)
class LaunchResult:
    sequence_id: int
    enrolled: int
    findings: list[Finding]


def enroll_leads(session: Session, sequence: Sequence) -> int:
    """Enroll every lead of the sequence's source groups not yet in it (idempotent). Stopped leads and
    replied leads are left out; they are never automated again."""
    if sequence.state != Lifecycle.DRAFT.value:
        raise OutboardError(f"sequence {sequence.id} is {sequence.state}: leads are enrolled before launch")
    group_ids = sequence_group_ids(session, sequence.id)
    already = select(Enrollment.lead_id).where(Enrollment.sequence_id == sequence.id)
    leads = session.scalars(select(Lead.id).join(SourceGroupMember, SourceGroupMember.lead_id == Lead.id).where(
        SourceGroupMember.source_group_id.in_(group_ids), Lead.workspace_id == sequence.workspace_id,
        Lead.stop_reason.is_(None), Lead.stage != LeadStage.REPLIED.value, Lead.id.not_in(already)).distinct())
    count = 0
    for lead_id in leads:
        session.add(Enrollment(workspace_id=sequence.workspace_id, sequence_id=sequence.id, lead_id=lead_id,
                               state=EnrollmentState.ACTIVE.value, next_position=1))
        count += 1
    session.flush()
    if count:
        record(session, sequence.workspace_id, "leads_enrolled", subject=f"sequence:{sequence.id}", count=count)
    return count


def readiness(session: Session, sequence: Sequence, now: datetime, dns_check: DnsCheck | None = None,
              public_url: str | None = None) -> list[Finding]:
    """Every finding about launching `sequence`. `public_url` (OUTBOARD_PUBLIC_URL) is checked for email
    steps when given: the one-click unsubscribe link is built from it at claim time."""
    findings: list[Finding] = []
    add = findings.append
    steps = sequence_steps(session, sequence.id)
    channels = {Channel(s.channel) for s in steps}
    accounts = [a for a in sequence_accounts(session, sequence.id) if a.status == "active"]
    enrollments = list(session.scalars(select(Enrollment).where(Enrollment.sequence_id == sequence.id)))
    if not enrollments:
        add(Finding("no_leads", "blocking", "the sequence has no enrolled leads",
                    "attach a source group with enriched leads, then enroll them"))
    has_email = any(a.kind == "email" for a in accounts)
    has_linkedin = any(a.kind == "linkedin" for a in accounts)
    if Channel.EMAIL in channels and not has_email:
        add(Finding("email_account_missing", "blocking", "email steps but no connected email account",
                    "connect a mailbox in Settings → Sender accounts and choose it for this sequence"))
    if channels - {Channel.EMAIL} and not has_linkedin:
        add(Finding("linkedin_account_missing", "blocking", "LinkedIn steps but no connected LinkedIn account",
                    "connect a LinkedIn account and choose it for this sequence"))
    _message_findings(session, sequence, enrollments, steps, add)
    leads = {lead.id: lead for lead in session.scalars(select(Lead).where(
        Lead.id.in_([e.lead_id for e in enrollments])))} if enrollments else {}
    _reach_findings(sequence, channels, leads, has_email, has_linkedin, add)
    if Channel.EMAIL in channels:
        _compliance_findings(session, sequence, add)
        if public_url is not None:
            _unsubscribe_findings(public_url, add)
        for account in (a for a in accounts if a.kind == "email"):
            _domain_findings(session, sequence, account.address.rpartition("@")[2], dns_check, add)
    _volume_findings(sequence, steps, accounts, len(enrollments), now, add)
    _overlap_findings(session, sequence, enrollments, leads, add)
    return findings


def _message_findings(session: Session, sequence: Sequence, enrollments: list[Enrollment], steps: list,
                      add: Callable[[Finding], None]) -> None:
    expected = len(enrollments) * len(steps)
    messages = session.execute(select(Message.review_state, Message.findings).join(
        Enrollment, Enrollment.id == Message.enrollment_id).where(Enrollment.sequence_id == sequence.id)).all()
    missing = expected - len(messages)
    unapproved = sum(m.review_state != ReviewState.APPROVED.value for m in messages)
    failing = sum(any(f.get("severity") == "blocking" for f in m.findings) for m in messages)
    if missing > 0:
        add(Finding("messages_missing", "blocking", f"{missing} messages are not generated yet",
                    "generate them in the Messaging Lab or with `outboard messages generate`"))
    if unapproved:
        add(Finding("messages_unapproved", "blocking", f"{unapproved} messages are not approved",
                    "review and approve them (bulk approve takes only those passing the guardrails)"))
    if failing:
        add(Finding("messages_failing", "blocking", f"{failing} messages fail the guardrails",
                    "edit or regenerate them until the guardrail findings are gone"))


def _reach_findings(sequence: Sequence, channels: set[Channel], leads: dict[int, Lead], has_email: bool,
                    has_linkedin: bool, add: Callable[[Finding], None]) -> None:
    unreachable = 0
    for lead in leads.values():
        by_email = Channel.EMAIL in channels and has_email and email_sendable(lead, sequence)
        by_linkedin = bool(channels - {Channel.EMAIL}) and has_linkedin and bool(lead.linkedin_id)
        unreachable += not (by_email or by_linkedin)
    if unreachable:
        add(Finding("leads_without_steps", "warning", f"{unreachable} leads have no step that can reach them "
                    "(no verified email and no LinkedIn profile for this sequence's channels)",
                    "enrich them (email finder) or remove them; they will complete without a message"))


def _compliance_findings(session: Session, sequence: Sequence, add: Callable[[Finding], None]) -> None:
    strategy_row = session.get(StrategyProfileRow, sequence.strategy_profile_id)
    workspace = session.get(Workspace, sequence.workspace_id)
    assert strategy_row is not None and workspace is not None
    strategy = load_strategy(strategy_row)
    prefs = workspace.preferences or {}
    if not (strategy.postal_address or prefs.get("postal_address")):
        add(Finding("compliance_footer", "blocking", "no postal address for the email footer (CAN-SPAM)",
                    "set it in the strategy profile or Settings → Compliance"))
    if not (strategy.opt_out_sentence or prefs.get("opt_out_sentence")):
        add(Finding("compliance_opt_out", "blocking", "no opt-out sentence for the email footer",
                    "set it in Settings → Compliance"))


def _unsubscribe_findings(public_url: str, add: Callable[[Finding], None]) -> None:
    """The check the claim applies to every email's List-Unsubscribe link, on a link built the same way
    (https, or plain http only on loopback for the demo): failing it, every email would fail at claim time."""
    try:
        Unsubscribe(f"{public_url.rstrip('/')}/u/readiness-check", "unsubscribe@example.invalid")
    except ValidationError:
        add(Finding("public_url_not_https", "blocking",
                    f"OUTBOARD_PUBLIC_URL is {public_url}: one-click unsubscribe links must be https, so every "
                    "email would fail", "set OUTBOARD_PUBLIC_URL to the https address of this server"))


def _domain_findings(session: Session, sequence: Sequence, domain: str, dns_check: DnsCheck | None,
                     add: Callable[[Finding], None]) -> None:
    workspace = session.get(Workspace, sequence.workspace_id)
    primary = (workspace.preferences or {}).get("primary_domain") if workspace else None
    if primary and domain == primary.lower():
        add(Finding("primary_domain", "warning", f"sending cold email from the primary domain {domain}",
                    "send from a secondary domain (e.g. get-" + domain + ") to protect the main one"))
    if dns_check is None:
        return
    records = dns_check(domain)
    missing = [name.upper() for name in ("spf", "dkim", "dmarc") if not records.get(name)]
    if missing:
        add(Finding("dns_authentication", "warning", f"{domain} has no {', '.join(missing)} record",
                    "publish them at your DNS host; Gmail and Yahoo reject bulk mail without them"))


def _volume_findings(sequence: Sequence, steps: list, accounts: list, n_leads: int, now: datetime,
                     add: Callable[[Finding], None]) -> None:
    if not steps or not n_leads or not accounts:
        return
    caps = [email_caps(a) if a.kind == "email" else linkedin_caps(a) for a in accounts]
    specs = [s for s in _specs(steps)]
    finish = finish_date_estimate(n_leads, specs, caps, schedule_of(sequence), now.date())
    if finish is None:
        add(Finding("cap_too_low", "warning", "at these caps the last lead would not finish within 3 years",
                    "add sender accounts or raise their caps"))
    elif (finish - now.date()).days > 60:
        add(Finding("cap_too_low", "warning", f"at these caps the last lead would finish on {finish:%Y-%m-%d}",
                    "add sender accounts, raise their caps, or split the leads over several runs"))


def _specs(steps: list) -> list:
    from outboard.core.sequence import Condition, StepSpec

    return [StepSpec(s.position, Channel(s.channel), s.delay_days, Condition(s.condition)) for s in steps]


def _overlap_findings(session: Session, sequence: Sequence, enrollments: list[Enrollment], leads: dict[int, Lead],
                      add: Callable[[Finding], None]) -> None:
    lead_ids = [e.lead_id for e in enrollments]
    if not lead_ids:
        return
    elsewhere = session.scalar(select(func.count(func.distinct(Enrollment.lead_id))).join(
        Sequence, Sequence.id == Enrollment.sequence_id).where(
        Enrollment.lead_id.in_(lead_ids), Enrollment.sequence_id != sequence.id,
        Enrollment.state.in_(("active", "waiting")), Sequence.state.in_(("active", "paused")))) or 0
    if elsewhere:
        add(Finding("active_elsewhere", "blocking", f"{elsewhere} leads are already active in another run",
                    "remove them, wait until they finish, or override this finding to enroll them anyway"))
    suppressed = sum(matching_reason(session, sequence.workspace_id, identity_of(lead)) is not None
                     for lead in leads.values())
    if suppressed:
        add(Finding("suppressed_leads", "info", f"{suppressed} leads are on the suppression list",
                    "they will be skipped at send time; remove them from the source group to tidy up"))


def launch(session: Session, workspace_id: int, sequence_id: int, now: datetime, *,
           overrides: frozenset[str] = frozenset(), dns_check: DnsCheck | None = None,
           public_url: str | None = None) -> LaunchResult:
    """Refuse while a blocking finding remains (overridable ones only when named); else start every
    enrollment at its first applicable step and make the sequence and its run Active."""
    scope = Scope(session, workspace_id)
    sequence = scope.get(Sequence, sequence_id, "sequence")
    if sequence.state != Lifecycle.DRAFT.value:
        raise OutboardError(f"sequence {sequence.id} is already {sequence.state}: it can be launched once")
    bad_overrides = overrides - OVERRIDABLE
    if bad_overrides:
        raise OutboardError(f"cannot override {', '.join(sorted(bad_overrides))}; "
                            f"overridable: {', '.join(sorted(OVERRIDABLE))}")
    findings = readiness(session, sequence, now, dns_check, public_url)
    blocking = [f for f in findings if f.blocking and f.code not in overrides]
    if blocking:
        raise LaunchBlocked(blocking)
    enrollments = list(session.scalars(select(Enrollment).where(Enrollment.sequence_id == sequence.id)))
    for enrollment in enrollments:
        lead = session.get(Lead, enrollment.lead_id)
        assert lead is not None
        if lead.stage in (LeadStage.MESSAGE_GENERATED.value, LeadStage.COMPLETED.value):
            move_lead(session, lead, LeadStage.OUTREACH_ACTIVE, sequence=sequence.id)
    move_sequence(session, sequence, Lifecycle.ACTIVE, why="launched", overrides=sorted(overrides))
    run = session.get(Run, sequence.run_id)
    assert run is not None
    if run.state == Lifecycle.DRAFT.value:
        move_run(session, run, Lifecycle.ACTIVE, why=f"sequence {sequence.id} launched")
    ctx = SendContext(session)
    for enrollment in enrollments:
        schedule_position(ctx, enrollment, 1, now)
    ctx.finish()
    return LaunchResult(sequence.id, len(enrollments), findings)
