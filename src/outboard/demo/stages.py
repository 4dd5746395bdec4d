"""Each stage of the demo, through the same service functions and jobs the CLI and the web app use."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from outboard.db.models import Company, Enrollment, Lead, Message, SourceGroupMember, Step
from outboard.demo.world import SENDER_ADDRESS, SENDER_PASSWORD, DemoWorld
from outboard.enrich.tasks import enrichment_params
from outboard.runtime import Runtime
from outboard.send.accounts import add_email_account, add_linkedin_account
from outboard.send.campaigns import create_run, create_sequence
from outboard.send.domain_check import check_domain
from outboard.send.launch import enroll_leads, launch
from outboard.send.linkedin_tasks import mark_task, open_tasks
from outboard.sources.icp.render import summary
from outboard.sources.index.llm_parser import parse_description
from outboard.sources.index.preview import preview
from outboard.sources.index.saved import JOB_KIND as SAVED_SEARCH
from outboard.sources.index.saved import create_group
from outboard.sources.index.tasks import LOAD_KIND, load_params
from outboard.sources.sample import SampleSpec, write_sample
from outboard.write.review import bulk_approve
from outboard.write.strategy_store import save_strategy
from outboard.write.tasks import KIND as GENERATE
from outboard.write.tasks import generation_params

if TYPE_CHECKING:
    from outboard.demo.run import DemoReport, DemoScale, RunJob

STRATEGY = {
    "name": "Pipeline audit", "sender_name": "Sam Rivera", "sender_title": "Founder", "sender_company": "Outboard Demo",
    "signature": "Sam Rivera\nOutboard Demo", "postal_address": "Outboard Demo GmbH, 1 Harbour Street, 20095 Hamburg",
    "offer": "a free two-week pipeline audit for revenue teams",
    "proof": ["Helped a 60-person fintech team double reply rates in one quarter"],
    "tone": "friendly", "call_to_action": "a 15-minute call next week", "language": "en",
}


def discover(rt: Runtime, world: DemoWorld, folder: Path, run_job: RunJob, report: DemoReport, workspace_id: int,
             scale: DemoScale) -> int:
    """A sample prospect index, a plain-language search with its preview, then the search saved as leads."""
    description = scale.query
    files = write_sample(folder / "prospect-index", SampleSpec(people=scale.people, seed=7,
                                                               reference_date=rt.clock.now().date()), "jsonl")
    loaded = run_job(rt, workspace_id, LOAD_KIND, load_params(list(files.values())), "Loading the prospect index")
    report.say("index", f"sample prospect index: {loaded.result['people_new']:,} people and "
                        f"{loaded.result['companies_new']:,} companies (marked as sample data)")
    parsed = parse_description(description, rt.settings)
    shown = preview(rt.db, workspace_id, parsed.filters, limit=3)
    examples = "; ".join(f"{hit.name}, {hit.title} ({'; '.join(s.get('text', '') for s in hit.signals[:2])})"
                         for hit in shown.hits)
    report.say("search", f'"{description}"\n    parsed as: {summary(parsed.filters)}\n    {shown.total_text} '
                         f"matches, for example {examples}")
    group_id = create_group(rt.db, workspace_id, "Heads of revenue, Europe", parsed.filters, scale.leads,
                            description=description)
    saved = run_job(rt, workspace_id, SAVED_SEARCH, {"group_id": group_id}, "Saving the search").result
    kinds = publish_mail_servers(rt, world, group_id)
    report.say("save", f"{saved['collected']} leads saved as a source group ({saved['credits']} credits); their "
                       f"{len(kinds)} companies' mail servers: {kinds.count('mailboxes')} know their staff, "
                       f"{kinds.count('catch_all')} accept any address, {kinds.count('gone')} reject everyone")
    return group_id


def publish_mail_servers(rt: Runtime, world: DemoWorld, group_id: int, kind: str | None = None) -> list[str]:
    """Each company found gets an MX record and a mail server that knows its staff's addresses (all of
    one `kind` when given: "mailboxes", "catch_all" or "gone")."""
    with rt.db.sessions() as session:
        staff = session.execute(select(Lead.first_name, Lead.last_name, Company.domain).join(
            SourceGroupMember, SourceGroupMember.lead_id == Lead.id).join(Company, Company.id == Lead.company_id)
            .where(SourceGroupMember.source_group_id == group_id)).all()
    by_domain: dict[str, list[tuple[str, str]]] = {}
    for first, last, domain in staff:
        if domain:
            by_domain.setdefault(domain, []).append((first, last))
    return [world.add_company(domain, names, kind) for domain, names in sorted(by_domain.items())]


def enrich(rt: Runtime, run_job: RunJob, report: DemoReport, workspace_id: int, group_id: int) -> None:
    """Profiles from the prospect index, then emails found and verified over DNS and SMTP."""
    params = enrichment_params(rt, workspace_id, group=group_id, play_id="cold-linkedin-first")
    profiles = run_job(rt, workspace_id, "enrich_profiles", params, "Enriching profiles").result
    emails = run_job(rt, workspace_id, "enrich_emails", enrichment_params(rt, workspace_id, group=group_id),
                     "Finding and verifying emails").result
    report.say("enrich", f"profiles: {profiles.get('complete', 0)} complete from the prospect index; emails: "
                         f"{emails.get('found', 0)} verified, {emails.get('catch_all', 0)} catch-all (not sent to), "
                         f"{emails.get('linkedin_only', 0)} LinkedIn-only")


def write(rt: Runtime, world: DemoWorld, run_job: RunJob, report: DemoReport, workspace_id: int,
          group_id: int, scale: DemoScale) -> int:
    """Accounts, a run from the LinkedIn-first play, a sequence, then every message written and approved."""
    assert world.relay is not None and world.mailbox is not None
    with rt.db.transaction() as session:
        strategy = save_strategy(session, workspace_id, STRATEGY)
        email = add_email_account(session, workspace_id, rt.secrets, name="Sam", address=SENDER_ADDRESS,
                                  from_name="Sam Rivera", smtp_host="127.0.0.1", smtp_port=world.relay.port,
                                  smtp_security="none", smtp_username=SENDER_ADDRESS, smtp_password=SENDER_PASSWORD,
                                  imap_host="127.0.0.1", imap_port=world.mailbox.port, imap_security="none",
                                  imap_username=SENDER_ADDRESS, imap_password=SENDER_PASSWORD,
                                  timezone="Europe/Berlin", limits=scale.email_limits)
        linkedin = add_linkedin_account(session, workspace_id, rt.secrets, name="Sam on LinkedIn",
                                        profile_id="sam-rivera-demo", timezone="Europe/Berlin",
                                        limits=scale.linkedin_limits)
        run = create_run(session, workspace_id, "Q1 pipeline audit", "cold-linkedin-first")
        sequence = create_sequence(session, workspace_id, run.id, "Heads of revenue", strategy.id, [group_id],
                                   [email.id, linkedin.id])
        enrolled = enroll_leads(session, sequence)
        sequence_id = sequence.id
    params = generation_params(rt, workspace_id, sequence_id)
    written = run_job(rt, workspace_id, GENERATE, params, "Writing messages").result
    with rt.db.transaction() as session:
        approval = bulk_approve(session, workspace_id, sequence_id=sequence_id)
        first_steps = session.scalars(select(Message.hooks).select_from(Message).join(Step, Step.id == Message.step_id)
                                      .join(Enrollment, Enrollment.id == Message.enrollment_id)
                                      .where(Enrollment.sequence_id == sequence_id, Step.position == 1))
        hooked = sum(1 for hooks in first_steps if hooks)
    report.say("write", f"{enrolled} leads in a LinkedIn-first sequence (invite, message, two emails); "
                        f"{written['created']} messages written by the {written['writer']} writer, {hooked} leads "
                        f"opened with a hook from their own data; {approval.approved} approved after the "
                        f"guardrails, {approval.held_back} held back")
    return sequence_id


def launch_sequence(rt: Runtime, world: DemoWorld, report: DemoReport, workspace_id: int, sequence_id: int) -> None:
    with rt.db.transaction() as session:
        result = launch(session, workspace_id, sequence_id, rt.clock.now(),
                        overrides=frozenset({"leads_without_steps"}), public_url=rt.settings.public_url,
                        dns_check=lambda domain: check_domain(domain, world.dns_address))
    notes = ", ".join(f"{f.code} ({f.severity})" for f in result.findings) or "none"
    report.say("launch", f"sequence launched for {result.enrolled} leads; readiness findings: {notes}")


def work_linkedin_tasks(rt: Runtime, workspace_id: int, accepts: Callable[[str], bool]) -> None:
    """The person who works the LinkedIn tasks: sends each one, and reports the invites people accepted."""
    worked = True
    while worked:
        with rt.db.transaction() as session:
            due = [task for task in open_tasks(session, workspace_id) if task.state == "open"]
            for task in due:
                profile = task.profile_url.rstrip("/").rsplit("/", 1)[-1]
                action = "accepted" if task.kind == "linkedin_invite" and accepts(profile) else "done"
                mark_task(session, workspace_id, task.id, action, rt.clock.now())
        worked = bool(due)


