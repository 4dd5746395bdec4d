"""The "enrich_profiles" and "enrich_emails" background jobs, and starting them (the CLI and the web app
both do it this way).

Restartable: running a job again after a crash continues where it stopped. Leads whose outcome is current
are skipped, provider answers come from the cache, and every charge carries a ledger ref, so nothing is
asked or charged twice (see profile_service and email_service).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from outboard.core.errors import ValidationError
from outboard.enrich.email_service import enrich_emails
from outboard.enrich.profile_service import enrich_profiles
from outboard.enrich.queries import checked_lead_ids, find_group, group_lead_ids, workspace_play
from outboard.jobs.progress import Progress
from outboard.jobs.registry import job_kind
from outboard.jobs.runner import submit
from outboard.runtime import Runtime, runtime

PROFILES = "enrich_profiles"
EMAILS = "enrich_emails"


def _lead_ids(rt: Runtime, workspace_id: int, group_id: int | None, lead_ids: list[int] | None) -> list[int]:
    """The group's members as they are now (a group may have grown since the job was queued)."""
    with rt.db.sessions() as session:
        if group_id is not None:
            find_group(session, workspace_id, group_id)  # NotFound when it was deleted meanwhile
            return group_lead_ids(session, group_id)
        return checked_lead_ids(session, workspace_id, lead_ids or [])


@job_kind(PROFILES)
def enrich_profiles_job(progress: Progress, *, workspace_id: int, group_id: int | None = None,
                        lead_ids: list[int] | None = None, play_id: str | None = None, force: bool = False,
                        **_: Any) -> dict[str, Any]:
    rt = runtime()
    ids = _lead_ids(rt, workspace_id, group_id, lead_ids)
    report = enrich_profiles(rt, workspace_id, ids, play_id=play_id, force=force, progress=progress.update)
    return report.as_dict()


@job_kind(EMAILS)
def enrich_emails_job(progress: Progress, *, workspace_id: int, group_id: int | None = None,
                      lead_ids: list[int] | None = None, force: bool = False, **_: Any) -> dict[str, Any]:
    rt = runtime()
    ids = _lead_ids(rt, workspace_id, group_id, lead_ids)
    return enrich_emails(rt, workspace_id, ids, force=force, progress=progress.update).as_dict()


def enrichment_params(rt: Runtime, workspace_id: int, *, group: str | int | None = None,
                      lead_ids: Iterable[int] = (), play_id: str | None = None,
                      force: bool = False) -> dict[str, Any]:
    """Check what can be checked before queueing (the group, the leads and the play exist), so a mistake
    is one clear error now, not a failed job later. `group`: a source group's name or id."""
    ids = list(lead_ids)
    if (group is None) == (not ids):
        raise ValidationError("leads", "name either a source group (--group) or leads (--lead), not both")
    params: dict[str, Any] = {"group_id": None, "lead_ids": [], "force": force}
    with rt.db.sessions() as session:
        if group is not None:
            params["group_id"] = find_group(session, workspace_id, group).id
        else:
            params["lead_ids"] = checked_lead_ids(session, workspace_id, ids)
        if play_id:
            params["play_id"] = workspace_play(session, workspace_id, play_id).id
    return params


def start_profile_enrichment(rt: Runtime, workspace_id: int, **options: Any) -> int:
    """Queue a profile enrichment job; returns its id (progress on the job row). Options as enrichment_params."""
    return submit(rt, workspace_id, PROFILES, enrichment_params(rt, workspace_id, **options))


def start_email_enrichment(rt: Runtime, workspace_id: int, **options: Any) -> int:
    options.pop("play_id", None)  # emails do not depend on a play
    return submit(rt, workspace_id, EMAILS, enrichment_params(rt, workspace_id, **options))
