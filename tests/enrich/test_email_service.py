"""Email enrichment against the loopback DNS + MX servers and a local finder API, stored in the database
(SQLite and PostgreSQL): the proven pattern first, one SMTP conversation per candidate, catch-all never
valid, unknown retried later, bad input answered with clear verdicts, LinkedIn-only leads kept."""

from __future__ import annotations

from datetime import timedelta

import pytest

from outboard.core.clock import SimulatedClock
from outboard.core.stages import LeadStage
from outboard.db.usage import BudgetSpent
from outboard.devservers.enrichment_api import EnrichmentApiServer
from outboard.enrich.config import EnrichConfig
from outboard.enrich.email_service import enrich_email, enrich_emails
from outboard.enrich.finder import candidates
from outboard.runtime import Runtime

from .enrich_setup import (
    KEY,
    MailWorld,
    add_lead,
    events,
    lead_row,
    provenance,
    set_budget,
    usage,
)

pytest_plugins = ["tests.enrich.enrich_fixtures"]  # its fixtures: apis, mail

Apis = tuple[EnrichmentApiServer, EnrichmentApiServer]


def _config(apis: Apis | None = None, **changes: object) -> EnrichConfig:
    options = {}
    finders: tuple[str, ...] = ("pattern",)
    if apis is not None:
        options = {"http_finder": {"url": apis[0].base_url, "api_key": KEY, "backoff": 0.02}}
        finders = ("pattern", "http_finder")
    values: dict[str, object] = dict(finders=finders, provider_options=options, batch_size=10)
    values.update(changes)
    return EnrichConfig(**values)  # type: ignore[arg-type]


def _lead(rt: Runtime, ws: int, name: str, domain: str | None, **fields: object) -> int:
    return add_lead(rt.db, ws, name, company=domain.split(".")[0].title() if domain else None, domain=domain,
                    **fields)


def test_the_pattern_proven_in_the_workspace_is_tried_first(rt: Runtime, workspace_id: int, mail: MailWorld) -> None:
    for name, address in (("Anna Smith", "asmith@proven.test"), ("Ben Jones", "bjones@proven.test")):
        _lead(rt, workspace_id, name, "proven.test", email=address, email_verdict="valid")
    carla = _lead(rt, workspace_id, "Carla Diaz", "proven.test")
    report = enrich_email(rt, workspace_id, carla, config=_config(), verifier=mail.verifier())
    lead = lead_row(rt.db, carla)
    # carla.diaz@ exists too, and is what the default ranking would try first; the proven f+last wins.
    assert lead.email == "cdiaz@proven.test" and lead.email_verdict == "valid"
    pool = {c.address for c in candidates("Carla", "Diaz", "proven.test")}
    assert mail.candidate_rcpts("proven.test", pool) == ["cdiaz@proven.test"]
    assert lead.stage == LeadStage.EMAIL_ENRICHED.value and lead.email_checked_at is not None
    [charge] = usage(rt.db, workspace_id)
    assert (charge.kind, charge.credits, charge.ref) == ("email_found", 6, f"email_found:{carla}:cdiaz@proven.test")
    [event] = events(rt.db, carla, "email_found")
    assert event.data["source"] == "pattern" and event.data["evidence"]["smtp_code"] == 250
    assert event.data["evidence"]["mx_host"] == "mx.proven.test"
    assert report.found == 1 and report.valid == 1 and report.linkedin_only == 0
    assert {p.source for p in provenance(rt.db, carla) if p.field == "email"} == {"provider:pattern"}


def test_each_candidate_costs_one_smtp_conversation_and_a_rerun_none(rt: Runtime, workspace_id: int,
                                                                     mail: MailWorld) -> None:
    dan = _lead(rt, workspace_id, "Dan Brown", "plain.test")
    report = enrich_email(rt, workspace_id, dan, config=_config(), verifier=mail.verifier())
    ranked = [c.address for c in candidates("Dan", "Brown", "plain.test")]
    tried = mail.candidate_rcpts("plain.test", set(ranked))
    assert tried == ranked[:ranked.index("dbrown@plain.test") + 1]  # in rank order, each once
    assert report.conversations == len(tried)
    assert lead_row(rt.db, dan).email == "dbrown@plain.test"
    # A second run spends nothing: no SMTP conversation, no credit.
    rcpts, charges = len(mail.mx.rcpts_for("plain.test")), [c.id for c in usage(rt.db, workspace_id)]
    again = enrich_email(rt, workspace_id, dan, config=_config(), verifier=mail.verifier())
    assert again.current == 1 and len(mail.mx.rcpts_for("plain.test")) == rcpts
    assert [c.id for c in usage(rt.db, workspace_id)] == charges and len(charges) == 1


