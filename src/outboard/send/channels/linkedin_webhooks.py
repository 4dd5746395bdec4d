"""Webhooks from the LinkedIn API provider: signature check and the two events the engine uses.

The provider POSTs JSON with `X-Webhook-Signature: sha256=<hex HMAC-SHA256 of the raw body>` made with
a shared secret (format in docs/linkedin-provider.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime

from outboard.core.errors import ValidationError

SIGNATURE_HEADER = "X-Webhook-Signature"


@dataclass(frozen=True)
class NewRelation:
    account_id: str
    provider_id: str
    public_identifier: str
    name: str
    at: datetime


@dataclass(frozen=True)
class NewMessage:
    account_id: str
    chat_id: str
    message_id: str
    sender_provider_id: str
    text: str
    at: datetime
    from_us: bool  # the provider also reports what our account sent: not a reply


def sign_webhook(secret: bytes | str, body: bytes) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def verify_webhook(secret: bytes | str, body: bytes, signature: str | None) -> bool:
    """Constant-time check of the signature header against the raw body (before any JSON parsing)."""
    if not signature:
        return False
    # Compared as bytes: compare_digest refuses non-ASCII str, and the header is attacker-controlled.
    return hmac.compare_digest(sign_webhook(secret, body).encode(), signature.strip().encode())


def parse_webhook(body: bytes) -> NewRelation | NewMessage | None:
    """The event in a verified webhook body; None for events we do not use. Replays are harmless:
    both events are keyed by provider ids the database records once."""
    try:
        event = json.loads(body)
        kind = event["event"]
        if kind == "new_relation":
            return NewRelation(event["account_id"], event["user_provider_id"], event["user_public_identifier"],
                               event.get("user_full_name", ""), datetime.fromisoformat(event["timestamp"]))
        if kind == "message_received":
            return NewMessage(event["account_id"], event["chat_id"], event["message_id"],
                              event["sender"]["attendee_provider_id"], event["message"],
                              datetime.fromisoformat(event["timestamp"]), bool(event.get("is_sender")))
    except (ValueError, KeyError, TypeError) as exc:
        raise ValidationError("webhook", f"not a provider event we understand ({exc})") from None
    return None
