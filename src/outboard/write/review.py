"""Review, the Messaging Lab's data side: list, show, edit, approve, reject, bulk approve.

Review states: draft (as written) → edited (a person changed it) → approved / rejected. Any edit makes a
message `edited` again, so an approved message that is changed needs approving again. The guardrails run
again on every edit and every approval (the lead's data may have changed since it was written); a message
with a blocking finding cannot be approved. Only a Draft sequence's messages can change: once launched the
scheduler sends what was approved (see docs/writing.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from outboard.core.errors import NotFound, OutboardError, ValidationError
from outboard.core.sequence import ReviewState
from outboard.db.models import Enrollment, Lead, Message, MessageRevision, Sequence, Step, StrategyProfileRow
from outboard.db.profiles import lead_profile
from outboard.db.scope import Scope
from outboard.db.timeline import record
from outboard.send.campaigns import sequence_steps
from outboard.write.message_rows import blocking, keep_revision, lock_enrollment, recheck, require_draft
from outboard.write.strategy_store import load_strategy

_UNSET: Any = object()
SUBJECT_MAX = 300  # the column's size


class ApprovalRefused(OutboardError):
    """A message with blocking guardrail findings cannot be approved until it is fixed."""

    def __init__(self, message_id: int, findings: list[dict[str, Any]]):
        self.message_id, self.findings = message_id, findings
        reasons = "; ".join(f"{f['code']}: {f['message']}" for f in findings)
        super().__init__(f"message {message_id} cannot be approved until its guardrail findings are fixed "
                         f"(edit or regenerate it): {reasons}")


@dataclass(frozen=True)
class MessageView:
    """One row of the Messaging Lab."""

    id: int
    sequence_id: int
    enrollment_id: int
    lead_id: int
    lead_name: str
    position: int
    channel: str
    subject: str | None
    body: str
    review_state: str
    send_state: str
    hooks: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    generator: str
    prompt_version: str
    updated_at: datetime | None

    @property
    def blocking(self) -> bool:
        return bool(blocking(self.findings))

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "blocking": self.blocking}


@dataclass(frozen=True)
class Revision:
    id: int
    subject: str | None
    body: str
    review_state: str  # the state the message had before the change
    user_id: int | None  # who changed it (None: a writer regenerated it)
    created_at: datetime


@dataclass(frozen=True)
class MessageDetail:
    message: MessageView
    facts: list[dict[str, Any]]  # each hook with the lead's fact as it is now (fact_now) next to what was used
    revisions: list[Revision]

    def as_dict(self) -> dict[str, Any]:
        return {**self.message.as_dict(), "facts": self.facts, "revisions": [r.__dict__ for r in self.revisions]}


@dataclass
class BulkApproval:
    approved: int = 0
    already_approved: int = 0
    held_back: int = 0
    reasons: dict[str, int] = field(default_factory=dict)  # finding code (or "rejected") -> messages held back
    held: list[tuple[int, str]] = field(default_factory=list)  # (message id, why)

    def as_dict(self) -> dict[str, Any]:
        return {"approved": self.approved, "already_approved": self.already_approved, "held_back": self.held_back,
                "reasons": self.reasons, "held": [{"message_id": m, "reason": r} for m, r in self.held]}


# -- reading ------------------------------------------------------------------------------------------

def _view_query(workspace_id: int) -> Any:
    return (select(Message, Enrollment.sequence_id, Enrollment.lead_id, Lead.full_name, Step.position)
            .join(Enrollment, Enrollment.id == Message.enrollment_id).join(Lead, Lead.id == Enrollment.lead_id)
            .join(Step, Step.id == Message.step_id).where(Message.workspace_id == workspace_id))


def _view(row: Any) -> MessageView:
    m = row[0]
    return MessageView(m.id, row.sequence_id, m.enrollment_id, row.lead_id, row.full_name, row.position, m.channel,
                       m.subject, m.body, m.review_state, m.send_state, list(m.hooks or []), list(m.findings or []),
                       m.generator, m.prompt_version, m.updated_at or m.created_at)


def list_messages(session: Session, workspace_id: int, *, sequence_id: int | None = None,
                  review_state: str | None = None, lead_id: int | None = None, enrollment_id: int | None = None,
                  has_findings: bool | None = None, blocking_only: bool = False, limit: int | None = None,
                  offset: int = 0) -> list[MessageView]:
    """Messages by lead and step. `has_findings`: True only those with findings (`blocking_only`: blocking
    ones), False only those without. Unknown sequence → NotFound."""
    if sequence_id is not None:
        Scope(session, workspace_id).get(Sequence, sequence_id, "sequence")
    if review_state is not None and review_state not in {s.value for s in ReviewState}:
        raise ValidationError("state", f"must be one of {', '.join(s.value for s in ReviewState)}",
                              value=review_state)
    query = _view_query(workspace_id)
    if sequence_id is not None:
        query = query.where(Enrollment.sequence_id == sequence_id)
    if review_state is not None:
        query = query.where(Message.review_state == review_state)
    if lead_id is not None:
        query = query.where(Enrollment.lead_id == lead_id)
    if enrollment_id is not None:
        query = query.where(Message.enrollment_id == enrollment_id)
    views = [_view(r) for r in session.execute(query.order_by(Enrollment.id, Step.position))]
    if has_findings is not None:
        # Findings are JSON; filtering here keeps the query the same on SQLite and PostgreSQL.
        views = [v for v in views if bool(blocking(v.findings) if blocking_only else v.findings) == has_findings]
    return views[offset:offset + limit if limit is not None else None]


def get_message(session: Session, workspace_id: int, message_id: int) -> MessageView:
    row = session.execute(_view_query(workspace_id).where(Message.id == message_id)).one_or_none()
    if row is None:
        raise NotFound(f"message {message_id} not found")
    return _view(row)


def message_detail(session: Session, workspace_id: int, message_id: int) -> MessageDetail:
    """The message, each hook next to the lead's fact it came from (as stored now), and the edit history."""
    view = get_message(session, workspace_id, message_id)
    lead = session.get(Lead, view.lead_id)
    assert lead is not None
    profile = lead_profile(session, lead)
    facts = []
    for hook in view.hooks:
        try:
            now: Any = profile.fact(hook["fact_path"])
            now = now.isoformat() if hasattr(now, "isoformat") else str(now)
        except (KeyError, IndexError, ValueError):
            now = None  # the fact is gone from the lead's data since the message was written
        facts.append({**hook, "fact_now": now})
    revisions = [Revision(r.id, r.subject, r.body, r.review_state, r.user_id, r.created_at)
                 for r in session.scalars(select(MessageRevision).where(MessageRevision.message_id == message_id)
                                          .order_by(MessageRevision.id))]
    return MessageDetail(view, facts, revisions)


