"""The offline composer: writes every step for a lead from phrasebooks, the lead's best hooks and the
strategy profile. No network, no clock, no randomness beyond a seed from the lead and the step, so the
same lead always gets the same copy and different leads get different copy.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence
from dataclasses import dataclass

from outboard.core.profile import LeadProfile
from outboard.core.sequence import Channel
from outboard.core.writing import Draft, Finding, Hook, StepBrief, StrategyProfile
from outboard.write.phrases import SUPPORTED_LANGUAGES, TONES, Phrasebook, phrasebook
from outboard.write.render import (
    HookView,
    cta_sentence,
    hook_view,
    lead_key,
    lead_values,
    offer_sentence,
    proof_sentence,
    signature,
)
from outboard.write.text import seed
from outboard.write.writer import WriteRequest, WriteResult

COMPOSER_NAME = "composer"
COMPOSER_VERSION = "composer-1"
FOLLOW_UP_INTENTS = ("bump", "value", "breakup", "reminder")
_INTENTS = ("connect", "intro", "thanks", "value", "bump", "breakup", "invite", "reminder", "congrats",
            "reengage", "expand")
# A step whose purpose names a kind of hook ("congratulate them on the new role") leads with that hook.
_PURPOSE_HOOKS = (("new role", "new_role"), ("funding", "funding"), ("round", "funding"), ("post", "recent_post"),
                  ("hiring", "hiring"))
_DEFAULT_OPT_OUT = next(f.default for f in dataclasses.fields(StrategyProfile) if f.name == "opt_out_sentence")


@dataclass(frozen=True)
class Composition:
    drafts: list[Draft]
    findings: list[Finding]  # about the whole request: language or tone fallbacks


def step_intent(brief: StepBrief, is_last: bool) -> str:
    """The step's intent: the `intent:` prefix plays put in the purpose, else inferred from the step."""
    head = brief.purpose.split(":", 1)[0].strip().lower()
    if head in _INTENTS:
        return head
    if brief.channel is Channel.LINKEDIN_INVITE:
        return "connect"
    if brief.is_follow_up:
        return "breakup" if is_last else "bump"
    return "intro"


class Composer:
    """Implements the Writer protocol offline. `write` is fast enough for thousands of messages a second."""

    name = COMPOSER_NAME

    def write(self, lead: LeadProfile, strategy: StrategyProfile, steps: Sequence[StepBrief],
              hooks: Sequence[Hook] = ()) -> list[Draft]:
        return self.compose(lead, strategy, steps, hooks).drafts

    async def write_batch(self, requests: Sequence[WriteRequest]) -> list[WriteResult]:
        return [WriteResult(r.key, tuple(self.write(r.lead, r.strategy, r.steps, r.hooks)),
                            usage={"calls": 0}) for r in requests]

    def compose(self, lead: LeadProfile, strategy: StrategyProfile, steps: Sequence[StepBrief],
                hooks: Sequence[Hook] = ()) -> Composition:
        findings: list[Finding] = []
        language = strategy.language.strip().lower() or "en"
        if language == "auto":
            language = (lead.language or "en").strip().lower()
        if language not in SUPPORTED_LANGUAGES:
            findings.append(Finding("language_fallback", "warning",
                                    f"The offline composer has no phrases for language {language!r}; "
                                    "it wrote in English.",
                                    f"Use one of {', '.join(SUPPORTED_LANGUAGES)} or the LLM writer."))
            language = "en"
        tone = strategy.tone if strategy.tone in TONES else "friendly"
        if tone != strategy.tone:
            findings.append(Finding("tone_fallback", "warning", f"Unknown tone {strategy.tone!r}; used friendly.",
                                    f"Use one of {', '.join(TONES)}."))
        book = phrasebook(language)
        views = [v for h in hooks if (v := hook_view(h, lead, strategy, book)) is not None]
        writer = _StepWriter(lead, strategy, book, tone, views)
        drafts = [writer.draft(brief, list(steps[:i]), i == len(steps) - 1) for i, brief in enumerate(steps)]
        return Composition(drafts, findings)


