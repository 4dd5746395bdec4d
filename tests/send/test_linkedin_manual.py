"""The manual LinkedIn provider's decisions: task content, marks, expiry, profile links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from outboard.core.errors import ValidationError
from outboard.core.sequence import Channel
from outboard.send.channels.linkedin_manual import (
    FREE_NOTE_LIMIT,
    MarkEffect,
    TaskKind,
    TaskMark,
    apply_mark,
    invite_expired,
    profile_url,
    public_identifier,
    task_for_step,
)


@pytest.mark.parametrize("given", [
    "anna-schmidt", "https://www.linkedin.com/in/anna-schmidt/", "linkedin.com/in/anna-schmidt",
    "https://de.linkedin.com/in/anna-schmidt?trk=public_profile", "http://www.linkedin.com/in/anna-schmidt/details/",
])
def test_profile_links_normalise(given: str) -> None:
    assert public_identifier(given) == "anna-schmidt"
    assert profile_url(given) == "https://www.linkedin.com/in/anna-schmidt/"


@pytest.mark.parametrize("given", ["https://example.com/in/anna", "https://www.linkedin.com/company/acme/",
                                   "an na", "x"])
def test_other_links_are_refused(given: str) -> None:
    with pytest.raises(ValidationError):
        public_identifier(given)


def test_invite_task_carries_the_note_and_the_link() -> None:
    task = task_for_step(Channel.LINKEDIN_INVITE, "anna-schmidt", "Hi Anna, loved your post.", "Anna Schmidt")
    assert (task.kind, task.profile_url, task.text) == (
        TaskKind.INVITE, "https://www.linkedin.com/in/anna-schmidt/", "Hi Anna, loved your post.")
    assert "Connect" in task.instructions and "Anna Schmidt" in task.instructions
    assert "without a note" in task_for_step(Channel.LINKEDIN_INVITE, "anna-schmidt", "").instructions


def test_invite_notes_within_the_limit() -> None:
    task_for_step(Channel.LINKEDIN_INVITE, "anna-schmidt", "x" * 300)
    with pytest.raises(ValidationError, match="301 characters"):
        task_for_step(Channel.LINKEDIN_INVITE, "anna-schmidt", "x" * 301)
    with pytest.raises(ValidationError, match="200"):
        task_for_step(Channel.LINKEDIN_INVITE, "anna-schmidt", "x" * 201, note_limit=FREE_NOTE_LIMIT)


def test_message_task_and_bad_steps() -> None:
    task = task_for_step(Channel.LINKEDIN_MESSAGE, "anna-schmidt", "Thanks for connecting!")
    assert task.kind is TaskKind.MESSAGE and "Message" in task.instructions
    with pytest.raises(ValidationError):
        task_for_step(Channel.LINKEDIN_MESSAGE, "anna-schmidt", "   ")
    with pytest.raises(ValidationError):
        task_for_step(Channel.EMAIL, "anna-schmidt", "Hi")


@pytest.mark.parametrize(("kind", "mark", "effect"), [
    (TaskKind.INVITE, TaskMark.DONE, MarkEffect(sent=True, accepted=False, replied=False)),
    (TaskKind.INVITE, TaskMark.ACCEPTED, MarkEffect(sent=True, accepted=True, replied=False)),
    (TaskKind.INVITE, TaskMark.REPLIED, MarkEffect(sent=True, accepted=True, replied=True)),
    (TaskKind.MESSAGE, TaskMark.DONE, MarkEffect(sent=True, accepted=False, replied=False)),
    (TaskKind.MESSAGE, TaskMark.REPLIED, MarkEffect(sent=True, accepted=False, replied=True)),
])
def test_what_marks_mean(kind: TaskKind, mark: TaskMark, effect: MarkEffect) -> None:
    assert apply_mark(kind, mark) == effect


def test_a_message_cannot_be_accepted() -> None:
    with pytest.raises(ValidationError):
        apply_mark(TaskKind.MESSAGE, TaskMark.ACCEPTED)


def test_invites_expire_after_21_days() -> None:
    sent = datetime(2026, 3, 2, 10, tzinfo=UTC)
    assert not invite_expired(sent, sent + timedelta(days=20, hours=23))
    assert invite_expired(sent, sent + timedelta(days=21))
    assert invite_expired(sent, sent + timedelta(days=8), after=timedelta(days=7))