# -- changing -----------------------------------------------------------------------------------------

@dataclass
class _Context:
    message: Message
    enrollment: Enrollment
    sequence: Sequence


def _open(session: Session, workspace_id: int, message_id: int, action: str) -> _Context:
    message = Scope(session, workspace_id).get(Message, message_id, "message")
    enrollment = lock_enrollment(session, message.enrollment_id)
    assert enrollment is not None
    sequence = session.get(Sequence, enrollment.sequence_id)
    assert sequence is not None
    require_draft(sequence, action)
    return _Context(message, enrollment, sequence)


def _recheck(session: Session, context: _Context, steps: list[Step] | None = None,
             strategy: Any = None) -> dict[int, list[dict[str, Any]]]:
    steps = steps if steps is not None else sequence_steps(session, context.sequence.id)
    if strategy is None:
        row = session.get(StrategyProfileRow, context.sequence.strategy_profile_id)
        assert row is not None
        strategy = load_strategy(row)
    lead = session.get(Lead, context.enrollment.lead_id)
    assert lead is not None
    return recheck(session, context.enrollment.id, steps, lead_profile(session, lead), strategy)


def edit_message(session: Session, workspace_id: int, message_id: int, *, subject: str | None = _UNSET,
                 body: str | None = None, user_id: int | None = None) -> MessageView:
    """Change the subject and/or body. The previous text is kept as a revision (with who changed it), the
    message becomes `edited`, and the guardrails run on the new text: an edit that adds an unsupported claim
    gets that finding and cannot be approved."""
    if subject is _UNSET and body is None:
        raise ValidationError("edit", "give a new subject or body")
    context = _open(session, workspace_id, message_id, "edited")
    message = context.message
    new_subject = message.subject if subject is _UNSET else ((subject.strip() or None) if subject else None)
    new_body = message.body if body is None else body.strip()
    if new_subject is not None and len(new_subject) > SUBJECT_MAX:
        raise ValidationError("subject", f"at most {SUBJECT_MAX} characters", value=new_subject)
    if (new_subject, new_body) != (message.subject, message.body):
        keep_revision(session, message, user_id)
        message.subject, message.body = new_subject, new_body
        message.review_state = ReviewState.EDITED.value
        record(session, workspace_id, "message_edited", lead_id=context.enrollment.lead_id,
               subject=f"message:{message.id}", user=user_id)
    session.flush()
    _recheck(session, context)
    session.flush()
    return get_message(session, workspace_id, message_id)


