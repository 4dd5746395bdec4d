"""Guardrails run on every message from any writer. A blocking finding makes a message non-approvable
until it is fixed (edited or regenerated); warnings are shown in review.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from outboard.core.profile import LeadProfile
from outboard.core.sequence import Channel
from outboard.core.writing import Draft, Finding, StrategyProfile
from outboard.write.composer import COMPOSER_NAME
from outboard.write.factcheck import FactIndex, build_index, check_claims, check_facts
from outboard.write.injection import find_injection
from outboard.write.phrases import DATA_DIR, SUPPORTED_LANGUAGES
from outboard.write.text import fold, sentences

# Every finding code the guardrails emit (the review UI and docs list them from here).
FINDING_CODES = {
    "empty": "the message is empty",
    "repeated_sentence": "the same sentence twice in one message",
    "duplicate_step": "the same text as another step of the lead's sequence",
    "note_too_long": "invite note over the account's limit (300, or 200 for free accounts)",
    "message_too_long": "LinkedIn message over 8,000 characters",
    "message_long": "LinkedIn message over 1,500 characters (warning)",
    "subject_ignored": "a subject on a LinkedIn step (warning)",
    "subject_missing": "the first email of the sequence has no subject",
    "subject_too_long": "subject over the strategy's maximum",
    "fake_reply_subject": "a new email whose subject starts with Re:/Fwd:",
    "shouting_subject": "subject in capitals",
    "body_too_long": "email over the strategy's word budget",
    "body_too_short": "email under 8 words (warning)",
    "placeholder": "an unresolved placeholder such as {{first_name}} or [Company]",
    "banned_phrase": "a phrase the strategy profile bans",
    "spam_wording": "spam-trigger wording (write/data/spam_triggers.txt)",
    "injection_echo": "instruction-like text from a prompt injection reached the message",
    "unsupported_name": "a name not found in the lead's data or the strategy profile",
    "unsupported_number": "a number, amount or percentage not found in the data",
    "unsupported_date": "a date or weekday not found in the data",
    "unsupported_link": "a link or address not found in the data",
    "unsupported_claim": "a claim about the prospect (funding, new role, event...) the data does not show",
    "language_fallback": "the offline composer wrote English for an unsupported language (warning)",
}
LINKEDIN_MESSAGE_LIMIT = 8000  # LinkedIn's own cap on a message
LINKEDIN_MESSAGE_SOFT_LIMIT = 1500  # longer than this is rarely read in a chat
SUBJECT_HARD_LIMIT = 200

_PLACEHOLDERS = re.compile(
    r"\{\{[^{}]*\}\}"  # {{first_name}}
    r"|\{\s*[A-Za-z_][\w .-]{0,40}\}"  # {name}
    r"|\[\s*(?:insert[^\]]*|your name|(?:first|last|full|company|contact)[ _]?name|name|company|"
    r"title|role|job title|industry|city|pain point|benefit)\s*\]"  # [Company], [insert X]
    r"|\[[A-Z][A-Z _]{2,}\]"  # [FIRST NAME]
    r"|<\s*[A-Z][A-Z _]{2,}\s*>"  # <FIRST NAME>
    r"|%[A-Z_]{3,}%"  # %FIRST_NAME%
    r"|\$\{?[a-z]+_[a-z_]+\}?"  # $first_name, ${first_name}
    r"|\b(?:TODO|TBD|XXX+|INSERT)\b",
    re.IGNORECASE,
)
_FAKE_REPLY = re.compile(r"^\s*(?:re|fwd?|aw|wg|tr)\s*:", re.IGNORECASE)


@cache
def spam_triggers() -> dict[str, str]:
    """Folded phrase → the phrase as listed in write/data/spam_triggers.txt."""
    lines = (DATA_DIR / "spam_triggers.txt").read_text(encoding="utf-8").splitlines()
    return {fold(line): line.strip() for line in lines if line.strip() and not line.startswith("#")}


def approvable(findings: Sequence[Finding]) -> bool:
    return not any(f.blocking for f in findings)


def check_drafts(drafts: Sequence[Draft], lead: LeadProfile, strategy: StrategyProfile) -> list[list[Finding]]:
    """Findings for each draft of one lead, including the checks across steps (repeats, threading)."""
    index = build_index(lead, strategy)
    ordered = sorted(drafts, key=lambda d: d.position)
    results = {}
    for i, draft in enumerate(ordered):
        results[id(draft)] = check_draft(draft, lead, strategy, earlier=ordered[:i], index=index)
    return [results[id(d)] for d in drafts]


def check_draft(draft: Draft, lead: LeadProfile, strategy: StrategyProfile, *,
                earlier: Sequence[Draft] | None = None, index: FactIndex | None = None) -> list[Finding]:
    """All findings for one message. `earlier`: the lead's drafts for earlier steps, when known."""
    index = index or build_index(lead, strategy)
    text = f"{draft.subject or ''}\n{draft.body}"
    findings = _content(draft, strategy)
    if not draft.body.strip():
        return findings
    findings += _limits(draft, strategy)
    findings += _placeholders(text)
    findings += _wording(text, strategy)
    if earlier is not None:
        findings += _across_steps(draft, earlier)
    language = strategy.language if strategy.language in SUPPORTED_LANGUAGES else "en"
    findings += check_facts(text, language, index)
    findings += check_claims(text, lead, strategy, index)
    return findings


