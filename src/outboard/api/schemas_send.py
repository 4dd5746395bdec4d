"""Request and response bodies of the send stage's endpoints: runs, sequences, steps, readiness, launch,
source groups, sender accounts and manual LinkedIn tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from outboard.api.params import MAX_ID
from outboard.api.schemas import RunOut
from outboard.send.queries import EnrolledLead

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Clock = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="Local time, such as 09:00")]
Channel = Literal["email", "linkedin_invite", "linkedin_message"]
Lifecycle = Literal["draft", "active", "paused", "completed"]


class SequenceSummaryOut(BaseModel):
    id: int
    run_id: int
    name: str
    state: Lifecycle
    enrolled: int


class RunDetailOut(RunOut):
    sequences: list[SequenceSummaryOut]


class ReplacePlayIn(BaseModel):
    play_id: str = Field(min_length=1, max_length=100, description="A play id from /api/plays")


class StepIn(BaseModel):
    channel: Channel
    delay_days: int = Field(ge=0, le=365, description="Days after the previous step (business days of the "
                                                      "sending schedule)")
    condition: Literal["always", "no_reply"] = "no_reply"
    intent: str = Field("intro", max_length=20, description="What the step is for: connect, intro, thanks, value, "
                                                           "bump, breakup, invite, reminder, congrats, reengage, "
                                                           "expand")
    purpose: str = Field("", max_length=300)


class ScheduleIn(BaseModel):
    days: list[Annotated[int, Field(ge=0, le=6)]] = Field([0, 1, 2, 3, 4], min_length=1, max_length=7,
                                                          description="Weekdays to send on, Monday = 0")
    start: Clock = "09:00"
    end: Clock = "17:00"
    holidays: list[Annotated[str, Field(max_length=10)]] = Field(
        [], max_length=10, description="Holiday regions: DE, US, DE-BY, US-NY")
    extra_holidays: list[Annotated[str, Field(max_length=10)]] = Field(
        [], max_length=100, description="Company days off, no sends on them: ISO dates such as 2026-12-24")


class SequenceIn(BaseModel):
    run_id: Id
    name: str = Field(min_length=1, max_length=200)
    strategy_profile_id: Id
    source_group_ids: list[Id] = Field(min_length=1, max_length=100)
    sender_account_ids: list[Id] = Field([], max_length=100)
    steps: list[StepIn] | None = Field(None, min_length=1, max_length=20,
                                       description="Default: the steps of the run's play")
    schedule: ScheduleIn | None = None
    stop_on_reply: bool | None = Field(None, description="Default: as the run's play says")
    stop_colleagues_on_reply: bool = Field(False, description="A reply also stops the sequence for the lead's "
                                                              "colleagues (leads of the same company)")
    allow_risky_emails: bool = Field(False, description="Email steps also go to catch_all addresses (default: "
                                                        "only valid ones)")


class StepOut(BaseModel):
    position: int
    channel: str
    delay_days: int
    day: int = Field(description="Days after enrollment (cumulative delay): Day 0, 3, 5, 7")
    condition: str
    intent: str
    purpose: str
    waiting: int = Field(description="Leads whose next step is this one")
    sent: int
    sends: dict[str, int] = Field(description="Messages of this step by send state")


class SequenceOut(BaseModel):
    id: int
    run_id: int
    name: str
    state: Lifecycle
    strategy_profile_id: int
    strategy: str
    stop_on_reply: bool
    stop_colleagues_on_reply: bool
    allow_risky_emails: bool
    schedule: dict[str, Any]
    source_groups: list[str]
    sender_account_ids: list[int]
    enrolled: int
    enrollments: dict[str, int] = Field(description="Enrollments by state")
    stop_reasons: dict[str, int]
    steps: list[StepOut]
    created_at: datetime
    launched_at: datetime | None


class SequenceCreatedOut(SequenceOut):
    newly_enrolled: int = Field(description="Leads of the source groups enrolled by this request")


class StepsIn(BaseModel):
    steps: list[StepIn] = Field(min_length=1, max_length=20)


class SendersIn(BaseModel):
    sender_account_ids: list[Id] = Field(max_length=100)


class EnrolledOut(BaseModel):
    newly_enrolled: int


class FindingOut(BaseModel):
    code: str
    severity: Literal["blocking", "warning", "info"]
    message: str
    fix: str
    overridable: bool = Field(description="May be named in `overrides` at launch")


class ReadinessOut(BaseModel):
    ready: bool = Field(description="No blocking finding is left")
    findings: list[FindingOut]


class LaunchIn(BaseModel):
    overrides: list[Annotated[str, Field(max_length=40)]] = Field(
        [], max_length=10, description="Codes of overridable findings to launch despite")
    dns_check: bool = Field(False, description="Also check the sender domains' SPF, DKIM and DMARC records")


class LaunchOut(BaseModel):
    sequence_id: int
    enrolled: int
    findings: list[FindingOut]


class LaunchRefusedOut(BaseModel):
    detail: str
    findings: list[FindingOut] = Field(description="The blocking findings to fix (or override)")


class EnrolledPageOut(BaseModel):
    items: list[EnrolledLead]  # the service's own rows, serialised as they are
    next_cursor: int | None


class SourceGroupOut(BaseModel):
    id: int
    name: str
    kind: str
    leads: int
    enriched: int = Field(description="Leads past Discovered")
    eligible: bool = Field(description="May feed a sequence (some of its leads are enriched)")


class TaskOut(BaseModel):
    id: int
    kind: str
    state: str
    profile_url: str
    text: str
    lead_id: int | None
    lead: str | None
    sequence_id: int | None
    sequence: str | None
    step: int | None
    created_at: datetime
    completed_at: datetime | None


class TaskActionIn(BaseModel):
    action: Literal["done", "accepted", "replied"] = Field(
        description="done: you sent it; accepted: the invite was accepted; replied: the person answered")


class AccountOut(BaseModel):
    id: int
    kind: Literal["email", "linkedin"]
    name: str
    address: str = Field(description="The from address, or the LinkedIn profile id")
    status: str
    status_reason: str | None
    timezone: str
    connection: dict[str, Any] = Field(description="Hosts, ports, provider: never a password or key")
    secrets: list[str] = Field(description="Names of the secrets stored sealed (their values are never shown)")
    limits: dict[str, Any]
    created_at: datetime
    first_send_at: datetime | None
    last_send_at: datetime | None


Limits = dict[Annotated[str, Field(max_length=40)], Annotated[int, Field(ge=0, le=10_000_000)] | bool]
Text = Annotated[str, Field(max_length=300)]


class EmailAccountIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    address: str = Field(min_length=3, max_length=320)
    from_name: str = Field(min_length=1, max_length=200)
    smtp_host: str = Field(min_length=1, max_length=253)
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: Text | None = None
    smtp_password: Text | None = Field(None, description="Stored sealed; never shown again")
    imap_host: Annotated[str, Field(max_length=253)] | None = None
    imap_port: int = Field(993, ge=1, le=65535)
    imap_security: Literal["starttls", "tls", "none"] = "tls"
    imap_username: Text | None = None
    imap_password: Text | None = Field(None, description="Stored sealed; never shown again")
    timezone: str = Field("UTC", max_length=64)
    limits: Limits | None = Field(None, description="daily_cap, ramp_up, ramp_start, ramp_per_day, "
                                                    "min_gap_seconds, gap_jitter_seconds")


class LinkedInAccountIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    profile_id: str = Field(min_length=1, max_length=200, description="The public id in linkedin.com/in/<id>")
    provider: Literal["manual", "api"] = "manual"
    api_base_url: Text | None = None
    api_key: Text | None = Field(None, description="Stored sealed; never shown again")
    account_ref: Text | None = None
    timezone: str = Field("UTC", max_length=64)
    limits: Limits | None = Field(None, description="daily_invites, weekly_invites, daily_messages, "
                                                    "pending_invites, min_gap_seconds, gap_jitter_seconds, "
                                                    "invite_withdraw_days, note_limit")


class AccountLimitsIn(BaseModel):
    limits: Limits = Field({}, description="Only the limits to change, checked as when the account was added. "
                                           "Email: daily_cap, ramp_up, ramp_start, ramp_per_day, min_gap_seconds, "
                                           "gap_jitter_seconds. LinkedIn: daily_invites, weekly_invites, "
                                           "daily_messages, pending_invites, min_gap_seconds, gap_jitter_seconds, "
                                           "invite_withdraw_days, note_limit")
    timezone: str | None = Field(None, max_length=64, description="An IANA name such as Europe/Berlin")


class AccountDkimIn(BaseModel):
    selector: str = Field(min_length=1, max_length=63, description="The DKIM selector, such as s1 or mail2026")
    private_key_pem: str = Field(min_length=1, max_length=20_000,
                                 description="The RSA private key, PEM, unencrypted (stored sealed, never returned)")
    domain: str | None = Field(None, max_length=253,
                               description="Signing domain (default: the domain of the account's from address)")


class PauseIn(BaseModel):
    reason: str = Field("paused by an admin", min_length=1, max_length=300)


class ConnectionTestOut(BaseModel):
    ok: bool
    detail: str


class DnsCheckOut(BaseModel):
    domain: str
    spf: bool
    dkim: bool
    dmarc: bool
    missing: list[str]
