"""Writing a sequence's messages into the database: for each enrolled lead, its profile (db.profiles), its
hooks, one writer call for every step, the guardrails, and one Message per (enrollment, step).

Safe to run again at any time (a restarted job does exactly that):
- a message a person edited, approved or rejected is never overwritten, except by an explicit regenerate;
- a draft whose text would not change is left alone, and is not charged again (the ledger ref is the
  message id plus a digest of its text);
- the LLM writer's answers are cached in the database, so an unchanged lead costs no call;
- a failed writer call stores nothing: the lead keeps what it had (or stays without messages), the failure
  is reported per lead and recorded on its timeline.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import defaultdict
from collections.abc import Callable, Coroutine, Iterable
from collections.abc import Sequence as Seq
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from outboard.core.errors import NotFound, OutboardError, ValidationError
from outboard.core.profile import LeadProfile
from outboard.core.sequence import ReviewState
from outboard.core.stages import LEAD_STAGES, LeadStage
from outboard.core.writing import Draft, Hook, StepBrief, StrategyProfile
from outboard.db.database import Database
from outboard.db.models import Enrollment, Lead, Message, Sequence, Step, StrategyProfileRow
from outboard.db.profiles import lead_profile
from outboard.db.scope import Scope
from outboard.db.timeline import move_lead, record
from outboard.db.usage import PRICES, BudgetSpent, charge, ensure_budget, remaining
from outboard.runtime import Runtime
from outboard.send.campaigns import sequence_steps
from outboard.write.cache import cache_key
from outboard.write.configured import make_writer
from outboard.write.hooks import mine_hooks
from outboard.write.llm import LLMWriter
from outboard.write.message_rows import (
    CHARGE_KIND,
    PERSON_STATES,
    blocking,
    charge_ref,
    content_digest,
    hooks_json,
    keep_revision,
    lock_enrollment,
    recheck,
    require_draft,
    step_briefs_of,
)
from outboard.write.store_cache import DbDraftCache
from outboard.write.strategy_store import load_strategy
from outboard.write.writer import Writer, WriteRequest, WriteResult

HOOK_LIMIT = 5  # hooks handed to the writer per lead: the best few, so prompts stay short
MAX_REPORTED_FAILURES = 200
SUBJECT_COLUMN = 300
ProgressFn = Callable[[int, int | None, str | None], None]
T = TypeVar("T")


@dataclass(frozen=True)
class LeadFailure:
    lead_id: int
    enrollment_id: int
    code: str  # a WriterError code: refused, malformed_output, rate_limited, server_error, connection, ...
    message: str


@dataclass
class GenerationReport:
    writer: str
    sequence_ids: list[int] = field(default_factory=list)
    leads: int = 0  # leads looked at
    written: int = 0  # leads with at least one message created or rewritten
    unchanged: int = 0  # leads whose messages were already current: nothing stored, nothing charged
    kept: int = 0  # leads skipped because a person reviewed every one of their messages
    failed: int = 0  # leads the writer failed for: nothing stored
    failing_guardrails: int = 0  # leads written whose new messages have blocking findings
    created: int = 0  # messages
    updated: int = 0  # messages rewritten (their previous text kept as a revision)
    credits: int = 0
    llm_calls: int = 0
    cached: int = 0  # leads answered from the draft cache
    tokens_in: int = 0
    tokens_out: int = 0
    failures: list[LeadFailure] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class _Plan:
    """One sequence's fixed inputs, read once."""

    sequence_id: int
    steps: list[Step]
    briefs: tuple[StepBrief, ...]
    strategy: StrategyProfile
    targets: list[tuple[int, int]]  # (enrollment id, lead id)
    only: dict[int, frozenset[int]] = field(default_factory=dict)  # regenerate: enrollment -> step ids


@dataclass
class _Item:
    enrollment_id: int
    lead_id: int
    profile: LeadProfile
    hooks: tuple[Hook, ...]
    key: str = ""  # the LLM draft-cache key
    stored: dict[int, tuple[str, str]] = field(default_factory=dict)  # step id -> (review state, text digest)
    stage_behind: bool = False  # the lead could move to Message generated (it was not when last written)


@dataclass
class _Stored:
    created: int = 0
    updated: int = 0
    credits: int = 0
    failing: bool = False


