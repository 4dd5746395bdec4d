"""Request and response bodies of the REST API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    role: Literal["admin", "member"]


class WorkspaceOut(BaseModel):
    id: int
    name: str
    slug: str


class MeOut(BaseModel):
    user: UserOut
    workspace: WorkspaceOut


class PlayStepOut(BaseModel):
    position: int
    channel: str
    delay_days: int
    day: int = Field(description="Days after enrollment (cumulative delay)")
    condition: str
    intent: str
    purpose: str


class PlayOut(BaseModel):
    id: str
    name: str
    goal: str
    category: str
    relationship: str
    channel_mix: str
    description: str
    channels: list[str]
    stop_on_reply: bool
    tags: list[str]
    required_fields: list[str]
    readiness_checks: list[str]
    origin: Literal["library", "workspace"]
    steps: list[PlayStepOut]


class LeadOut(BaseModel):
    id: int
    full_name: str
    title: str | None
    company: str | None
    email: str | None
    linkedin_id: str | None = None
    email_verdict: str | None
    stage: str
    stop_reason: str | None
    created_at: datetime


class LeadPageOut(BaseModel):
    items: list[LeadOut]
    next_cursor: int | None = Field(description="Pass as `after` for the next page; null on the last page")
    prev_cursor: int | None = Field(description="Pass as `before` for the previous page")


class CompanyOut(BaseModel):
    id: int
    name: str
    domain: str | None
    size: int | None
    industry: str | None


class ProvenanceOut(BaseModel):
    field: str
    value: str
    source: str
    observed_at: datetime
    is_current: bool
    conflict: bool


class EventOut(BaseModel):
    id: int
    kind: str
    subject: str | None
    data: dict[str, Any]
    occurred_at: datetime


class EnrollmentOut(BaseModel):
    id: int
    sequence_id: int
    sequence: str
    state: str
    next_position: int
    next_due_at: datetime | None
    stop_reason: str | None


class LeadDetailOut(LeadOut):
    first_name: str
    last_name: str
    headline: str | None
    seniority: str | None
    function: str | None
    linkedin_id: str | None
    phone: str | None
    city: str | None
    region: str | None
    country: str | None
    timezone: str | None
    profile: dict[str, Any]
    company_detail: CompanyOut | None
    source_groups: list[str]
    provenance: list[ProvenanceOut]
    enrollments: list[EnrollmentOut]
    events: list[EventOut]


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="What will use the token, e.g. 'CRM sync'")


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The first characters of the token, to recognise it")
    user_id: int
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The token itself. Shown only now: store it safely")


class UsageLineOut(BaseModel):
    kind: str
    credits: int
    quantity: int
    entries: int


class UsageOut(BaseModel):
    used: int
    budget: int | None = Field(description="Credit budget; null means no budget")
    remaining: int | None
    spent: bool = Field(description="True when provider-backed work is paused for lack of credits")
    by_kind: list[UsageLineOut]


class BudgetIn(BaseModel):
    budget: int | None = Field(ge=0, le=1_000_000_000, description="Credits; null removes the budget")


class JobOut(BaseModel):
    id: int
    kind: str
    state: Literal["queued", "running", "succeeded", "failed", "cancelled"]
    done: int
    total: int | None
    percent: int | None
    message: str
    error: str | None
    result: dict[str, Any]
    final: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class SuppressionIn(BaseModel):
    value: str = Field(min_length=1, max_length=320, description="An email address or a domain (example.com)")
    kind: Literal["email", "domain"] | None = Field(None, description="Guessed from the value when omitted")
    note: str = Field("", max_length=300)


class PrimaryDomainIn(BaseModel):
    primary_domain: str | None = Field(max_length=300, description="Such as acme.com; null or empty clears it")


class ComplianceOut(BaseModel):
    primary_domain: str | None = Field(description="Readiness warns when a sequence sends from a mailbox on it")
    postal_address: str
    opt_out_sentence: str
    footer_saved: bool = Field(description="Both parts of the email footer are set")


class SuppressionOut(BaseModel):
    id: int
    kind: str
    reason: str
    note: str
    created_at: datetime


class RunIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    play_id: str = Field(min_length=1, max_length=100, description="A play id from /api/plays")


class RunOut(BaseModel):
    id: int
    name: str
    play_id: str
    state: Literal["draft", "active", "paused", "completed"]
    created_at: datetime
    activated_at: datetime | None
    completed_at: datetime | None
