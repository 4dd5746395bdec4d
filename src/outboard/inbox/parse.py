"""Raw bytes → ParsedMail: a bounded view of an inbound message that never raises.

The stdlib parser builds the MIME tree; everything around it is defensive because the sync stores whatever
the server hands over: broken MIME, lying charsets, no headers at all, 25 MB attachments. Each thing that
was wrong is written to `problems`, so a person can see why a message reads oddly.

The tree is built with policy.compat32, not policy.default: policy.default re-parses a header into an
object on every access (about 3 ms per message here, the whole budget of the 10,000-message benchmark).
Only the headers we read are decoded, with the same stdlib pieces policy.default uses underneath
(RFC 2047 words via email.header, addresses via email.utils), plus lenient fallbacks.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import Message
from email.parser import BytesParser, HeaderParser
from email.utils import collapse_rfc2231_value, getaddresses, parseaddr, parsedate_to_datetime

from outboard.inbox.decoding import decode_header_value, decode_text, unfold
from outboard.inbox.htmltext import html_to_text
from outboard.inbox.text import fix_surrogates

# Only the start of a big message is parsed: bodies and DSN parts come before attachments.
MAX_PARSE_BYTES = 2_000_000
MAX_TEXT_CHARS = 60_000
MAX_PARTS = 300
SYNTHETIC_DOMAIN = "synthetic.outboard.invalid"

# Headers the classifiers read, by lowercase name.
CLASSIFY_HEADERS = ("auto-submitted", "x-autoreply", "x-autorespond", "precedence", "x-auto-response-suppress",
                    "list-id", "list-unsubscribe", "x-failed-recipients", "x-original-to", "envelope-to",
                    "x-autoreply-from", "x-mailer")

_MSGID = re.compile(r"<([^<>\s]+)>")
_ADDR = r'[^<>\s,;:()"@]+@[^<>\s,;:()"@]+'
_SIMPLE_ADDRESS = re.compile(rf'^(?:([^"<>,;:()\\@]*?)\s*<({_ADDR})>|({_ADDR}))$')
_HEADER_LINE = re.compile(rb"^[\x21-\x39\x3b-\x7e]+:")


@dataclass(frozen=True)
class Address:
    email: str  # lowercased, for matching; ParsedMail.as_written() gives the original case
    name: str = ""

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


@dataclass(frozen=True)
class ReturnedMessage:
    """Headers of our own message as a bounce returns it (message/rfc822 or text/rfc822-headers)."""

    message_id: str | None
    to: tuple[str, ...]
    subject: str


@dataclass
class ParsedMail:
    message_id: str
    synthetic_id: bool
    in_reply_to: str | None
    references: list[str]
    sender: Address | None
    reply_to: list[Address]
    to: list[Address]
    cc: list[Address]
    delivered_to: list[str]
    subject: str
    date: datetime | None
    headers: dict[str, str]
    content_type: str
    report_type: str
    return_path: str | None  # "" for the null sender <>
    text: str
    text_source: str  # "plain", "html" or "none"
    delivery_status: str | None
    returned: ReturnedMessage | None
    size: int
    has_headers: bool
    problems: list[str] = field(default_factory=list)
    # Addresses are compared lowercased; tokens in them (unsubscribe+Token@) keep the case they were sent with.
    written: dict[str, str] = field(default_factory=dict)

    @property
    def from_address(self) -> str:
        return self.sender.email if self.sender else ""

    @property
    def from_name(self) -> str:
        return self.sender.name if self.sender else ""

    @property
    def recipients(self) -> list[str]:
        """Every address the message was delivered to, as written or as the server recorded it."""
        found = [a.email for a in self.to + self.cc if a.email] + self.delivered_to
        return list(dict.fromkeys(found))

    def as_written(self, address: str) -> str:
        return self.written.get(address, address)


def normalize_message_id(value: str | None) -> str | None:
    """`<id@host>` form, the one we write and search for; None for an empty or garbage value."""
    if not value:
        return None
    value = fix_surrogates(str(value)).strip()
    match = _MSGID.search(value)
    if match:
        return f"<{match.group(1)}>"
    token = value.split()[0] if value.split() else ""
    return f"<{token.strip('<>')}>" if token.strip("<>") else None


def synthetic_message_id(raw: bytes) -> str:
    """A stable id for a message that has none: the same bytes always give the same id."""
    return f"<{hashlib.sha256(raw).hexdigest()[:32]}@{SYNTHETIC_DOMAIN}>"


class _Headers:
    """Raw header values by lowercase name, read once from the parsed tree."""

    def __init__(self, msg: Message):
        self.values: dict[str, list[str]] = {}
        for name, value in msg.raw_items():
            self.values.setdefault(str(name).strip().lower(), []).append(str(value))

    def __bool__(self) -> bool:
        return bool(self.values)

    def raw(self, name: str) -> list[str]:
        return self.values.get(name, [])

    def first(self, name: str) -> str | None:
        values = self.values.get(name)
        return decode_header_value(values[0]) if values else None

    def addresses(self, name: str, problems: list[str], written: dict[str, str]) -> list[Address]:
        values = self.values.get(name)
        if not values:
            return []
        found: list[Address] = []
        unfolded = [unfold(v) for v in values]
        simple = [_SIMPLE_ADDRESS.match(v) for v in unfolded]
        # Most headers are one plain `Name <addr>`: skip the general (slow) parser for those.
        if all(simple):
            pairs = [(m.group(1) or "", m.group(2) or m.group(3)) for m in simple if m]
        else:
            pairs = getaddresses(unfolded)
        for display, addr in pairs:
            local, _, domain = addr.rpartition("@")
            if not local or not domain or " " in addr:
                continue
            original = fix_surrogates(addr)
            address = Address(original.lower(), decode_header_value(display).strip() if display else "")
            written.setdefault(address.email, original)
            found.append(address)
        if not found and any(v.strip() for v in values):
            problems.append(f"no usable address in {name} header")
        return found


def _date(headers: _Headers, problems: list[str]) -> datetime | None:
    raw = headers.first("date")
    if not raw:
        problems.append("no Date header")
        return None
    try:
        parsed = parsedate_to_datetime(raw.strip())
    except Exception:  # ValueError in 3.11, TypeError/IndexError in older parsers: all mean unreadable
        problems.append(f"unreadable Date header {raw.strip()[:60]!r}")
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _walk(msg: Message) -> list[Message]:
    """Parts in document order, without descending into attached messages, bounded in count."""
    out: list[Message] = []
    stack = [msg]
    while stack and len(out) < MAX_PARTS:
        part = stack.pop()
        out.append(part)
        if part.is_multipart() and part.get_content_maintype() == "multipart":
            payload = part.get_payload()
            if isinstance(payload, list):
                stack.extend(reversed([p for p in payload if isinstance(p, Message)]))
    return out


def _part_bytes(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def _param(part: Message, name: str) -> str | None:
    value = part.get_param(name)
    if isinstance(value, tuple):  # RFC 2231 encoded parameter
        value = collapse_rfc2231_value(value)
    return str(value) if value else None


def _part_text(part: Message, problems: list[str]) -> str:
    try:
        data = _part_bytes(part)
        text, problem = decode_text(data, _param(part, "charset"))
    except Exception as exc:
        problems.append(f"undecodable {part.get_content_type()} part ({type(exc).__name__})")
        return ""
    if problem:
        problems.append(problem)
    return text


def _blocks_text(part: Message) -> str:
    """A message/delivery-status payload (parsed by the stdlib into header blocks) back into text."""
    payload = part.get_payload()
    if isinstance(payload, str):
        return fix_surrogates(payload)
    blocks = []
    for block in payload if isinstance(payload, list) else []:
        if not isinstance(block, Message):
            continue
        lines = [f"{k}: {fix_surrogates(v)}" for k, v in block.raw_items()]
        body = block.get_payload()
        if isinstance(body, str) and body.strip():
            lines.append(fix_surrogates(body))  # message/global-delivery-status keeps blocks in the body
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _returned(part: Message, problems: list[str]) -> ReturnedMessage | None:
    try:
        if part.get_content_type() in ("message/rfc822", "message/global"):
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
        else:  # text/rfc822-headers
            inner = HeaderParser(policy=policy.compat32).parsestr(_part_text(part, problems))
        if not isinstance(inner, Message):
            return None
        headers = _Headers(inner)
        to = [a.email for a in headers.addresses("to", [], {}) + headers.addresses("cc", [], {})]
        return ReturnedMessage(normalize_message_id(headers.first("message-id")), tuple(to),
                               headers.first("subject") or "")
    except Exception as exc:
        problems.append(f"unreadable returned message ({type(exc).__name__})")
        return None


def _body(msg: Message, problems: list[str]) -> tuple[str, str, str | None, ReturnedMessage | None]:
    plain: str | None = None
    html: str | None = None
    status: str | None = None
    returned: ReturnedMessage | None = None
    for part in _walk(msg):
        ctype = part.get_content_type()
        if ctype in ("message/delivery-status", "message/global-delivery-status"):
            status = status or _blocks_text(part)
            continue
        if ctype in ("message/rfc822", "message/global", "text/rfc822-headers"):
            returned = returned or _returned(part, problems)
            continue
        if part.get_content_maintype() == "multipart" and not part.is_multipart():
            # A multipart without a usable boundary: the stdlib keeps the body as one string; read it as text.
            plain = plain if plain is not None else _part_text(part, problems)
            continue
        if part.get_content_maintype() != "text" or part.get_content_disposition() == "attachment":
            continue
        if ctype == "text/plain" and plain is None:
            plain = _part_text(part, problems)
        elif ctype == "text/html" and html is None:
            html = _part_text(part, problems)
    if plain is not None and plain.strip():
        return plain[:MAX_TEXT_CHARS], "plain", status, returned
    if html is not None:
        return html_to_text(html)[:MAX_TEXT_CHARS], "html", status, returned
    return "", "none", status, returned


def _parse_message(raw: bytes, problems: list[str]) -> Message:
    try:
        return BytesParser(policy=policy.compat32).parsebytes(raw)
    except Exception as exc:  # RecursionError on absurd nesting, or a parser bug on hostile input
        problems.append(f"MIME structure unreadable ({type(exc).__name__}); read as headers and plain text")
    try:
        return BytesParser(policy=policy.compat32).parsebytes(raw, headersonly=True)
    except Exception:
        fallback = Message(policy=policy.compat32)
        fallback.set_payload(raw.decode("utf-8", "replace"))
        return fallback


def _repair_headers(raw: bytes, problems: list[str]) -> bytes | None:
    """Drop colon-less lines inside the header block that real headers follow.

    The stdlib ends the headers at the first such line, so one broken line would turn Subject, Message-ID
    and the threading headers below it into body text. None when there is nothing to repair.
    """
    lines = raw[:200_000].split(b"\n")
    dropped: list[int] = []
    for index, line in enumerate(lines):
        text = line.rstrip(b"\r")
        if not text:
            break
        if text[:1] in (b" ", b"\t") or _HEADER_LINE.match(text):
            continue
        following = []
        for later in lines[index + 1:]:
            if not later.rstrip(b"\r"):
                break
            following.append(later)
        if not any(_HEADER_LINE.match(later) for later in following):
            break  # the body starts here, as the parser already decided
        dropped.append(index)
    if not dropped:
        return None
    for index in dropped:
        shown = lines[index].rstrip(b"\r").decode("utf-8", "replace")[:60]
        problems.append(f"dropped a malformed header line {shown!r}")
    keep = set(range(len(lines))) - set(dropped)
    head = b"\n".join(lines[i] for i in sorted(keep))
    return head + raw[200_000:]


def _truncate(raw: bytes, problems: list[str]) -> bytes:
    if len(raw) <= MAX_PARSE_BYTES:
        return raw
    cut = raw.rfind(b"\n", 0, MAX_PARSE_BYTES)
    problems.append(f"message is {len(raw) / 1_000_000:.1f} MB; only the first "
                    f"{MAX_PARSE_BYTES // 1_000_000} MB were read")
    return raw[: cut if cut > 0 else MAX_PARSE_BYTES]


def parse_message(raw: bytes) -> ParsedMail:
    """Parse raw RFC 5322 bytes. Never raises on content; what was wrong is listed in `problems`."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise TypeError("parse_message takes the raw bytes of a message")
    raw = bytes(raw)
    try:
        return _parse(raw)
    except Exception as exc:  # a stdlib corner we did not foresee: keep the bytes, mark the message
        return ParsedMail(
            message_id=synthetic_message_id(raw), synthetic_id=True, in_reply_to=None, references=[], sender=None,
            reply_to=[], to=[], cc=[], delivered_to=[], subject="", date=None, headers={}, content_type="",
            report_type="", return_path=None, text="", text_source="none", delivery_status=None, returned=None,
            size=len(raw), has_headers=False, problems=[f"parser error {type(exc).__name__}: {exc}"[:300]],
        )