def generate_messages(rt: Runtime, workspace_id: int, sequence_id: int, *, lead_ids: Iterable[int] = (),
                      enrollment_ids: Iterable[int] = (), sample: int | None = None,
                      writer: Writer | str | None = None, force: bool = False, user_id: int | None = None,
                      progress: ProgressFn | None = None, batch_size: int | None = None) -> GenerationReport:
    """Write the messages of a Draft sequence: every enrollment, or the chosen leads / enrollments, or the
    first `sample` enrollments (a preview). `writer`: a Writer, or composer / llm / None (configured).
    `force`: also rewrite messages a person edited, approved or rejected."""
    with rt.db.sessions() as session:
        plan = _plan(session, workspace_id, sequence_id, lead_ids=list(lead_ids),
                     enrollment_ids=list(enrollment_ids), sample=sample)
    chosen = writer if writer is not None and not isinstance(writer, str) else make_writer(
        rt.settings, rt.db, workspace_id, writer)
    run = _Generation(rt.db, workspace_id, chosen, force=force, user_id=user_id, progress=progress,
                      batch_size=batch_size)
    return run.run([plan])


def regenerate_messages(rt: Runtime, workspace_id: int, message_ids: Iterable[int], *,
                        writer: Writer | str | None = None, user_id: int | None = None,
                        progress: ProgressFn | None = None, batch_size: int | None = None) -> GenerationReport:
    """Rewrite these messages from the lead's current data, whatever their review state (the previous text
    is kept as a revision and the message goes back to draft). The writer writes the lead's whole sequence
    (follow-ups read as follow-ups); only the chosen steps are replaced. An unchanged lead gets the same
    copy back from the cache or the deterministic composer, free."""
    ids = list(dict.fromkeys(message_ids))
    if not ids:
        raise ValidationError("messages", "name at least one message to regenerate")
    plans = []
    with rt.db.sessions() as session:
        rows = session.execute(select(Message.id, Message.enrollment_id, Message.step_id, Enrollment.sequence_id)
                               .join(Enrollment, Enrollment.id == Message.enrollment_id)
                               .where(Message.workspace_id == workspace_id, Message.id.in_(ids))).all()
        found = {r.id for r in rows}
        missing = [i for i in ids if i not in found]
        if missing:
            raise NotFound(f"message {missing[0]} not found")
        wanted: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
        for row in rows:
            wanted[row.sequence_id][row.enrollment_id].add(row.step_id)
        # Every sequence is checked (exists, Draft) before anything is written.
        for sequence_id, steps_by_enrollment in sorted(wanted.items()):
            plan = _plan(session, workspace_id, sequence_id, lead_ids=[], enrollment_ids=list(steps_by_enrollment),
                         sample=None)
            plan.only = {e: frozenset(s) for e, s in steps_by_enrollment.items()}
            plans.append(plan)
    chosen = writer if writer is not None and not isinstance(writer, str) else make_writer(
        rt.settings, rt.db, workspace_id, writer)
    run = _Generation(rt.db, workspace_id, chosen, force=True, user_id=user_id, progress=progress,
                      batch_size=batch_size)
    return run.run(plans)


def check_selection(session: Session, workspace_id: int, sequence_id: int, *, lead_ids: Iterable[int] = (),
                    enrollment_ids: Iterable[int] = (), sample: int | None = None) -> int:
    """Check a generation request before it is queued (sequence exists and is Draft, the leads are enrolled);
    returns how many leads it covers."""
    plan = _plan(session, workspace_id, sequence_id, lead_ids=list(lead_ids), enrollment_ids=list(enrollment_ids),
                 sample=sample)
    return len(plan.targets)


def _plan(session: Session, workspace_id: int, sequence_id: int, *, lead_ids: list[int], enrollment_ids: list[int],
          sample: int | None) -> _Plan:
    sequence = Scope(session, workspace_id).get(Sequence, sequence_id, "sequence")
    require_draft(sequence, "generated")
    steps = sequence_steps(session, sequence.id)
    if not steps:
        raise ValidationError("steps", f"sequence {sequence.id} has no steps to write")
    row = session.get(StrategyProfileRow, sequence.strategy_profile_id)
    assert row is not None  # the foreign key says so
    targets = [(r.id, r.lead_id) for r in session.execute(
        select(Enrollment.id, Enrollment.lead_id).where(Enrollment.sequence_id == sequence.id)
        .order_by(Enrollment.id))]
    if lead_ids:
        enrolled = {lead for _, lead in targets}
        missing = [lead for lead in lead_ids if lead not in enrolled]
        if missing:
            raise NotFound(f"lead {missing[0]} is not enrolled in sequence {sequence.id}")
        targets = [t for t in targets if t[1] in set(lead_ids)]
    if enrollment_ids:
        known = {e for e, _ in targets}
        missing = [e for e in enrollment_ids if e not in known]
        if missing:
            raise NotFound(f"enrollment {missing[0]} is not in sequence {sequence.id}")
        targets = [t for t in targets if t[0] in set(enrollment_ids)]
    if sample is not None:
        if sample < 1:
            raise ValidationError("leads", "the sample needs at least 1 lead", value=sample)
        targets = targets[:sample]
    if not targets:
        raise OutboardError(f"sequence {sequence.id} has no enrolled leads: attach a source group with leads first")
    return _Plan(sequence.id, steps, tuple(step_briefs_of(steps)), load_strategy(row), targets)


