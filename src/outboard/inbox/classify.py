"""The inbound pipeline, in order: bounce → auto-reply / out-of-office → opt-out → human reply (labelled).

Pure and deterministic: the same stored bytes and settings always give the same result (no clock, no
network), so stored mail is re-classified whenever CLASSIFIER_VERSION changes. `reasons` says why each
message was read the way it was; the CLI prints them, and so can any page that shows the message.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from outboard.inbox.autoreply import detect_auto_reply
from outboard.inbox.bounce import detect_bounce
from outboard.inbox.labels import (
    DEFAULT_REVIEW_THRESHOLD,
    Label,
    LabelResult,
    ReplyContext,
    ReplyLabeller,
    RuleLabeller,
)
from outboard.inbox.optout import OptOut, OptOutConfig, alias_token, detect_opt_out
from outboard.inbox.parse import ParsedMail, parse_message
from outboard.inbox.quotes import split_reply
from outboard.inbox.threading import Matcher, ThreadMatch

# Bump when a rule changes what a stored message would be classified as; stored results with an older
# version are re-run.
CLASSIFIER_VERSION = "inbox-rules-1"


class Kind(StrEnum):
    BOUNCE = "bounce"
    OUT_OF_OFFICE = "out_of_office"
    AUTO_REPLY = "auto_reply"
    OPT_OUT = "opt_out"
    REPLY = "reply"
    UNPARSEABLE = "unparseable"


@dataclass(frozen=True)
class ClassifierSettings:
    optout: OptOutConfig = field(default_factory=OptOutConfig)
    review_threshold: float = DEFAULT_REVIEW_THRESHOLD
    our_addresses: frozenset[str] = frozenset()  # never taken for a referral


@dataclass(frozen=True)
class Classification:
    kind: Kind
    message_id: str
    label: Label | None = None
    confidence: float = 0.0
    needs_review: bool = False
    failed_recipient: str | None = None
    status: str | None = None
    hard: bool | None = None
    delayed: bool = False
    return_date: date | None = None
    unsubscribe_token: str | None = None
    referred_email: str | None = None
    referred_name: str | None = None
    original_message_id: str | None = None  # ours, as returned inside a bounce
    from_address: str = ""
    subject: str = ""
    date: datetime | None = None
    new_text: str = ""
    reasons: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    labeller: str | None = None
    classifier_version: str = CLASSIFIER_VERSION
    match: ThreadMatch | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind.value
        data["label"] = self.label.value if self.label else None
        data["return_date"] = self.return_date.isoformat() if self.return_date else None
        data["date"] = self.date.isoformat() if self.date else None
        data["reasons"], data["problems"] = list(self.reasons), list(self.problems)
        return data


def _reference_date(mail: ParsedMail, received_at: datetime | None) -> date | None:
    """The day the message was written, in the writer's own timezone (what "Monday" means to them)."""
    if mail.date is not None:
        return mail.date.date()
    return received_at.date() if received_at is not None else None


def _opt_out(base: Classification, found: OptOut, confidence: float) -> Classification:
    return replace(base, kind=Kind.OPT_OUT, confidence=confidence, unsubscribe_token=found.token,
                   reasons=base.reasons + found.reasons)