def _content(draft: Draft, strategy: StrategyProfile) -> list[Finding]:
    findings = []
    if not draft.body.strip():
        findings.append(Finding("empty", "blocking", "The message is empty.", "Write or regenerate it."))
    seen: set[str] = set()
    for sentence in sentences(draft.body):
        key = fold(sentence)
        if len(key.split()) >= 4 and key in seen:
            findings.append(Finding("repeated_sentence", "blocking", f'Says the same sentence twice: "{sentence}"',
                                    "Remove the repetition."))
        seen.add(key)
    if draft.generator == COMPOSER_NAME and strategy.language not in (*SUPPORTED_LANGUAGES, "auto"):
        findings.append(Finding("language_fallback", "warning",
                                f"Written in English: the offline composer has no {strategy.language!r} phrases.",
                                "Use the LLM writer for this language, or edit the copy."))
    return findings


def _limits(draft: Draft, strategy: StrategyProfile) -> list[Finding]:
    findings = []
    body = draft.body
    if draft.channel is Channel.LINKEDIN_INVITE and len(body) > strategy.linkedin_note_limit:
        findings.append(Finding("note_too_long", "blocking",
                                f"The invite note has {len(body)} characters; the limit is "
                                f"{strategy.linkedin_note_limit}.", "Shorten the note."))
    if draft.channel is Channel.LINKEDIN_MESSAGE:
        if len(body) > LINKEDIN_MESSAGE_LIMIT:
            findings.append(Finding("message_too_long", "blocking",
                                    f"LinkedIn messages are limited to {LINKEDIN_MESSAGE_LIMIT} characters.",
                                    "Shorten the message."))
        elif len(body) > LINKEDIN_MESSAGE_SOFT_LIMIT:
            findings.append(Finding("message_long", "warning", f"{len(body)} characters is long for a chat message.",
                                    "Keep LinkedIn messages short."))
    if draft.channel.is_linkedin and draft.subject:
        findings.append(Finding("subject_ignored", "warning", "LinkedIn messages have no subject; it is not sent.",
                                "Remove the subject."))
    if draft.channel is Channel.EMAIL:
        findings += _email_limits(draft, strategy)
    return findings


def _email_limits(draft: Draft, strategy: StrategyProfile) -> list[Finding]:
    findings = []
    subject = draft.subject or ""
    if len(subject) > min(strategy.max_subject_chars, SUBJECT_HARD_LIMIT):
        findings.append(Finding("subject_too_long", "blocking",
                                f"The subject has {len(subject)} characters; the limit is "
                                f"{strategy.max_subject_chars}.", "Shorten the subject."))
    if subject and _FAKE_REPLY.match(subject):
        findings.append(Finding("fake_reply_subject", "blocking",
                                "The subject pretends to be a reply or forward (deceptive under CAN-SPAM).",
                                "Remove the Re:/Fwd: prefix; follow-ups thread automatically."))
    letters = [c for c in subject if c.isalpha()]
    if len(letters) >= 8 and all(c.isupper() for c in letters):
        findings.append(Finding("shouting_subject", "blocking", "The subject is in capitals.",
                                "Write it in normal case."))
    body = draft.body
    for own in (strategy.signature, strategy.opt_out_sentence):
        if own.strip():
            body = body.replace(own.strip(), " ")
    count = len(body.split())
    if count > strategy.max_email_words:
        findings.append(Finding("body_too_long", "blocking",
                                f"The email has {count} words; the strategy allows {strategy.max_email_words}.",
                                "Shorten it."))
    elif count < 8:
        findings.append(Finding("body_too_short", "warning", f"The email has only {count} words.",
                                "Check that it says what it should."))
    return findings


def _placeholders(text: str) -> list[Finding]:
    found = list(dict.fromkeys(m.group(0) for m in _PLACEHOLDERS.finditer(text)))
    return [Finding("placeholder", "blocking", f"Unresolved placeholder {token!r}.",
                    "Replace it with the real value or remove it.") for token in found]


def _wording(text: str, strategy: StrategyProfile) -> list[Finding]:
    findings = []
    folded = f" {fold(text)} "
    for phrase in strategy.banned_phrases:
        if phrase.strip() and f" {fold(phrase)} " in folded:
            findings.append(Finding("banned_phrase", "blocking", f'Uses the banned phrase "{phrase}".',
                                    "Reword it (the strategy profile bans it)."))
    for phrase, shown in spam_triggers().items():
        if f" {phrase} " in folded:
            findings.append(Finding("spam_wording", "blocking", f'Uses spam-trigger wording "{shown}".',
                                    "Reword it: spam filters and readers distrust it."))
    injected = find_injection(text)
    if injected:
        findings.append(Finding("injection_echo", "blocking",
                                f'Repeats instruction-like text "{injected}" (a prompt injection in the lead\'s '
                                "data reached the message).", "Regenerate or rewrite the message."))
    return findings


def _across_steps(draft: Draft, earlier: Sequence[Draft]) -> list[Finding]:
    findings = []
    if (draft.channel is Channel.EMAIL and draft.subject is None
            and not any(d.channel is Channel.EMAIL for d in earlier)):
        findings.append(Finding("subject_missing", "blocking",
                                "The first email of the sequence has no subject.", "Add a subject."))
    body = fold(draft.body)
    for other in earlier:
        if body and fold(other.body) == body:
            findings.append(Finding("duplicate_step", "blocking",
                                    f"Same text as step {other.position}.", "Rewrite one of the two steps."))
            break
    return findings
