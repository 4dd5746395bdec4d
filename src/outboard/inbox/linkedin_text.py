"""A LinkedIn message as the classifier reads mail: the stored event (JSON) viewed as a tiny plain-text email.

LinkedIn has no bounces and no auto-reply headers, but people write "please remove me" or "not
interested" there too; reading the text through the same pipeline gives the same opt-out detection and
the same labels as email.
"""

from __future__ import annotations

import json
from datetime import datetime
from email.utils import format_datetime
from typing import Any

from outboard.inbox.parse import ParsedMail, parse_message

MEMBER_DOMAIN = "linkedin.invalid"


def member_key(provider_id: str) -> str:
    """The conversation key of a LinkedIn member: their chat with our account, whatever its id."""
    return f"linkedin:{provider_id}"


def event_message_id(kind: str, provider_id: str) -> str:
    """The stored row's unique id: provider ids are unique, so a replayed event stores nothing new."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in provider_id)[:200]
    return f"<{kind}.{safe}@{MEMBER_DOMAIN}>"


def event_of(raw: bytes | None) -> dict[str, Any]:
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def linkedin_mail(raw: bytes | None, message_id: str) -> ParsedMail:
    event = event_of(raw)
    text = str(event.get("message") or event.get("text") or "")
    sender = str((event.get("sender") or {}).get("attendee_provider_id") or event.get("sender_id") or "member")
    safe = "".join(c for c in sender if c.isalnum() or c in "-_.") or "member"
    try:
        date = f"Date: {format_datetime(datetime.fromisoformat(str(event['timestamp'])))}\r\n"
    except (KeyError, ValueError, TypeError):
        date = ""
    head = (f"From: <{safe}@{MEMBER_DOMAIN}>\r\nMessage-ID: {message_id}\r\n{date}MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n")
    return parse_message(head.encode() + text.encode("utf-8", "replace"))