def _parse(raw: bytes) -> ParsedMail:
    problems: list[str] = []
    data = _truncate(raw, problems)
    msg = _parse_message(data, problems)
    if any(type(d).__name__ == "MissingHeaderBodySeparatorDefect" for d in getattr(msg, "defects", [])):
        repaired = _repair_headers(data, problems)
        if repaired is not None:
            msg = _parse_message(repaired, problems)
    has_headers = bool(list(msg.raw_items()))
    if not raw.strip():
        problems.append("empty message")
    elif not has_headers:
        problems.append("no headers")
    for defect in getattr(msg, "defects", [])[:5]:
        problems.append(f"MIME defect: {type(defect).__name__}")

    headers = _Headers(msg)
    message_id = normalize_message_id(headers.first("message-id"))
    synthetic = message_id is None
    if synthetic:
        message_id = synthetic_message_id(raw)
        if has_headers:
            problems.append("no Message-ID; a synthetic id was derived from the bytes")
    references = [f"<{m}>" for m in _MSGID.findall(" ".join(headers.raw("references")))]
    written: dict[str, str] = {}
    senders = headers.addresses("from", problems, written)
    delivered = [a.email for name in ("delivered-to", "x-original-to", "envelope-to")
                 for a in headers.addresses(name, problems, written)]
    return_path = headers.first("return-path")
    if return_path is not None:
        return_path = parseaddr(return_path)[1].lower() if return_path.strip() not in ("<>", "") else ""
    try:
        content_type = msg.get_content_type()
        report_type = (_param(msg, "report-type") or "") if content_type == "multipart/report" else ""
    except Exception:
        content_type, report_type = "text/plain", ""
    try:
        text, source, status, returned = _body(msg, problems)
    except Exception as exc:
        problems.append(f"body unreadable ({type(exc).__name__})")
        text, source, status, returned = "", "none", None, None
    classify_headers = {name: value for name in CLASSIFY_HEADERS if (value := headers.first(name)) is not None}
    return ParsedMail(
        message_id=message_id or synthetic_message_id(raw),
        synthetic_id=synthetic,
        in_reply_to=normalize_message_id(headers.first("in-reply-to")),
        references=references,
        sender=senders[0] if senders else None,
        reply_to=headers.addresses("reply-to", problems, written),
        to=headers.addresses("to", problems, written),
        cc=headers.addresses("cc", problems, written),
        delivered_to=list(dict.fromkeys(delivered)),
        subject=" ".join((headers.first("subject") or "").split()),
        date=_date(headers, problems) if has_headers else None,
        headers=classify_headers,
        content_type=content_type,
        report_type=str(report_type).lower(),
        return_path=return_path,
        text=text,
        text_source=source,
        delivery_status=status,
        returned=returned,
        size=len(raw),
        has_headers=has_headers,
        problems=list(dict.fromkeys(problems)),
        written=written,
    )
