"""Review on a real database (SQLite and PostgreSQL): edits keep their history and are checked by the
guardrails, approval is refused while a blocking finding remains, bulk approve takes only what passes,
regenerate restores generated copy, and after approving everything the sequence's readiness passes and
its messages lock at launch."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from outboard.db.models import Message, MessageRevision, Sequence, UsageEntry
from outboard.runtime import Runtime
from outboard.send.launch import launch, readiness
from outboard.write.generate import generate_messages, regenerate_messages
from outboard.write.message_rows import MessageLocked
from outboard.write.review import (
    ApprovalRefused,
    approve_message,
    bulk_approve,
    edit_message,
    list_messages,
    message_detail,
    reject_message,
)
from tests.write.lab_setup import build_lab

CLAIM = "\n\nCongrats on closing your $40M Series C last week."


def _credits(rt: Runtime, workspace_id: int) -> int:
    with rt.db.sessions() as session:
        return sum(session.scalars(select(UsageEntry.credits).where(UsageEntry.workspace_id == workspace_id)))


def test_edits_keep_history_are_checked_and_gate_approval(rt: Runtime, workspace_id: int) -> None:
    lab = build_lab(rt, workspace_id, 2)
    generate_messages(rt, workspace_id, lab.sequence_id)
    with rt.db.sessions() as session:
        first, second = list_messages(session, workspace_id, sequence_id=lab.sequence_id)[:2]
    original = first.body

    # An edit that adds an invented funding round gets the findings and cannot be approved.
    with rt.db.transaction() as session:
        edited = edit_message(session, workspace_id, first.id, body=original + CLAIM, user_id=lab.user_id)
    assert edited.review_state == "edited" and edited.blocking
    assert {"unsupported_claim", "unsupported_number"} <= {f["code"] for f in edited.findings}
    with pytest.raises(ApprovalRefused, match="unsupported_claim"), rt.db.transaction() as session:
        approve_message(session, workspace_id, first.id, user_id=lab.user_id)
    with rt.db.sessions() as session:
        assert session.get(Message, first.id).review_state == "edited"
        flagged = list_messages(session, workspace_id, sequence_id=lab.sequence_id, has_findings=True,
                                blocking_only=True)
        assert [v.id for v in flagged] == [first.id]

    # Fixed, approved; changing an approved message needs approving again.
    with rt.db.transaction() as session:
        fixed = edit_message(session, workspace_id, first.id, subject="A note for you",
                             body=original.replace("Tom Becker", "Tom Becker\nPS: happy to share notes.", 1),
                             user_id=lab.user_id)
        assert fixed.findings == [] and fixed.subject == "A note for you"
        assert approve_message(session, workspace_id, first.id, user_id=lab.user_id).review_state == "approved"
        assert edit_message(session, workspace_id, first.id, subject="A short note",
                            user_id=lab.user_id).review_state == "edited"
        assert reject_message(session, workspace_id, second.id, user_id=lab.user_id,
                              reason="too generic").review_state == "rejected"
    with rt.db.sessions() as session:
        assert [v.id for v in list_messages(session, workspace_id, sequence_id=lab.sequence_id,
                                            review_state="rejected")] == [second.id]
        assert {v.lead_id for v in list_messages(session, workspace_id, lead_id=lab.lead_ids[1])} == {lab.lead_ids[1]}
        detail = message_detail(session, workspace_id, first.id)
    assert [(r.review_state, r.user_id) for r in detail.revisions] == [
        ("draft", lab.user_id), ("edited", lab.user_id), ("approved", lab.user_id)]
    assert detail.revisions[0].body == original and detail.revisions[1].body.endswith("Series C last week.")
    assert all(f["fact_now"] == f["fact_text"] for f in detail.facts)

    # A plain generate keeps a person's work; an explicit regenerate restores generated copy, free.
    credits = _credits(rt, workspace_id)
    assert generate_messages(rt, workspace_id, lab.sequence_id).updated == 0
    report = regenerate_messages(rt, workspace_id, [first.id, second.id], user_id=lab.user_id)
    assert (report.updated, report.credits) == (2, 0)
    with rt.db.sessions() as session:
        restored = session.get(Message, first.id)
        assert (restored.body, restored.subject, restored.review_state) == (original, first.subject, "draft")
        # The rejected one had the generated text: the same copy comes back, as a draft to review again.
        assert (session.get(Message, second.id).review_state, session.get(Message, second.id).body) == (
            "draft", second.body)
        history = list(session.scalars(select(MessageRevision.review_state).where(
            MessageRevision.message_id == first.id).order_by(MessageRevision.id)))
    assert history == ["draft", "edited", "approved", "edited"]
    assert _credits(rt, workspace_id) == credits


def test_bulk_approve_takes_only_passing_messages_then_launch_locks_them(rt: Runtime, workspace_id: int) -> None:
    lab = build_lab(rt, workspace_id, 3)
    generate_messages(rt, workspace_id, lab.sequence_id)
    with rt.db.transaction() as session:
        views = list_messages(session, workspace_id, sequence_id=lab.sequence_id)
        total = len(views)
        bad, rejected = views[0], views[5]
        edit_message(session, workspace_id, bad.id, body=bad.body + CLAIM)
        reject_message(session, workspace_id, rejected.id)
    with rt.db.transaction() as session:
        result = bulk_approve(session, workspace_id, sequence_id=lab.sequence_id, user_id=lab.user_id)
    assert (result.approved, result.held_back) == (total - 2, 2)
    assert result.reasons["rejected"] == 1 and result.reasons["unsupported_claim"] == 1
    assert {m for m, _ in result.held} == {bad.id, rejected.id}
    with rt.db.sessions() as session:
        sequence = session.get(Sequence, lab.sequence_id)
        codes = {f.code for f in readiness(session, sequence, rt.clock.now()) if f.blocking}
    assert codes == {"messages_unapproved", "messages_failing"}

    # Regenerate the two, approve again: readiness passes and the sequence launches.
    report = regenerate_messages(rt, workspace_id, [bad.id, rejected.id])
    assert report.failed == 0
    with rt.db.transaction() as session:
        again = bulk_approve(session, workspace_id, sequence_id=lab.sequence_id)
    assert (again.approved, again.already_approved, again.held_back) == (2, total - 2, 0)
    with rt.db.transaction() as session:
        sequence = session.get(Sequence, lab.sequence_id)
        assert [f for f in readiness(session, sequence, rt.clock.now()) if f.blocking] == []
        launch(session, workspace_id, lab.sequence_id, rt.clock.now())

    # Launched: the copy is locked.
    for change in (lambda s: edit_message(s, workspace_id, bad.id, body="New text"),
                   lambda s: approve_message(s, workspace_id, bad.id),
                   lambda s: reject_message(s, workspace_id, bad.id)):
        with pytest.raises(MessageLocked, match="locked once it is launched"), rt.db.transaction() as session:
            change(session)
    with pytest.raises(MessageLocked):
        regenerate_messages(rt, workspace_id, [bad.id])
    with pytest.raises(MessageLocked):
        generate_messages(rt, workspace_id, lab.sequence_id)
