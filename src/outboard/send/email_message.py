"""One outgoing email as bytes ready for SMTP: headers, threading, one-click unsubscribe, footer, DKIM.

Built with the stdlib `email` package in its compat32 flavour, writing our headers as we formed them:
the modern EmailPolicy re-parses every header through the header registry and costs several times more
per message, for nothing we need here. Names and subjects coming from users or the writer are collapsed
to one line and addresses checked, so nothing can inject a header.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import re
import secrets
import struct
from dataclasses import dataclass
from datetime import datetime
from email import charset as _charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import format_datetime, formataddr
from typing import Any

import dkim

from outboard.core.errors import OutboardError, ValidationError


class _AsWritten(Compat32):
    """compat32 that writes ASCII header values exactly as given. Every value here is already ASCII and
    folded where we chose (`_FOLD`); re-folding each one through `email.header` was half the build
    time, and broke List-Unsubscribe before its first URL."""

    def fold(self, name: str, value: Any) -> str:
        if isinstance(value, str) and value.isascii():
            return f"{name}: {value}{self.linesep}"
        return super().fold(name, value)

    def fold_binary(self, name: str, value: Any) -> bytes:
        if isinstance(value, str) and value.isascii():
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


_POLICY = _AsWritten(linesep="\r\n")  # SMTP line ends, so DKIM signs exactly what goes on the wire
_FOLD = "\r\n "
_UTF8_QP = _charset.Charset("utf-8")
_UTF8_QP.body_encoding = _charset.QP  # readable in the raw source, unlike the default base64
_MESSAGE_ID = re.compile(r"^<[^<>\s@]+@[^<>\s@]+>$")
_DKIM_HEADERS = ("from", "to", "subject", "date", "message-id", "list-unsubscribe", "list-unsubscribe-post",
                 "in-reply-to", "references", "mime-version", "content-type")


@dataclass(frozen=True)
class DkimKey:
    domain: str
    selector: str
    private_key_pem: bytes


@dataclass(frozen=True)
class Footer:
    """The compliance footer (CAN-SPAM postal address, GDPR Art. 21 opt-out) appended to every email."""

    postal_address: str
    opt_out_sentence: str = "If you would rather not hear from me again, reply \"stop\" or unsubscribe here:"

    def __post_init__(self) -> None:
        if not self.postal_address.strip():
            raise ValidationError("footer.postal_address", "a postal address is required in every email")
        if not self.opt_out_sentence.strip():
            raise ValidationError("footer.opt_out_sentence", "an opt-out sentence is required in every email")


_LOOPBACK_HTTP = ("http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:", "http://localhost/")


@dataclass(frozen=True)
class Unsubscribe:
    """Where the recipient can opt out: the HTTPS one-click URL (POST only) and a mailto address."""

    url: str
    mailto: str

    @classmethod
    def issue(cls, secret: bytes | str, workspace_id: int, enrollment_id: int, address: str, base_url: str,
              mailto_domain: str) -> Unsubscribe:
        """The one-click URL carries the full token (it names the address by itself); the mailto alias a
        short one, as a local part holds at most 64 octets (RFC 5321 4.5.3.1.1)."""
        token = make_unsubscribe_token(secret, workspace_id, enrollment_id, address)
        alias = make_alias_token(secret, workspace_id, enrollment_id)
        return cls(f"{base_url.rstrip('/')}/{token}", f"unsubscribe+{alias}@{mailto_domain}")

    def __post_init__(self) -> None:
        # RFC 8058 wants https; plain http is accepted only on loopback, where the demo and a local
        # web app run without a certificate.
        if not (self.url.startswith("https://") or self.url.startswith(_LOOPBACK_HTTP)):
            raise ValidationError("unsubscribe.url", "must be https (RFC 8058 one-click)", value=self.url)


@dataclass(frozen=True)
class Thread:
    """The conversation a follow-up belongs to: the first email's subject and our earlier Message-IDs."""

    first_subject: str
    message_ids: tuple[str, ...]


