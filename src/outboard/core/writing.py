"""The data the writers exchange: strategy profiles, hooks, drafts and guardrail findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from outboard.core.sequence import Channel


@dataclass(frozen=True)
class StrategyProfile:
    name: str
    sender_name: str
    sender_title: str = ""
    sender_company: str = ""
    signature: str = ""
    postal_address: str = ""
    offer: str = ""
    proof: tuple[str, ...] = ()  # case studies and numbers the writer may cite
    tone: str = "friendly"  # friendly | formal | direct | casual
    call_to_action: str = ""
    language: str = "en"
    banned_phrases: tuple[str, ...] = ()
    max_email_words: int = 140
    max_subject_chars: int = 60
    linkedin_note_limit: int = 300  # 200 for free LinkedIn accounts
    opt_out_sentence: str = "If this isn't relevant, reply 'no thanks' and I won't write again."


@dataclass(frozen=True)
class Hook:
    """A reason to write to this person, pointing to the exact fact it came from."""

    kind: str  # recent_post | new_role | funding | hiring | milestone | shared_background | signal | ...
    summary: str  # what the hook says, in a few words
    fact_path: str  # LeadProfile.fact(fact_path) returns the source fact
    fact_text: str  # the fact quoted as stored
    score: float
    fact_date: date | None = None


@dataclass(frozen=True)
class StepBrief:
    """What one step of the sequence is for, handed to a writer."""

    position: int
    channel: Channel
    purpose: str = ""
    is_follow_up: bool = False


@dataclass(frozen=True)
class Draft:
    position: int
    channel: Channel
    body: str
    subject: str | None = None
    hooks: tuple[Hook, ...] = ()
    generator: str = ""
    prompt_version: str = ""
    usage: dict[str, int] = field(default_factory=dict)  # tokens for LLM writers


@dataclass(frozen=True)
class Finding:
    """A guardrail or readiness finding: what is wrong, how bad, and how to fix it."""

    code: str
    severity: str  # blocking | warning | info
    message: str
    fix: str = ""

    @property
    def blocking(self) -> bool:
        return self.severity == "blocking"