def test_leads_of_one_domain_learn_the_pattern_from_each_other(rt: Runtime, workspace_id: int,
                                                                mail: MailWorld) -> None:
    # team0.test uses first.last; the first find proves it for the others in the same batch.
    ids = [_lead(rt, workspace_id, name, "team0.test") for name in ("Ann Lee", "Bo Kim", "Cy Ng")]
    report = enrich_emails(rt, workspace_id, ids, config=_config(), verifier=mail.verifier())
    assert report.found == 3 and report.conversations == 3
    assert [lead_row(rt.db, i).email for i in ids] == ["ann.lee@team0.test", "bo.kim@team0.test", "cy.ng@team0.test"]


def test_a_catch_all_domain_is_stored_as_catch_all_never_valid(rt: Runtime, workspace_id: int,
                                                                mail: MailWorld) -> None:
    lead_id = _lead(rt, workspace_id, "Eve Stone", "catchall2.test", linkedin_id="eve-stone")
    report = enrich_email(rt, workspace_id, lead_id, config=_config(), verifier=mail.verifier())
    lead = lead_row(rt.db, lead_id)
    assert (lead.email, lead.email_verdict) == ("eve.stone@catchall2.test", "catch_all")
    assert lead.stage == LeadStage.DISCOVERED.value  # not Email enriched
    assert usage(rt.db, workspace_id) == [] and report.catch_all == 1 and report.linkedin_only == 1
    status = lead.profile["enrichment"]["email"]
    assert status["linkedin_only"] is True and status["outcome"] == "catch_all"
    [event] = events(rt.db, lead_id, "email_catch_all")
    assert event.data["linkedin_only"] is True and "LinkedIn steps go ahead" in event.data["next"]


def test_an_api_finds_what_no_pattern_can_and_the_verifier_confirms_it(rt: Runtime, workspace_id: int,
                                                                        mail: MailWorld, apis: Apis) -> None:
    apis[0].add_email("Erin", "Fox", "hidden.test", "efox.sales@hidden.test", score=88)
    apis[0].rate_limit(times=1, retry_after=0, path_prefix="/email")  # the async client waits and retries too
    apis[0].fail_next(502, times=1, path_prefix="/email")
    lead_id = _lead(rt, workspace_id, "Erin Fox", "hidden.test")
    config = _config(apis, max_candidates=3)
    report = enrich_email(rt, workspace_id, lead_id, config=config, verifier=mail.verifier())
    lead = lead_row(rt.db, lead_id)
    assert (lead.email, lead.email_verdict) == ("efox.sales@hidden.test", "valid")
    assert report.finders == ["pattern", "http_finder"] and report.found == 1 and report.finder_calls == 2
    assert apis[0].count("/email/find") == 3
    assert [r.rcpt for r in mail.mx.rcpts_for("hidden.test")].count("efox.sales@hidden.test") == 1
    [event] = events(rt.db, lead_id, "email_found")
    assert event.data["source"] == "http_finder" and event.data["confidence"] == 0.88
    assert [c.credits for c in usage(rt.db, workspace_id)] == [6]


def test_an_existing_address_is_verified_not_searched(rt: Runtime, workspace_id: int, mail: MailWorld) -> None:
    good = _lead(rt, workspace_id, "Jane Doe", "acme2.test", email="jane@acme2.test")
    bad = _lead(rt, workspace_id, "John Doe", "acme2.test", email="john@acme2.test")
    report = enrich_emails(rt, workspace_id, [good, bad], config=_config(), verifier=mail.verifier())
    assert report.verified == 2 and report.found == 0 and usage(rt.db, workspace_id) == []  # no find, no charge
    assert lead_row(rt.db, good).email_verdict == "valid"
    assert lead_row(rt.db, good).stage == LeadStage.EMAIL_ENRICHED.value
    rejected = lead_row(rt.db, bad)
    assert (rejected.email, rejected.email_verdict) == ("john@acme2.test", "invalid")  # kept, marked
    assert rejected.profile["enrichment"]["email"]["linkedin_only"] is True
    [event] = events(rt.db, bad, "email_verified")
    assert event.data["evidence"]["enhanced_status"] == "5.1.1"
    # jane.doe@ exists but was never asked about: her own address was checked, nothing searched.
    assert [r.rcpt for r in mail.mx.rcpts_for("acme2.test") if r.rcpt.startswith("jane")] == ["jane@acme2.test"]