@dataclass(frozen=True)
class OutgoingEmail:
    message_id: str  # record it before sending: replies and reconciliation find the message by it
    envelope_from: str
    recipient: str
    data: bytes


def new_message_id(domain: str) -> str:
    """A Message-ID on the sender's domain; random, so it says nothing about the lead."""
    return f"<ob.{secrets.token_hex(12)}@{domain}>"


def reply_subject(first_subject: str) -> str:
    subject = _one_line(first_subject)
    return subject if subject[:3].lower() == "re:" else f"Re: {subject}"


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _address(value: str, field: str) -> str:
    value = value.strip()
    local, at, domain = value.rpartition("@")
    if not at or not local or "." not in domain or any(c in value for c in "<>\r\n ,"):
        raise ValidationError(field, "is not an email address", value=value)
    return value


def _subject(value: str) -> str:
    value = _one_line(value)
    if len(value) > 900:
        raise ValidationError("subject", "is too long for an email header", value=value)
    return value if value.isascii() else Header(value, "utf-8").encode(linesep="\r\n")


def _html(text: str, footer: Footer, unsubscribe_url: str) -> str:
    paragraphs = [p.strip() for p in text.strip().split("\n\n") if p.strip()]
    body = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>\n" for p in paragraphs)
    link = html.escape(unsubscribe_url, quote=True)
    return (f"<!DOCTYPE html><html><body>\n{body}<p style=\"color:#666;font-size:12px\">"
            f"{html.escape(footer.opt_out_sentence)} <a href=\"{link}\">{link}</a><br>"
            f"{html.escape(footer.postal_address).replace(chr(10), '<br>')}</p>\n</body></html>\n")


def build_email(*, sender_name: str, sender_address: str, to_address: str, subject: str, body: str,
                now: datetime, footer: Footer, unsubscribe: Unsubscribe, to_name: str = "",
                thread: Thread | None = None, with_html: bool = False, dkim_key: DkimKey | None = None,
                message_id: str | None = None) -> OutgoingEmail:
    """The complete message. A follow-up (with `thread`) is "Re: <first subject>" and threads under our
    earlier messages. `message_id` may be passed to keep one identity across retries of the same send."""
    sender_address = _address(sender_address, "sender.address")
    to_address = _address(to_address, "to")
    message_id = message_id or new_message_id(sender_address.rpartition("@")[2])
    text = f"{body.rstrip()}\n\n{footer.opt_out_sentence} {unsubscribe.url}\n{footer.postal_address}\n"
    msg: Message
    if with_html:
        msg = MIMEMultipart("alternative", policy=_POLICY)
        msg.attach(MIMEText(text, "plain", _UTF8_QP))
        msg.attach(MIMEText(_html(body, footer, unsubscribe.url), "html", _UTF8_QP))
    else:
        msg = MIMEText(text, "plain", _UTF8_QP)
    msg["From"] = formataddr((_one_line(sender_name), sender_address), charset="utf-8")
    msg["To"] = formataddr((_one_line(to_name), to_address), charset="utf-8")
    msg["Subject"] = _subject(reply_subject(thread.first_subject) if thread else subject)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id
    if thread and any(not _MESSAGE_ID.match(m) for m in thread.message_ids):
        raise ValidationError("thread.message_ids", "must be <id@domain> Message-IDs", value=thread.message_ids)
    if thread and thread.message_ids:
        msg["In-Reply-To"] = thread.message_ids[-1]
        msg["References"] = _FOLD.join(thread.message_ids)
    msg["List-Unsubscribe"] = f"<{unsubscribe.url}>,{_FOLD}<mailto:{unsubscribe.mailto}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    data = msg.as_bytes(policy=_POLICY)
    if dkim_key is not None:
        data = sign(data, dkim_key) + data
    return OutgoingEmail(message_id, sender_address, to_address, data)


