"""What happened to one send, as a type the engine can act on, and the SMTP answers that lead to each.

The engine's reaction belongs to the type: Sent → record; Deferred and ConnectionFailed → try again
later; AddressRejected → mark the address (or LinkedIn profile) invalid and stop that channel's steps (a
hard bounce); ReputationBlocked (SMTP 5.7.x, a LinkedIn restriction warning) and AuthFailed → pause the
sender account (AuthFailed also alerts an Admin); Failed → this message failed, nothing else is wrong.
A ConnectionFailed with `maybe_delivered` happened after the message was handed over: it must be
reconciled, never retried blindly (rule 1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import aiosmtplib

DEFAULT_RETRY = timedelta(minutes=15)  # greylisting usually clears within 5-15 minutes


@dataclass(frozen=True)
class Sent:
    provider_id: str  # the server's queue id, the provider's message or invitation id
    thread_id: str | None = None  # where replies will arrive, when the provider names it (a LinkedIn chat)


@dataclass(frozen=True)
class Deferred:
    retry_after: timedelta
    reason: str


@dataclass(frozen=True)
class AddressRejected:
    code: int
    enhanced: str | None
    reason: str


@dataclass(frozen=True)
class ReputationBlocked:
    code: int | None
    enhanced: str | None
    reason: str


@dataclass(frozen=True)
class AuthFailed:
    reason: str


@dataclass(frozen=True)
class ConnectionFailed:
    reason: str
    maybe_delivered: bool = False


@dataclass(frozen=True)
class Failed:
    code: int | None
    enhanced: str | None
    reason: str


Outcome = Sent | Deferred | AddressRejected | ReputationBlocked | AuthFailed | ConnectionFailed | Failed
Stage = Literal["connect", "helo", "auth", "mail", "rcpt", "data"]

_ENHANCED = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})\b")
_QUEUE_ID = re.compile(r"(?:queued as|id=)\s*<?([\w.@-]+)>?", re.IGNORECASE)


def enhanced_status(text: str) -> str | None:
    """The RFC 3463 enhanced status code at the start of a reply text ("5.1.1 No such user" → "5.1.1")."""
    match = _ENHANCED.match(text)
    return ".".join(match.groups()) if match else None


def provider_id_from_reply(text: str) -> str:
    """The queue id a server names in its 250 reply to DATA ("2.0.0 Ok: queued as 4Xz9") or the whole text."""
    match = _QUEUE_ID.search(text)
    return match.group(1) if match else text.strip()


def classify_smtp_reply(code: int, text: str, stage: Stage) -> Outcome:
    """An SMTP answer at a stage of the conversation → an outcome. 2xx at DATA is Sent."""
    enhanced = enhanced_status(text)
    reason = f"{code} {text}".strip()
    if 200 <= code < 300:
        return Sent(provider_id_from_reply(text))
    if (code in (530, 534, 535) and stage in ("auth", "mail")) or (stage == "auth" and code >= 500):
        return AuthFailed(reason)
    if 400 <= code < 500:
        return Deferred(DEFAULT_RETRY, reason)
    klass = enhanced.split(".")[1] if enhanced else None
    if klass == "7" or stage in ("connect", "helo"):
        return ReputationBlocked(code, enhanced, reason)  # policy, blocklist, refused at the door: pause
    if stage == "mail":
        return AuthFailed(f"the server refuses our sender address: {reason}")  # account config, not the lead
    if stage == "rcpt" and (klass == "1" or enhanced == "5.2.1" or (klass is None and code in (550, 551, 553))):
        return AddressRejected(code, enhanced, reason)
    return Failed(code, enhanced, reason)


def classify_smtp_exception(exc: BaseException, stage: Stage) -> Outcome:
    """An aiosmtplib (or socket) exception raised at `stage` → an outcome. Never raises."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        exc = exc.recipients[0]
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return AuthFailed(f"{exc.code} {exc.message}".strip())
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        if exc.code >= 400:
            return classify_smtp_reply(exc.code, exc.message, stage)
        return Failed(exc.code, None, f"unexpected answer {exc.code} {exc.message}")
    if isinstance(exc, OSError):  # refused, timed out, dropped, TLS failure: the network, not the message
        return ConnectionFailed(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__,
                                maybe_delivered=stage == "data")
    # What is left (no AUTH or STARTTLS offered, no usable mechanism): the settings do not fit the server.
    return AuthFailed(f"the server does not support what the account settings ask for: {exc}")