class _Generation:
    def __init__(self, db: Database, workspace_id: int, writer: Writer, *, force: bool, user_id: int | None,
                 progress: ProgressFn | None, batch_size: int | None):
        self.db, self.workspace_id, self.writer = db, workspace_id, writer
        self.force, self.user_id, self.progress = force, user_id, progress
        self.llm = writer if isinstance(writer, LLMWriter) else None
        self.cache = self.llm.cache if self.llm is not None and isinstance(self.llm.cache, DbDraftCache) else None
        default = max(8, self.llm.config.concurrency * 4) if self.llm is not None else 100
        self.batch_size = batch_size or default
        self.today: date = db.clock.now().date()
        self.report = GenerationReport(writer=getattr(writer, "generator", writer.name))
        self.budget_short = False

    def run(self, plans: list[_Plan]) -> GenerationReport:
        total = sum(len(p.targets) for p in plans)
        done = 0
        self._progress(0, total, f"writing messages for {total} leads")
        try:
            for plan in plans:
                self.report.sequence_ids.append(plan.sequence_id)
                for start in range(0, len(plan.targets), self.batch_size):
                    batch = plan.targets[start:start + self.batch_size]
                    self._batch(plan, batch)
                    done += len(batch)
                    self.report.leads = done
                    self._progress(done, total, f"{done} of {total} leads: {self.report.written} written, "
                                   f"{self.report.unchanged + self.report.kept} unchanged, "
                                   f"{self.report.failed} failed")
                    if self.budget_short:
                        raise BudgetSpent("the workspace's credit budget does not cover more messages")
        except BudgetSpent as exc:
            raise BudgetSpent(f"{exc}; {self.report.written} leads were written before it ran out: raise the "
                              "budget (Settings → Usage) and generate again to continue") from None
        return self.report

    def _progress(self, done: int, total: int, message: str) -> None:
        if self.progress is not None:
            self.progress(done, total, message)

    # -- one batch ------------------------------------------------------------------------------------

    def _batch(self, plan: _Plan, batch: list[tuple[int, int]]) -> None:
        items = self._affordable(plan, self._prepare(plan, batch))
        requests = [WriteRequest(i.profile, plan.strategy, plan.briefs, i.hooks, key=str(i.enrollment_id))
                    for i in items]
        results = _run_async(self.writer.write_batch(requests)) if requests else []
        for item, result in zip(items, results, strict=True):
            self._count_usage(result)
            if result.error is not None:
                self._fail(item, result.error.code, str(result.error))
                continue
            problem = _mismatch(plan.briefs, result.drafts)
            if problem:
                self._fail(item, "malformed_output", problem)
                continue
            drafts = {d.position: _fit(d) for d in result.drafts}
            if self._current(plan, item, drafts):
                self.report.unchanged += 1  # nothing to write: skip the transaction
                continue
            stored = self._store(plan, item, drafts)
            if stored.failing and self.cache is not None and item.key:
                # A cached answer that fails the guardrails must not come back on regenerate.
                self.cache.discard(item.key)

    def _prepare(self, plan: _Plan, batch: list[tuple[int, int]]) -> list[_Item]:
        step_ids = {s.id for s in plan.steps}
        enrollment_ids = [e for e, _ in batch]
        items = []
        with self.db.sessions() as session:
            stored: dict[int, dict[int, tuple[str, str]]] = defaultdict(dict)
            for row in session.execute(
                    select(Message.enrollment_id, Message.step_id, Message.review_state, Message.subject,
                           Message.body, Message.hooks).where(Message.enrollment_id.in_(enrollment_ids))):
                if row.step_id in step_ids:
                    digest = content_digest(row.subject, row.body, row.hooks or [])
                    stored[row.enrollment_id][row.step_id] = (row.review_state, digest)
            leads = {lead.id: lead for lead in session.scalars(select(Lead).where(
                Lead.id.in_([lead for _, lead in batch]), Lead.workspace_id == self.workspace_id))}
            for enrollment_id, lead_id in batch:
                existing = stored.get(enrollment_id, {})
                reviewed = len(existing) == len(step_ids) and {v[0] for v in existing.values()} <= PERSON_STATES
                lead = leads.get(lead_id)
                if lead is None or (reviewed and not self.force):
                    self.report.kept += 1  # a person owns every message of this lead: no writer call
                    continue
                profile = lead_profile(session, lead)
                hooks = tuple(mine_hooks(profile, plan.strategy, today=self.today, limit=HOOK_LIMIT))
                key = ""
                if self.llm is not None:
                    key = cache_key(profile, plan.strategy, plan.briefs, hooks, model=self.llm.config.model,
                                    response_format=self.llm.config.response_format)
                items.append(_Item(enrollment_id, lead_id, profile, hooks, key, existing, _can_move(lead)))
        return items

    def _current(self, plan: _Plan, item: _Item, drafts: dict[int, Draft]) -> bool:
        """Every step already has this text (or a person's version that stays): the store would change
        nothing, as read a moment ago. The store itself re-reads under the lock, so this is only a shortcut."""
        if item.stage_behind:
            return False
        only = plan.only.get(item.enrollment_id)
        for step in plan.steps:
            found = item.stored.get(step.id)
            if found is None:
                return False
            state, digest = found
            forced = self.force and (only is None or step.id in only)
            if state in PERSON_STATES and not forced:
                continue
            draft = drafts[step.position]
            if state != ReviewState.DRAFT.value or digest != content_digest(draft.subject, draft.body,
                                                                            hooks_json(draft.hooks)):
                return False
        return True

    def _affordable(self, plan: _Plan, items: list[_Item]) -> list[_Item]:
        """Provider calls start only when the budget covers the messages they would produce. Answers already
        in the cache need no call; the offline composer is not provider-backed: both are checked exactly when
        their messages are stored."""
        if self.llm is None or not items:
            return items
        with self.db.sessions() as session:
            left = remaining(session, self.workspace_id)
        if left is None:
            return items
        cached = self.cache.contains(i.key for i in items) if self.cache is not None else set()
        per_lead = PRICES[CHARGE_KIND] * len(plan.steps)
        chosen = []
        for item in items:
            if item.key not in cached:
                if left < per_lead:
                    self.budget_short = True
                    continue
                left -= per_lead
            chosen.append(item)
        return chosen

    def _count_usage(self, result: WriteResult) -> None:
        usage = result.usage
        self.report.llm_calls += usage.get("calls", 0)
        self.report.tokens_in += usage.get("prompt_tokens", 0)
        self.report.tokens_out += usage.get("completion_tokens", 0)
        self.report.cached += result.cached

    def _fail(self, item: _Item, code: str, message: str) -> None:
        self.report.failed += 1
        if len(self.report.failures) < MAX_REPORTED_FAILURES:
            self.report.failures.append(LeadFailure(item.lead_id, item.enrollment_id, code, message[:500]))
        with self.db.transaction() as session:
            record(session, self.workspace_id, "message_generation_failed", lead_id=item.lead_id,
                   subject=f"enrollment:{item.enrollment_id}", code=code, error=message[:500],
                   writer=self.report.writer)

    # -- storing one lead ------------------------------------------------------------------------------

    def _store(self, plan: _Plan, item: _Item, drafts: dict[int, Draft]) -> _Stored:
        for attempt in (1, 2):
            try:
                with self.db.transaction() as session:
                    stored = self._store_in(session, plan, item, drafts)
                break
            except IntegrityError:
                # Another worker inserted one of these messages first: read again and update instead.
                if attempt == 2:
                    raise
        report = self.report
        if stored.created or stored.updated:
            report.written += 1
        else:
            report.unchanged += 1
        report.created += stored.created
        report.updated += stored.updated
        report.credits += stored.credits
        report.failing_guardrails += stored.failing
        return stored

    def _store_in(self, session: Session, plan: _Plan, item: _Item, drafts: dict[int, Draft]) -> _Stored:
        enrollment = lock_enrollment(session, item.enrollment_id)
        if enrollment is None:  # removed from the sequence meanwhile
            return _Stored()
        sequence = session.get(Sequence, enrollment.sequence_id)
        assert sequence is not None
        require_draft(sequence, "generated")  # launched while this job ran
        existing = {m.step_id: m for m in session.scalars(
            select(Message).where(Message.enrollment_id == item.enrollment_id))}
        only = plan.only.get(item.enrollment_id)
        written: list[tuple[Message, Draft, str]] = []
        created = 0
        for step in plan.steps:
            draft = drafts[step.position]
            hooks = hooks_json(draft.hooks)
            digest = content_digest(draft.subject, draft.body, hooks)
            message = existing.get(step.id)
            if message is None:
                message = Message(workspace_id=self.workspace_id, enrollment_id=item.enrollment_id, step_id=step.id,
                                  channel=step.channel, findings=[], review_state=ReviewState.DRAFT.value)
                _copy(message, draft, hooks)
                session.add(message)
                existing[step.id] = message
                written.append((message, draft, digest))
                created += 1
                continue
            forced = self.force and (only is None or step.id in only)
            if message.review_state in PERSON_STATES and not forced:
                continue
            same = content_digest(message.subject, message.body, message.hooks or []) == digest
            if same and (message.review_state == ReviewState.DRAFT.value or not forced):
                continue
            # Rewritten, or (explicit regenerate, same copy) back to draft: either way the old version is kept.
            keep_revision(session, message, self.user_id)
            if not same:
                _copy(message, draft, hooks)
            message.review_state = ReviewState.DRAFT.value
            written.append((message, draft, digest))
        if written:
            ensure_budget(session, self.workspace_id, PRICES[CHARGE_KIND] * len(written))
        session.flush()
        credits = 0
        for message, draft, digest in written:
            usage = draft.usage
            if charge(session, self.workspace_id, CHARGE_KIND, charge_ref(message.id, digest),
                      tokens_in=usage.get("prompt_tokens", 0), tokens_out=usage.get("completion_tokens", 0)):
                credits += PRICES[CHARGE_KIND]
        findings = recheck(session, item.enrollment_id, plan.steps, item.profile, plan.strategy)
        lead = session.get(Lead, item.lead_id)
        assert lead is not None
        if all(s.id in existing for s in plan.steps):
            _mark_generated(session, lead, sequence.id)
        if written:
            record(session, self.workspace_id, "messages_generated", lead_id=lead.id,
                   subject=f"enrollment:{item.enrollment_id}", sequence=sequence.id, writer=self.report.writer,
                   created=created, updated=len(written) - created)
        failing = any(blocking(findings.get(m.id, [])) for m, _, _ in written)
        return _Stored(created, len(written) - created, credits, failing)


