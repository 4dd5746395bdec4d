"""Request and response bodies of the Messaging Lab's endpoints and of strategy profiles."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from outboard.api.params import MAX_ID

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
ReviewState = Literal["draft", "edited", "approved", "rejected"]


class MessageOut(BaseModel):
    id: int
    sequence_id: int
    enrollment_id: int
    lead_id: int
    lead_name: str
    position: int = Field(description="The step's position in the sequence")
    channel: str
    subject: str | None
    body: str
    review_state: ReviewState
    send_state: str
    hooks: list[dict[str, Any]] = Field(description="Each hook with the fact path it came from")
    findings: list[dict[str, Any]] = Field(description="Guardrail findings: code, severity, message, fix")
    blocking: bool = Field(description="A blocking finding keeps it from being approved")
    generator: str
    prompt_version: str
    updated_at: datetime | None


class RevisionOut(BaseModel):
    id: int
    subject: str | None
    body: str
    review_state: str = Field(description="The state the message had before the change")
    user_id: int | None = Field(description="Who changed it; null when a writer regenerated it")
    created_at: datetime


class MessageDetailOut(MessageOut):
    facts: list[dict[str, Any]] = Field(description="Each hook with the lead's fact as stored now (`fact_now`, "
                                                    "null when it is gone) beside the text it used")
    revisions: list[RevisionOut]


class MessageEditIn(BaseModel):
    subject: Annotated[str, Field(max_length=300)] | None = Field(
        None, description="Leave out to keep it; null or empty removes it")
    body: Annotated[str, Field(min_length=1, max_length=20_000)] | None = Field(None, description="Leave out to "
                                                                                                  "keep it")


class RejectIn(BaseModel):
    reason: str = Field("", max_length=300)


class GenerateIn(BaseModel):
    sample: int | None = Field(None, ge=1, le=1000, description="Write only the first N enrolled leads (previews)")
    lead_ids: list[Id] = Field([], max_length=1000, description="Write only these enrolled leads")
    force: bool = Field(False, description="Also rewrite messages a person edited, approved or rejected")
    writer: Literal["composer", "llm", "auto"] | None = Field(None, description="Default: llm when an endpoint is "
                                                                                 "configured, else composer")


class JobStartedOut(BaseModel):
    job_id: int
    poll: str = Field(description="Where to follow its progress")


class BulkApproveIn(BaseModel):
    message_ids: list[Id] | None = Field(None, max_length=10_000,
                                         description="Only these; leave out for every message of the sequence")


class HeldOut(BaseModel):
    message_id: int
    reason: str


class BulkApprovalOut(BaseModel):
    approved: int
    already_approved: int
    held_back: int
    reasons: dict[str, int] = Field(description="Finding code (or `rejected`) → messages held back for it")
    held: list[HeldOut]


Phrases = list[Annotated[str, Field(max_length=300)]]


class StrategyIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    sender_name: str = Field(min_length=1, max_length=200)
    sender_title: str = Field("", max_length=200)
    sender_company: str = Field("", max_length=200)
    signature: str = Field("", max_length=2000)
    postal_address: str = Field("", max_length=500, description="For the email footer (CAN-SPAM)")
    offer: str = Field("", max_length=2000)
    proof: Phrases = Field([], max_length=20, description="Case studies and numbers the writer may cite")
    tone: Literal["friendly", "formal", "direct", "casual"] = "friendly"
    call_to_action: str = Field("", max_length=500)
    language: str = Field("en", min_length=2, max_length=10)
    banned_phrases: Phrases = Field([], max_length=100)
    max_email_words: int = Field(140, ge=1, le=2000)
    max_subject_chars: int = Field(60, ge=1, le=300)
    linkedin_note_limit: int = Field(300, ge=1, le=300, description="300, or 200 for free LinkedIn accounts")
    opt_out_sentence: str = Field("If this isn't relevant, reply 'no thanks' and I won't write again.",
                                  max_length=500)


class StrategyOut(BaseModel):
    """As stored (profiles saved by the CLI are not held to the API's input limits)."""

    id: int
    name: str
    sender_name: str
    sender_title: str
    sender_company: str
    signature: str
    postal_address: str
    offer: str
    proof: list[str]
    tone: str
    call_to_action: str
    language: str
    banned_phrases: list[str]
    max_email_words: int
    max_subject_chars: int
    linkedin_note_limit: int
    opt_out_sentence: str
    created_at: datetime
    sequences: int = Field(description="Sequences that use it")