def sign(data: bytes, key: DkimKey) -> bytes:
    """The DKIM-Signature header for `data` (relaxed/simple, rsa-sha256), covering both unsubscribe headers
    as RFC 8058 requires. About 7 ms of CPU per message with a 2048-bit key (dkimpy is pure Python)."""
    present = {line.split(b":", 1)[0].strip().lower() for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
               if line[:1] not in (b" ", b"\t")}
    headers = [h.encode() for h in _DKIM_HEADERS if h.encode() in present]
    return dkim.sign(data, key.selector.encode(), key.domain.encode(), key.private_key_pem,
                     include_headers=headers)


class InvalidToken(OutboardError):
    """An unsubscribe token that was not made with our secret, or was altered."""


@dataclass(frozen=True)
class UnsubscribeClaim:
    workspace_id: str
    enrollment_id: str
    address: str


_TOKEN_CONTEXT = b"outboard-unsubscribe-v1\x00"


def _b32(raw: bytes) -> str:
    # Base32, lower case: survives mail systems that change the case of the local part of an address.
    return base64.b32encode(raw).decode().rstrip("=").lower()


def _unb32(text: str) -> bytes:
    return base64.b32decode(text.upper() + "=" * (-len(text) % 8))


def _mac(secret: bytes | str, payload: bytes) -> bytes:
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, _TOKEN_CONTEXT + payload, hashlib.sha256).digest()[:12]


def make_unsubscribe_token(secret: bytes | str, workspace_id: object, enrollment_id: object,
                           address: str) -> str:
    """A token naming the workspace, the enrollment and the address, signed with HMAC-SHA256.

    It carries the address so an opt-out works with nothing but the token (RFC 8058: the URI identifies
    the recipient by itself), even after the lead is deleted. Tokens do not expire: CAN-SPAM wants the
    opt-out to keep working for at least 30 days.
    """
    payload = "\x1f".join((str(workspace_id), str(enrollment_id), address.strip().lower())).encode()
    return f"{_b32(payload)}.{_b32(_mac(secret, payload))}"


_ALIAS = struct.Struct(">IQ")  # workspace id, enrollment id
_ALIAS_CONTEXT = b"alias\x00"


def make_alias_token(secret: bytes | str, workspace_id: int, enrollment_id: int) -> str:
    """The short token of the unsubscribe alias (37 characters): the workspace and the enrollment, packed,
    with a 10-byte MAC. The address comes from the enrollment's lead, or from the mail's sender."""
    payload = _ALIAS.pack(workspace_id, enrollment_id)
    return f"{_b32(payload)}.{_b32(_mac(secret, _ALIAS_CONTEXT + payload)[:10])}"


def read_unsubscribe_token(secret: bytes | str, token: str) -> UnsubscribeClaim:
    """The claim inside a token made by `make_unsubscribe_token` or `make_alias_token` (whose claim has
    no address); InvalidToken if forged or altered."""
    try:
        body, _, mac = token.strip().lower().partition(".")
        payload, given = _unb32(body), _unb32(mac)
        if len(payload) == _ALIAS.size and len(given) == 10:
            if not hmac.compare_digest(given, _mac(secret, _ALIAS_CONTEXT + payload)[:10]):
                raise InvalidToken("this unsubscribe address is not valid")
            workspace_id, enrollment_id = _ALIAS.unpack(payload)
            return UnsubscribeClaim(str(workspace_id), str(enrollment_id), "")
        parts = payload.decode().split("\x1f")
    except (ValueError, UnicodeDecodeError, struct.error):
        raise InvalidToken("this unsubscribe link is damaged") from None
    if len(parts) != 3 or not hmac.compare_digest(given, _mac(secret, payload)):
        raise InvalidToken("this unsubscribe link is not valid")
    return UnsubscribeClaim(*parts)