def approve_message(session: Session, workspace_id: int, message_id: int, *,
                    user_id: int | None = None) -> MessageView:
    """Approve; refused (ApprovalRefused, nothing changed) while a blocking finding remains."""
    context = _open(session, workspace_id, message_id, "approved")
    findings = _recheck(session, context).get(message_id, [])
    if blocking(findings):
        raise ApprovalRefused(message_id, blocking(findings))
    _set_state(session, workspace_id, context, ReviewState.APPROVED, user_id)
    return get_message(session, workspace_id, message_id)


def reject_message(session: Session, workspace_id: int, message_id: int, *, user_id: int | None = None,
                   reason: str = "") -> MessageView:
    """Reject: the message blocks launch until it is edited and approved, or regenerated."""
    context = _open(session, workspace_id, message_id, "rejected")
    _set_state(session, workspace_id, context, ReviewState.REJECTED, user_id, reason=reason[:300])
    return get_message(session, workspace_id, message_id)


def _set_state(session: Session, workspace_id: int, context: _Context, state: ReviewState, user_id: int | None,
               **extra: Any) -> None:
    message = context.message
    if message.review_state == state.value:
        return
    previous, message.review_state = message.review_state, state.value
    record(session, workspace_id, f"message_{state.value}", lead_id=context.enrollment.lead_id,
           subject=f"message:{message.id}", user=user_id, previous=previous, **extra)
    session.flush()


def bulk_approve(session: Session, workspace_id: int, *, sequence_id: int | None = None,
                 message_ids: list[int] | None = None, user_id: int | None = None) -> BulkApproval:
    """Approve every draft or edited message that passes the guardrails (checked again now), in a sequence or
    among the given ids. Rejected messages and those with blocking findings are held back, with why."""
    if (sequence_id is None) == (message_ids is None):
        raise ValidationError("approve", "give either a sequence or message ids")
    scope = Scope(session, workspace_id)
    if sequence_id is not None:
        require_draft(scope.get(Sequence, sequence_id, "sequence"), "approved")
        ids = list(session.scalars(select(Message.id).join(Enrollment, Enrollment.id == Message.enrollment_id)
                                   .where(Enrollment.sequence_id == sequence_id, Message.workspace_id == workspace_id)
                                   .order_by(Message.enrollment_id, Message.id)))
    else:
        ids = list(dict.fromkeys(message_ids or []))
        for message_id in ids:
            scope.get(Message, message_id, "message")
    result = BulkApproval()
    checked: dict[int, dict[int, list[dict[str, Any]]]] = {}  # guardrails once per lead
    cache: dict[int, tuple[list[Step], Any]] = {}  # steps and strategy once per sequence
    for message_id in ids:
        context = _open(session, workspace_id, message_id, "approved")
        message = context.message
        if context.enrollment.id not in checked:
            if context.sequence.id not in cache:
                row = session.get(StrategyProfileRow, context.sequence.strategy_profile_id)
                assert row is not None
                cache[context.sequence.id] = (sequence_steps(session, context.sequence.id), load_strategy(row))
            steps, strategy = cache[context.sequence.id]
            checked[context.enrollment.id] = _recheck(session, context, steps, strategy)
        problems = blocking(checked[context.enrollment.id].get(message_id, []))
        if message.review_state == ReviewState.REJECTED.value:
            _hold(result, message_id, ["rejected"], "rejected by a reviewer")
        elif problems:
            # An approved message that fails now is reported too: it blocks launch until fixed.
            _hold(result, message_id, [f["code"] for f in problems],
                  "; ".join(f"{f['code']}: {f['message']}" for f in problems))
        elif message.review_state == ReviewState.APPROVED.value:
            result.already_approved += 1
        else:
            _set_state(session, workspace_id, context, ReviewState.APPROVED, user_id, bulk=True)
            result.approved += 1
    return result


def _hold(result: BulkApproval, message_id: int, codes: list[str], why: str) -> None:
    result.held_back += 1
    for code in dict.fromkeys(codes):
        result.reasons[code] = result.reasons.get(code, 0) + 1
    result.held.append((message_id, why))