def test_malformed_addresses_get_clear_verdicts(rt: Runtime, workspace_id: int, mail: MailWorld) -> None:
    cases = {"not-an-address": "syntax", "a@@acme2.test": "syntax", "x" * 300 + "@acme2.test": "syntax",
             '"john doe"@acme2.test': "quoted_local_part"}
    ids = {_lead(rt, workspace_id, f"Bad Input{n}", "acme2.test", email=address): reason
           for n, (address, reason) in enumerate(cases.items())}
    report = enrich_emails(rt, workspace_id, list(ids), config=_config(), verifier=mail.verifier())
    assert report.verified == 4 and report.linkedin_only == 4 and report.conversations == 0
    for lead_id, reason in ids.items():
        assert lead_row(rt.db, lead_id).email_verdict == "invalid"
        [event] = events(rt.db, lead_id, "email_verified")
        assert event.data["evidence"]["reason"] == reason and event.data["linkedin_only"] is True


def test_idn_domains_and_names_without_latin_spelling(rt: Runtime, workspace_id: int, mail: MailWorld) -> None:
    anna = _lead(rt, workspace_id, "Anna Schmidt", "bücher.test")
    chinese = _lead(rt, workspace_id, "李 小龙", "plain.test")
    russian = _lead(rt, workspace_id, "Дмитрий Иванов", "plain.test")
    nowhere = _lead(rt, workspace_id, "No Domain", None)
    private = _lead(rt, workspace_id, "Pat Free", "gmail.com")
    report = enrich_emails(rt, workspace_id, [anna, chinese, russian, nowhere, private], config=_config(),
                           verifier=mail.verifier())
    assert lead_row(rt.db, anna).email == "anna.schmidt@bücher.test"
    assert lead_row(rt.db, anna).email_verdict == "valid"
    assert report.no_name == 2 and report.no_domain == 2 and report.linkedin_only == 4
    for lead_id in (chinese, russian):
        [event] = events(rt.db, lead_id, "email_not_found")
        assert event.data["outcome"] == "no_name" and "no Latin spelling" in event.data["detail"]
        assert lead_row(rt.db, lead_id).email is None
    [event] = events(rt.db, nowhere, "email_not_found")
    assert event.data["outcome"] == "no_domain"
    [event] = events(rt.db, private, "email_not_found")
    assert "gmail.com is a public mail provider" in event.data["detail"]
    assert not mail.mx.rcpts_for("gmail.com")  # nobody's private mailbox was probed


def test_unknown_is_retried_later_not_now(rt: Runtime, workspace_id: int, mail: MailWorld,
                                          clock: SimulatedClock) -> None:
    lead_id = _lead(rt, workspace_id, "Gus Grey", "busy2.test")
    config = _config()
    first = enrich_email(rt, workspace_id, lead_id, config=config, verifier=mail.verifier())
    lead = lead_row(rt.db, lead_id)
    assert first.unknown == 1 and lead.email_verdict == "unknown" and lead.email is None
    assert lead.stage == LeadStage.DISCOVERED.value
    assert enrich_email(rt, workspace_id, lead_id, config=config, verifier=mail.verifier()).current == 1
    clock.advance(timedelta(minutes=31))
    assert enrich_email(rt, workspace_id, lead_id, config=config, verifier=mail.verifier()).unknown == 1


def test_the_budget_stops_the_search_before_it_is_spent(rt: Runtime, workspace_id: int, mail: MailWorld) -> None:
    ids = [_lead(rt, workspace_id, name, "team2.test") for name in ("Ann Lee", "Bo Kim", "Cy Ng")]
    set_budget(rt.db, workspace_id, 12)
    with pytest.raises(BudgetSpent, match="2 addresses were found"):
        enrich_emails(rt, workspace_id, ids, config=_config(), verifier=mail.verifier())
    assert sum(c.credits for c in usage(rt.db, workspace_id)) == 12
    assert lead_row(rt.db, ids[2]).email is None
    assert len([r for r in mail.mx.rcpts_for("team2.test") if r.rcpt.startswith("cy")]) == 0  # never asked