class _StepWriter:
    def __init__(self, lead: LeadProfile, strategy: StrategyProfile, book: Phrasebook, tone: str,
                 views: list[HookView]):
        self.lead, self.strategy, self.book, self.tone = lead, strategy, book, tone
        self.values = lead_values(lead, strategy)
        self.key = lead_key(lead)
        self.views = views
        self.primary = views[0] if views else None
        self.secondary = views[1] if len(views) > 1 else None

    def focus(self, purpose: str) -> None:
        """Pick this step's primary and secondary hooks: the best ones, unless the purpose asks for a kind."""
        views = list(self.views)
        text = purpose.lower()
        for words, key in _PURPOSE_HOOKS:
            wanted = next((v for v in views if v.key == key), None)
            if words in text and wanted is not None:
                views.remove(wanted)
                views.insert(0, wanted)
                break
        self.primary = views[0] if views else None
        self.secondary = views[1] if len(views) > 1 else None

    def draft(self, brief: StepBrief, earlier: list[StepBrief], is_last: bool) -> Draft:
        rng = random.Random(seed(self.key, brief.position, brief.channel.value))
        self.focus(brief.purpose)
        intent = step_intent(brief, is_last)
        if brief.channel is Channel.LINKEDIN_INVITE:
            (body, used), subject = self.note(rng), None
        elif brief.channel is Channel.EMAIL:
            body, used, subject = self.email(brief, earlier, intent, rng)
        else:
            body, used = self.chat(brief, earlier, intent, rng)
            subject = None
        hooks = (used.hook,) if used else ()
        return Draft(brief.position, brief.channel, body, subject, hooks, COMPOSER_NAME, COMPOSER_VERSION)

    # -- pieces ------------------------------------------------------------------------------------

    def pick(self, section: str, key: str, rng: random.Random, **extra: str) -> str:
        return self.book.pick(section, key, {**self.values, **extra} if extra else self.values, rng) or ""

    def opener(self, view: HookView | None, rng: random.Random, *, known: bool = False,
               section: str = "opener") -> tuple[str, HookView | None]:
        """The opening sentence and the hook it used (None when it fell back to role or company)."""
        if view is not None:
            text = self.book.pick(section, view.key, {**self.values, **view.values}, rng)
            if text:
                return text, view
        return self.pick(section, "none_known" if known and section == "opener" else "none", rng), None

    def opt_out(self) -> str:
        text = self.strategy.opt_out_sentence.strip()
        if text == _DEFAULT_OPT_OUT and self.book.language != "en":
            return self.book.optout_default
        return text

    def close(self, rng: random.Random, *, full: bool) -> str:
        sign = self.pick("signoff", self.tone, rng)
        name = signature(self.strategy) if full else self.strategy.sender_name.strip()
        return "\n".join(p for p in (sign, name) if p)

    # -- LinkedIn invite note ------------------------------------------------------------------------

    def note(self, rng: random.Random) -> tuple[str, HookView | None]:
        limit = self.strategy.linkedin_note_limit
        greet = self.pick("note_greeting", self.tone, rng)
        connect = self.pick("note_connect", self.tone, rng)
        candidates = []
        if self.primary is not None:
            for quote_limit in (60, 35):
                view = hook_view(self.primary.hook, self.lead, self.strategy, self.book, quote_limit)
                candidates.append(self.opener(view, rng, section="note_opener"))
        candidates.append(self.opener(None, rng, section="note_opener"))
        for opener, used in candidates:
            text = _line(greet, opener, connect)
            if len(text) <= limit:
                return text, used
        for text in (_line(greet, connect), connect):
            if len(text) <= limit:
                return text, None
        return connect[:limit], None

    # -- email ---------------------------------------------------------------------------------------

    def email(self, brief: StepBrief, earlier: list[StepBrief], intent: str,
              rng: random.Random) -> tuple[str, HookView | None, str | None]:
        if brief.is_follow_up:
            body, used = self.follow_up(intent if intent in FOLLOW_UP_INTENTS else "value", rng, chat=False)
            return body, used, None  # None: reply in the same thread
        if intent in FOLLOW_UP_INTENTS and earlier:
            intent = "cross"
        body, used = self.first_email(intent, rng)
        return body, used, self.subject(intent, used, rng)

    def first_email(self, intent: str, rng: random.Random) -> tuple[str, HookView | None]:
        known = intent in ("invite", "reengage", "expand")
        view = self.primary
        pre = self.pick("intent_line", intent, rng) if intent in ("reengage", "expand") else ""
        if intent == "cross":
            pre = self.pick("follow_up", "cross_linkedin", rng)
        post = self.pick("intent_line", "invite", rng) if intent == "invite" else ""
        greet = self.pick("greeting", self.tone, rng)
        offer = offer_sentence(self.strategy, self.book, self.values, rng)
        proof = "" if intent == "invite" else proof_sentence(self.strategy, self.book, rng)
        cta = cta_sentence(self.strategy, self.book, self.tone, rng)
        tail = [self.close(rng, full=True), self.opt_out()]
        opener, used = self.opener(view, rng, known=known)
        bridge = self.pick("bridge", self.tone, rng) if used is not None and intent != "invite" else ""
        # Keep within the strategy's word budget: drop proof, then the bridge, then shorten the quote.
        for attempt in range(4):
            paragraphs = [greet, _line(pre, opener, post), _line(bridge, offer), proof, cta]
            if _words(paragraphs) <= self.strategy.max_email_words or attempt == 3:
                break
            if attempt == 0:
                proof = ""
            elif attempt == 1:
                bridge = ""
            elif used is not None:
                shorter = hook_view(used.hook, self.lead, self.strategy, self.book, 35)
                opener, used = self.opener(shorter, rng, known=known)
        return _body(paragraphs, tail), used

    def subject(self, intent: str, used: HookView | None, rng: random.Random) -> str:
        limit = self.strategy.max_subject_chars
        keys = [intent] if intent in ("invite", "reengage", "expand") else []
        if used is not None and used.key in ("recent_post", "new_role", "funding", "hiring"):
            keys.append(used.key)
        keys.append("generic")
        extra = used.values if used is not None else {}
        for key in keys:
            for _ in range(3):
                text = self.book.pick("subject", key, {**self.values, **extra}, rng)
                if text and len(text) <= limit:
                    return text
        return (self.book.pick("subject", "generic", {}, rng) or "")[:limit]

    # -- follow-ups (email and LinkedIn chat) ----------------------------------------------------------

    def follow_up(self, intent: str, rng: random.Random, *, chat: bool) -> tuple[str, HookView | None]:
        key = f"{intent}_chat" if chat and intent in ("bump", "reminder") else intent
        line = self.pick("follow_up", key, rng)
        greet = self.pick("greeting", self.tone, rng)
        cta = cta_sentence(self.strategy, self.book, self.tone, rng)
        used: HookView | None = None
        if intent == "bump":
            paragraphs = [greet, line, cta]
        elif intent == "breakup":
            closing = self.pick("follow_up", "breakup_close_linkedin" if chat else "breakup_close", rng)
            paragraphs = [greet, _line(line, closing)]
        elif intent == "reminder":
            paragraphs = [greet, line, offer_sentence(self.strategy, self.book, self.values, rng), cta]
        else:  # value: a second hook, else a proof point, else the offer again
            extra = ""
            if self.secondary is not None:
                extra, used = self.opener(self.secondary, rng)
                extra = extra if used is not None else ""
            extra = extra or proof_sentence(self.strategy, self.book, rng) or offer_sentence(
                self.strategy, self.book, self.values, rng)
            paragraphs = [greet, _line(line, extra), cta]
        if chat:
            return _body(paragraphs, [self.pick("linkedin_signoff", self.tone, rng)]), used
        return _body(paragraphs, [self.close(rng, full=False), self.opt_out()]), used

    # -- LinkedIn messages --------------------------------------------------------------------------

    def chat(self, brief: StepBrief, earlier: list[StepBrief], intent: str,
             rng: random.Random) -> tuple[str, HookView | None]:
        had_chat = any(s.channel is Channel.LINKEDIN_MESSAGE for s in earlier)
        had_invite = any(s.channel is Channel.LINKEDIN_INVITE for s in earlier)
        if intent == "thanks" or (had_invite and not had_chat and intent not in FOLLOW_UP_INTENTS):
            return self.thanks(rng)
        if intent in FOLLOW_UP_INTENTS and (had_chat or had_invite):
            return self.follow_up(intent, rng, chat=True)
        if intent in FOLLOW_UP_INTENTS and earlier:
            line = self.pick("follow_up", "cross_email", rng)
            cta = cta_sentence(self.strategy, self.book, self.tone, rng)
            signoff = self.pick("linkedin_signoff", self.tone, rng)
            return _body([self.pick("greeting", self.tone, rng), line, cta], [signoff]), None
        known = intent in ("invite", "reengage", "expand")
        pre = self.pick("intent_line", intent, rng) if intent in ("reengage", "expand", "invite") else ""
        opener, used = self.opener(self.primary, rng, known=known)
        paragraphs = [self.pick("greeting", self.tone, rng), _line(opener, pre),
                      offer_sentence(self.strategy, self.book, self.values, rng),
                      cta_sentence(self.strategy, self.book, self.tone, rng)]
        return _body(paragraphs, [self.pick("linkedin_signoff", self.tone, rng)]), used

    def thanks(self, rng: random.Random) -> tuple[str, HookView | None]:
        line = self.pick("thanks", "any", rng) or self.pick("thanks", "anonymous", rng)
        extra, used = self.opener(self.secondary, rng) if self.secondary is not None else ("", None)
        extra = extra if used is not None else ""
        paragraphs = [_line(line, extra), offer_sentence(self.strategy, self.book, self.values, rng),
                      cta_sentence(self.strategy, self.book, self.tone, rng)]
        return _body(paragraphs, [self.pick("linkedin_signoff", self.tone, rng)]), used


def _line(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _body(paragraphs: list[str], tail: list[str]) -> str:
    return "\n\n".join(p for p in [*paragraphs, *tail] if p)


def _words(paragraphs: list[str]) -> int:
    return sum(len(p.split()) for p in paragraphs)
