"""Response bodies of the analytics endpoints."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DayOut(BaseModel):
    day: str = Field(description="ISO date (UTC)")
    sent: int
    replied: int
    bounced: int
    invites_sent: int
    invites_accepted: int
    positive_replies: int
    opted_out: int


class StatsOut(BaseModel):
    emails_sent: int
    invites_sent: int
    linkedin_messages_sent: int
    bounced: int = Field(description="Leads with a bounce")
    replied: int = Field(description="Enrollments with a human reply")
    positive_replies: int = Field(description="Leads whose reply was labelled interested or meeting request")
    opted_out: int
    invites_accepted: int
    failed: int
    enrollments: dict[str, int] = Field(description="Enrollments by state")
    daily: list[DayOut]


class PipelineOut(BaseModel):
    total: int
    by_stage: dict[str, int]
    stopped: dict[str, int] = Field(description="Leads stopped off the path, by reason")