def _fit(draft: Draft) -> Draft:
    """The draft as the columns can hold it (digests are taken of this form). An overlong subject is cut, and
    still caught by the guardrails (subject_too_long)."""
    subject = draft.subject[:SUBJECT_COLUMN] if draft.subject is not None else None
    return dataclasses.replace(draft, subject=subject, generator=draft.generator[:60],
                               prompt_version=draft.prompt_version[:40])


def _copy(message: Message, draft: Draft, hooks: list[dict[str, Any]]) -> None:
    message.subject, message.body, message.hooks = draft.subject, draft.body, hooks
    message.generator, message.prompt_version = draft.generator, draft.prompt_version


def _can_move(lead: Lead) -> bool:
    """Message generated is reachable in one move from here. A lead still at Discovered keeps its stage
    (writing to it does not make it enriched); a stopped lead never moves."""
    return lead.stop_reason is None and LEAD_STAGES.can(LeadStage(lead.stage), LeadStage.MESSAGE_GENERATED)


def _mark_generated(session: Session, lead: Lead, sequence_id: int) -> None:
    if _can_move(lead):
        move_lead(session, lead, LeadStage.MESSAGE_GENERATED, sequence=sequence_id)


def _mismatch(briefs: Seq[StepBrief], drafts: Seq[Draft]) -> str | None:
    """A writer must return exactly one draft per step, on the step's channel."""
    by_position = {d.position: d for d in drafts}
    if len(by_position) != len(drafts) or len(drafts) != len(briefs):
        return f"the writer returned {len(drafts)} messages for {len(briefs)} steps"
    for brief in briefs:
        draft = by_position.get(brief.position)
        if draft is None:
            return f"the writer returned no message for step {brief.position}"
        if draft.channel is not brief.channel:
            return f"step {brief.position} is {brief.channel.value}, the writer wrote {draft.channel.value}"
    return None


def _run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Huey tasks and the CLI are synchronous; a caller already inside an event loop (a web handler) gets
    the batch run on a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
