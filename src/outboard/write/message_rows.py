"""What generation and review share about Message rows: the JSON shapes of hooks and findings, the content
digest (the usage ledger's idempotency key), the edit lock, revisions, and re-running the guardrails on a
lead's stored messages."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence as Seq
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from outboard.core.errors import OutboardError
from outboard.core.lifecycle import Lifecycle
from outboard.core.plays import PlayStep, step_briefs
from outboard.core.profile import LeadProfile
from outboard.core.sequence import Channel, Condition, ReviewState
from outboard.core.writing import Draft, Finding, Hook, StepBrief, StrategyProfile
from outboard.db.models import Enrollment, Message, MessageRevision, Sequence, Step
from outboard.db.session import clock_of
from outboard.write.guardrails import check_drafts
from outboard.write.writer import draft_from_dict, draft_to_dict

CHARGE_KIND = "message_generated"
# States a person chose: a plain `generate` never overwrites them (only an explicit regenerate does).
PERSON_STATES = frozenset({ReviewState.EDITED.value, ReviewState.APPROVED.value, ReviewState.REJECTED.value})


class MessageLocked(OutboardError):
    """The sequence was launched: the scheduler sends what was approved, so the copy cannot change."""


def require_draft(sequence: Sequence, action: str) -> None:
    if sequence.state != Lifecycle.DRAFT.value:
        raise MessageLocked(f"sequence {sequence.id} is {sequence.state}: its messages are locked once it is "
                            f"launched, so they cannot be {action}")


def step_briefs_of(steps: Seq[Step]) -> list[StepBrief]:
    """The writers' briefs from the sequence's Step rows, with core.plays semantics (intent: purpose,
    follow-up when the conversation already exists)."""
    plays = [PlayStep(s.position, Channel(s.channel), s.delay_days, Condition(s.condition), s.intent or "intro",
                      s.purpose or "") for s in steps]
    return step_briefs(plays)


def hooks_json(hooks: Seq[Hook]) -> list[dict[str, Any]]:
    return draft_to_dict(Draft(0, Channel.EMAIL, "", hooks=tuple(hooks)))["hooks"]


def findings_json(findings: Seq[Finding]) -> list[dict[str, str]]:
    return [dataclasses.asdict(f) for f in findings]


def blocking(findings: Seq[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in findings if f.get("severity") == "blocking"]


def content_digest(subject: str | None, body: str, hooks: Seq[dict[str, Any]]) -> str:
    """Identifies one text of a message. The ledger's ref is `message:<id>:<digest>`, so writing the same text
    into the same message again (a cache hit, a restarted job, a deterministic composer) is never charged
    twice, while a genuinely new text is."""
    payload = json.dumps([subject or "", body, sorted(h.get("fact_path", "") for h in hooks)], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:20]


def charge_ref(message_id: int, digest: str) -> str:
    return f"message:{message_id}:{digest}"


def message_draft(message: Message, step: Step) -> Draft:
    return draft_from_dict({"position": step.position, "channel": step.channel, "body": message.body,
                            "subject": message.subject, "hooks": message.hooks or [],
                            "generator": message.generator, "prompt_version": message.prompt_version})


def keep_revision(session: Session, message: Message, user_id: int | None) -> MessageRevision:
    """Keep the text as it was before a change; `user_id` is who made the change (None: a writer)."""
    revision = MessageRevision(message_id=message.id, subject=message.subject, body=message.body,
                               review_state=message.review_state, user_id=user_id,
                               created_at=clock_of(session).now())
    session.add(revision)
    return revision


def lock_enrollment(session: Session, enrollment_id: int) -> Enrollment | None:
    """Serialise writers of one lead's messages (generation and review) on PostgreSQL; SQLite has one writer."""
    return session.scalars(select(Enrollment).where(Enrollment.id == enrollment_id).with_for_update()).one_or_none()


def recheck(session: Session, enrollment_id: int, steps: Seq[Step], profile: LeadProfile,
            strategy: StrategyProfile) -> dict[int, list[dict[str, Any]]]:
    """Run the guardrails on the lead's stored messages as they are now (the checks across steps need all of
    them) and store the findings; returns them by message id."""
    by_step = {s.id: s for s in steps}
    messages = [m for m in session.scalars(select(Message).where(Message.enrollment_id == enrollment_id))
                if m.step_id in by_step]
    drafts = [message_draft(m, by_step[m.step_id]) for m in messages]
    found = check_drafts(drafts, profile, strategy) if drafts else []
    result = {}
    for message, findings in zip(messages, found, strict=True):
        data = findings_json(findings)
        if message.findings != data:
            message.findings = data
        result[message.id] = data
    return result