def classify_mail(mail: ParsedMail, *, received_at: datetime | None = None, labeller: ReplyLabeller | None = None,
                  settings: ClassifierSettings | None = None) -> Classification:
    """Classify a parsed message (see `classify` for raw bytes)."""
    settings = settings or ClassifierSettings()
    base = Classification(kind=Kind.UNPARSEABLE, message_id=mail.message_id, from_address=mail.from_address,
                          subject=mail.subject, date=mail.date, problems=tuple(mail.problems))
    if not mail.has_headers:
        return replace(base, needs_review=True, new_text=mail.text[:2000],
                       reasons=("no headers: no sender, no thread, nothing to act on",))

    bounce = detect_bounce(mail)
    if bounce is not None:
        confidence = 0.99 if bounce.source == "dsn" else (0.9 if bounce.status else 0.75)
        missing = () if bounce.failed_recipient else ("no failed recipient found",)
        return replace(base, kind=Kind.BOUNCE, confidence=confidence, failed_recipient=bounce.failed_recipient,
                       status=bounce.status, hard=bounce.hard, delayed=bounce.delayed,
                       original_message_id=bounce.original_message_id,
                       needs_review=confidence < settings.review_threshold or not bounce.failed_recipient,
                       reasons=bounce.reasons + missing)

    if mail.sender is None and not (mail.in_reply_to or mail.references):
        return replace(base, needs_review=True, new_text=mail.text[:2000],
                       reasons=("no sender address and no threading headers: it cannot be matched to anyone",))

    split = split_reply(mail.text)
    base = replace(base, new_text=split.new_text)
    # Mail to the unsubscribe alias is often generated by the mailbox provider's own unsubscribe button
    # (RFC 2369 mailto), sometimes with Auto-Submitted set: the alias decides before auto-reply headers.
    alias = alias_token([mail.as_written(a) for a in mail.recipients], settings.optout)
    if alias is not None:
        address, token = alias
        return _opt_out(base, OptOut("alias", token, address, (f"sent to the unsubscribe alias {address}",)), 0.99)

    auto = detect_auto_reply(mail, split.new_text, _reference_date(mail, received_at))
    if auto is not None:
        confidence = 0.95 if auto.from_headers else 0.85
        return replace(base, kind=Kind(auto.kind), confidence=confidence, return_date=auto.return_date,
                       referred_email=auto.referred_email, reasons=auto.reasons)

    found = detect_opt_out(mail, split.new_text, settings.optout)
    if found is not None:
        return _opt_out(base, found, 0.9)

    context = ReplyContext(
        subject=mail.subject, from_address=mail.from_address,
        to=tuple((a.email, a.name) for a in mail.to), cc=tuple((a.email, a.name) for a in mail.cc),
        our_addresses=settings.our_addresses,
    )
    reasons = ["human reply: not a bounce, not an auto-reply, no opt-out request"]
    if split.quoted:
        reasons.append(f"quoted history removed ({split.method})")
    if split.footer_removed:
        reasons.append("an unquoted copy of our opt-out instruction was ignored")
    chosen = labeller or RuleLabeller()
    if not split.new_text.strip():
        reasons.append("no new text (only quoted history or attachments)")
        result = LabelResult(None, 0.0, reasons=("nothing to label",), labeller=None)
    else:
        try:
            result = chosen.label(split.new_text, context)
        except Exception as exc:  # an LLM endpoint failing must not lose the reply: fall back to the rules
            reasons.append(f"labeller {getattr(chosen, 'name', '?')} failed ({type(exc).__name__}); used the rules")
            result = RuleLabeller().label(split.new_text, context)
    return replace(base, kind=Kind.REPLY, label=result.label, confidence=result.confidence,
                   needs_review=result.label is None or result.confidence < settings.review_threshold,
                   referred_email=result.referred_email, referred_name=result.referred_name,
                   labeller=result.labeller, reasons=tuple(reasons) + result.reasons)


def classify(raw: bytes | ParsedMail, *, received_at: datetime | None = None,
             labeller: ReplyLabeller | None = None, settings: ClassifierSettings | None = None,
             matcher: Matcher | None = None) -> Classification:
    """Classify one inbound message; with a matcher, also say which conversation and lead it belongs to.

    Never raises on bad input: what could not be read is in `problems`, and a message with no headers is
    `unparseable`.
    """
    mail = raw if isinstance(raw, ParsedMail) else parse_message(raw)
    try:
        result = classify_mail(mail, received_at=received_at, labeller=labeller, settings=settings)
    except Exception as exc:  # a rule bug on one odd message must not stop the sync: store it, mark it
        result = Classification(kind=Kind.UNPARSEABLE, message_id=mail.message_id, from_address=mail.from_address,
                                subject=mail.subject, date=mail.date, needs_review=True,
                                reasons=(f"classifier error {type(exc).__name__}: {exc}"[:300],),
                                problems=tuple(mail.problems))
    if matcher is not None:
        result = replace(result, match=matcher.match(mail, result))
    return result
