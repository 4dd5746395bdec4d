"""The enrichment jobs, configured the way a user configures them (environment + central settings), run by
the job runner (Huey in immediate mode): progress, a restart after a crash, the budget pausing a job."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from outboard.core.stages import LeadStage
from outboard.db.models import Job, UsageEntry
from outboard.devservers.enrichment_api import EnrichmentApiServer
from outboard.jobs.progress import read_job
from outboard.jobs.runner import submit
from outboard.runtime import Runtime
from outboard.settings import Settings

from .enrich_setup import KEY, CrashingProvider, MailWorld, add_lead, lead_row, person, set_budget, unique_id, usage

pytest_plugins = ["tests.enrich.enrich_fixtures"]  # its fixtures: apis, mail

Apis = tuple[EnrichmentApiServer, EnrichmentApiServer]


@pytest.fixture
def settings(settings: Settings, mail_servers: MailWorld) -> Settings:
    """The central verifier settings pointed at the loopback DNS and MX servers."""
    return settings.model_copy(update={
        "verify_dns_server": f"127.0.0.1:{mail_servers.dns.port}", "verify_smtp_port": mail_servers.mx.port,
        "verify_helo": "verifier.test", "verify_mail_from": "check@verifier.test", "verify_timeout": 0.5})


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, apis: Apis, mail: MailWorld) -> Apis:
    alpha, beta = apis
    monkeypatch.setenv("OUTBOARD_ENRICH_PROFILE_API_URL", alpha.base_url)
    monkeypatch.setenv("OUTBOARD_ENRICH_PROFILE_API_KEY", KEY)
    monkeypatch.setenv("OUTBOARD_ENRICH_FINDER_API_URL", beta.base_url)
    monkeypatch.setenv("OUTBOARD_ENRICH_FINDER_API_KEY", KEY)
    monkeypatch.setenv("OUTBOARD_VERIFY_ALLOW_TEST_DOMAINS", "1")
    monkeypatch.setenv("OUTBOARD_VERIFY_RETRY_DELAYS", "0.05,0.05")
    monkeypatch.setenv("OUTBOARD_VERIFY_ADDRESS_TIMEOUT", "4")
    return apis


def _group(rt: Runtime, ws: int, alpha: EnrichmentApiServer, n: int, group: str) -> list[int]:
    domain = "team0.test"
    uid = unique_id()
    ids = []
    for first, last in [("Ann", "Lee"), ("Bo", "Kim"), ("Cy", "Ng"), ("Di", "Wu"), ("Ed", "Yu")][:n]:
        alpha.add_person(person(first, last, domain=domain, company="Team Zero", title="Head of Data",
                                linkedin=f"{first}-{uid}".lower()))
        ids.append(add_lead(rt.db, ws, f"{first} {last}", company="Team Zero", domain=domain, group=group,
                            linkedin_id=f"{first}-{uid}".lower()))
    return ids


def test_profile_and_email_jobs_over_a_group(rt: Runtime, workspace_id: int, env: Apis) -> None:
    alpha, _ = env
    ids = _group(rt, workspace_id, alpha, 3, "Data leaders")
    from outboard.enrich.tasks import start_email_enrichment, start_profile_enrichment

    profile_job = read_job(rt.db, start_profile_enrichment(rt, workspace_id, group="Data leaders",
                                                           play_id="cold-linkedin-first"))
    assert profile_job.state == "succeeded", profile_job.error
    assert (profile_job.done, profile_job.total) == (3, 3)
    # The local index comes first in the waterfall; it does not know these people, the HTTP API does.
    assert profile_job.result["complete"] == 3 and profile_job.result["providers"][-1] == "http_profile"
    email_job = read_job(rt.db, start_email_enrichment(rt, workspace_id, group="Data leaders"))
    assert email_job.state == "succeeded", email_job.error
    assert email_job.result["found"] == 3 and email_job.result["finders"] == ["pattern", "http_finder"]
    assert all(lead_row(rt.db, i).stage == LeadStage.EMAIL_ENRICHED.value for i in ids)


def test_a_job_restarted_after_a_crash_neither_redoes_nor_recharges(rt: Runtime, workspace_id: int, env: Apis,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    alpha, _ = env
    ids = _group(rt, workspace_id, alpha, 5, "Crash group")
    monkeypatch.setenv("OUTBOARD_ENRICH_PROVIDERS", "crashy")
    monkeypatch.setenv("OUTBOARD_ENRICH_BATCH_SIZE", "2")
    monkeypatch.setenv("OUTBOARD_ENRICH_CONCURRENCY", "1")
    monkeypatch.setenv("OUTBOARD_ENRICH_PROVIDER_OPTIONS", json.dumps({"crashy": {
        "target": "tests.enrich.enrich_setup:CrashingProvider", "url": alpha.base_url, "api_key": KEY,
        "crash_at": 4}}))
    CrashingProvider.lookups, CrashingProvider.crashed = 0, False
    params = {"group_id": _group_id(rt, workspace_id, "Crash group"), "lead_ids": [], "force": False,
              "play_id": "cold-linkedin-first"}
    crashed = read_job(rt.db, submit(rt, workspace_id, "enrich_profiles", params))
    assert crashed.state == "failed" and "power cut" in (crashed.error or "")
    done_before = [lead_row(rt.db, i).stage for i in ids]
    assert done_before[:2] == [LeadStage.PROFILE_ENRICHED.value] * 2  # the first batch was stored
    assert set(done_before[2:]) == {LeadStage.DISCOVERED.value}
    charged_before = {c.ref for c in usage(rt.db, workspace_id)}
    again = read_job(rt.db, submit(rt, workspace_id, "enrich_profiles", params))
    assert again.state == "succeeded", again.error
    assert again.result["current"] == 2 and again.result["complete"] == 3
    assert all(lead_row(rt.db, i).stage == LeadStage.PROFILE_ENRICHED.value for i in ids)
    refs = [c.ref for c in usage(rt.db, workspace_id)]
    assert len(refs) == len(set(refs)) and charged_before <= set(refs)
    # Each person was asked once across both runs: lead 3's answer came back from the cache.
    assert alpha.count("/people/match") == 5 and CrashingProvider.lookups == 6


def test_a_spent_budget_pauses_the_job_with_a_clear_message(rt: Runtime, workspace_id: int, env: Apis) -> None:
    alpha, _ = env
    _group(rt, workspace_id, alpha, 2, "Budget group")
    set_budget(rt.db, workspace_id, 0)
    from outboard.enrich.tasks import start_email_enrichment

    job = read_job(rt.db, start_email_enrichment(rt, workspace_id, group="Budget group"))
    assert job.state == "failed"
    assert "credit budget does not cover another email find" in (job.error or "")
    assert "raise the budget" in (job.error or "")
    with rt.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(UsageEntry)) == 0
        assert session.scalar(select(func.count()).select_from(Job).where(Job.kind == "enrich_emails")) == 1


def _group_id(rt: Runtime, ws: int, name: str) -> int:
    from outboard.enrich.queries import find_group

    with rt.db.sessions() as session:
        return find_group(session, ws, name).id
