"""The manual LinkedIn provider: each due invite or message becomes a task a person carries out.

Pure decisions only: what a task contains, what marking it means, when an invite has waited too long.
The database layer stores the tasks and applies the effects; the API provider shares the rules on notes
and profile links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import unquote, urlsplit

from outboard.core.errors import ValidationError
from outboard.core.sequence import Channel

NOTE_LIMIT = 300  # characters in an invitation note on Premium and Sales Navigator accounts
FREE_NOTE_LIMIT = 200  # on free accounts
WITHDRAW_AFTER = timedelta(days=21)  # pending invites older than this are withdrawn (market.md 2.3)

_PUBLIC_ID = re.compile(r"^[\w\-%.]{3,100}$", re.UNICODE)


class TaskKind(StrEnum):
    INVITE = "invite"
    MESSAGE = "message"


class TaskMark(StrEnum):
    DONE = "done"  # the person sent it
    ACCEPTED = "accepted"  # the lead accepted the invite
    REPLIED = "replied"  # the lead wrote back on LinkedIn


@dataclass(frozen=True)
class ManualTask:
    kind: TaskKind
    profile_url: str
    text: str
    lead_name: str
    instructions: str


@dataclass(frozen=True)
class MarkEffect:
    """What a mark means for the enrollment."""

    sent: bool  # record the step as sent (at the moment of the mark)
    accepted: bool  # the lead is a 1st-degree connection: message steps may go, their delay counts from now
    replied: bool  # a human reply: cancel the remaining automated steps (rule 2)


def public_identifier(profile: str) -> str:
    """"anna-schmidt" from "https://www.linkedin.com/in/anna-schmidt/?trk=x", or from the bare id."""
    profile = profile.strip()
    if "/" in profile:
        parts = urlsplit(profile if "://" in profile else f"https://{profile}")
        segments = [s for s in parts.path.split("/") if s]
        if not (parts.hostname or "").endswith("linkedin.com") or len(segments) < 2 or segments[0] != "in":
            raise ValidationError("linkedin_url", "is not a LinkedIn profile link (…/in/<name>)", value=profile)
        profile = unquote(segments[1])
    if not _PUBLIC_ID.match(profile):
        raise ValidationError("linkedin_url", "is not a LinkedIn profile id", value=profile)
    return profile


def profile_url(profile: str) -> str:
    return f"https://www.linkedin.com/in/{public_identifier(profile)}/"


def check_invite_note(note: str, limit: int = NOTE_LIMIT) -> None:
    """LinkedIn refuses longer notes; an empty note is allowed (an invite without a note)."""
    if len(note) > limit:
        raise ValidationError("invite_note", f"is {len(note)} characters; LinkedIn allows {limit}", value=note)


def task_for_step(channel: Channel, profile: str, text: str, lead_name: str = "",
                  note_limit: int = NOTE_LIMIT) -> ManualTask:
    """The task for a due LinkedIn step."""
    url, who = profile_url(profile), lead_name or "this person"
    if channel is Channel.LINKEDIN_INVITE:
        check_invite_note(text, note_limit)
        how = "with this note" if text.strip() else "without a note"
        return ManualTask(TaskKind.INVITE, url, text, lead_name,
                          f"Open the profile, click Connect and send the invitation to {who} {how}.")
    if channel is Channel.LINKEDIN_MESSAGE:
        if not text.strip():
            raise ValidationError("message", "a LinkedIn message cannot be empty")
        return ManualTask(TaskKind.MESSAGE, url, text, lead_name,
                          f"Open the profile, click Message and send this text to {who}.")
    raise ValidationError("channel", "a manual LinkedIn task needs a LinkedIn step", value=str(channel))


def apply_mark(kind: TaskKind, mark: TaskMark) -> MarkEffect:
    """Marking "accepted" or "replied" on an invite also means it was sent; a reply means connected."""
    if kind is TaskKind.MESSAGE and mark is TaskMark.ACCEPTED:
        raise ValidationError("mark", "a message task cannot be accepted; mark the invite task instead")
    return MarkEffect(sent=True, accepted=kind is TaskKind.INVITE and mark is not TaskMark.DONE,
                      replied=mark is TaskMark.REPLIED)


def invite_expired(sent_at: datetime, now: datetime, after: timedelta = WITHDRAW_AFTER) -> bool:
    """A pending invite this old is withdrawn; the lead goes on with its other (non-LinkedIn) steps."""
    return now - sent_at >= after
