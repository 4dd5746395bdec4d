"""In Chromium: a person creates a run from a play, runs a discovery search over a sample prospect index and
saves it (the job fills a source group), enriches that group (profiles from the index, then emails found and
verified over DNS and SMTP against the prospects' mail servers on loopback), creates the group's sequence,
generates and approves the messages in the Messaging Lab, launches, and sees the leads move on the dashboard
after the scheduler sends them through a real SMTP relay; then reads the analytics. Screenshots go to
tests/e2e/screenshots."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from outboard.core.clock import SimulatedClock
from outboard.db.database import Database
from outboard.db.models import SourceGroup
from outboard.demo.stages import publish_mail_servers
from outboard.demo.world import DemoWorld
from outboard.runtime import Runtime, use_runtime
from outboard.secrets import SecretBox
from outboard.send.accounts import add_email_account, add_linkedin_account
from outboard.send.scheduler import tick
from outboard.settings import Settings
from outboard.sources.index.loader import load_files
from outboard.sources.sample import SampleSpec, write_sample
from outboard.team.workspaces import create_workspace
from outboard.write.strategy_store import save_strategy, strategy_to_dict
from tests.conftest import START
from tests.e2e.conftest import CHROMIUM_ARGS, SCREENSHOTS, LiveServer, chromium_path, free_port, served
from tests.write.sample_leads import sample_strategy

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(tmp_path: Path) -> Iterator[DemoWorld]:
    """DNS, the prospects' mail servers, the sender's relay and mailbox, on loopback (as in the demo)."""
    outside = DemoWorld(tmp_path / "world").start()
    yield outside
    outside.close()


@pytest.fixture
def campaign_server(tmp_path: Path, sqlite_template: Path, world: DemoWorld) -> Iterator[LiveServer]:
    """The app on a simulated clock (a Monday morning), so the test decides when the scheduler runs; the
    email verifier asks the world's DNS and mail servers."""
    path = tmp_path / "outboard.db"
    shutil.copy(sqlite_template, path)
    port = free_port()
    assert world.prospects_mx is not None
    settings = Settings(database_url=f"sqlite:///{path}", secret_key=SecretBox.new_key(), job_backend="immediate",
                        public_url=f"http://127.0.0.1:{port}", job_queue_path=str(tmp_path / "jobs.db"),
                        verify_dns_server=world.dns_address, verify_smtp_port=world.prospects_mx.port,
                        verify_helo="verify.outboard-e2e.test", verify_mail_from="verify@outboard-mail.test",
                        verify_timeout=5.0, _env_file=None)  # type: ignore[call-arg]
    clock = SimulatedClock(START + timedelta(hours=2))
    db = Database.open(settings.database_url, clock)
    rt = Runtime(settings, db, clock)
    with use_runtime(rt), served(rt, port) as server:  # generation jobs run inline and find the runtime here
        yield server
    db.close()


def _seed(rt: Runtime, smtp_port: int) -> None:
    with rt.db.transaction() as session:
        workspace, _, _ = create_workspace(session, "Acme Outreach", "ada@acme.test", "correct horse battery",
                                           admin_name="Ada Admin")
        save_strategy(session, workspace.id, strategy_to_dict(sample_strategy()))
        add_email_account(session, workspace.id, rt.secrets, name="Tom's mailbox", address="tom@outboard-mail.test",
                          from_name="Tom Becker", smtp_host="127.0.0.1", smtp_port=smtp_port, smtp_security="none",
                          limits={"ramp_up": False, "min_gap_seconds": 0, "gap_jitter_seconds": 0})
        add_linkedin_account(session, workspace.id, rt.secrets, name="Tom on LinkedIn", profile_id="tom-becker")
        workspace_id = workspace.id
    # A small sample prospect index for the discovery search (its dates end today, as in the demo).
    files = write_sample(Path(rt.settings.job_queue_path).parent / "index",
                         SampleSpec(people=600, seed=7, reference_date=rt.clock.now().date()))
    load_files(rt.db, workspace_id, list(files.values()), bulk_threshold=10**9)


def _drain(rt: Runtime) -> None:
    while tick(rt).leased:
        pass


def _publish_mail_servers(rt: Runtime, world: DemoWorld, group_name: str) -> None:
    """The saved companies' mail servers exist out there and know their staff (every mailbox real, so the
    finder proves an address for each of the three)."""
    with rt.db.sessions() as session:
        group_id = session.scalar(select(SourceGroup.id).where(SourceGroup.name == group_name))
    assert publish_mail_servers(rt, world, group_id, kind="mailboxes")


def test_a_person_takes_a_run_from_play_to_sent_messages(campaign_server, world):
    from playwright.sync_api import expect, sync_playwright

    executable = chromium_path()
    rt, url = campaign_server.rt, campaign_server.url
    relay = world.relay
    _seed(rt, relay.port)
    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 900})
        failed: list[str] = []  # answers of 500 or more: 4xx answers are shown on purpose (refused forms)
        page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 500 else None)
        try:
            page.goto(url + "/signin")
            page.get_by_label("Email").fill("ada@acme.test")
            page.get_by_label("Password").fill("correct horse battery")
            page.get_by_label("Password").press("Enter")
            page.goto(url + "/plays/cold-email-first")
            page.get_by_label("Name of the run").fill("Q2 fintech leaders")
            page.get_by_role("button", name="Create run with play").click()
            expect(page.get_by_role("status").first).to_contain_text("created as a draft")

            # Discovery: describe the audience, preview it, save it; the job fills the group. Then enrich it.
            page.get_by_role("link", name="Search & import").click()
            page.get_by_role("button", name="Preview").click()  # empty: refused beside the field
            expect(page.locator(".field-error")).to_be_visible()
            page.get_by_label("Describe the audience").fill("heads and directors of sales in Europe")
            page.get_by_role("button", name="Preview").click()
            expect(page.locator("#preview")).to_contain_text("people match")
            page.screenshot(path=SCREENSHOTS / "08-search-preview.png", full_page=True)
            page.get_by_label("Name of the source group").fill("DE sales heads")
            page.get_by_label("How many results to collect").fill("3")
            page.get_by_role("button", name="Save the search").click()
            expect(page.get_by_role("heading", name="Saved search: DE sales heads")).to_be_visible()
            expect(page.locator("#saved")).to_contain_text("job succeeded")
            _publish_mail_servers(rt, world, "DE sales heads")
            page.get_by_role("link", name="Enrich them").click()
            expect(page.get_by_label("Source group")).to_have_value(page.url.rsplit("=", 1)[1])
            page.get_by_role("button", name="Start").click()  # profiles: from the prospect index
            expect(page.locator("#enrichment .job")).to_contain_text("succeeded")
            page.get_by_label("Find and verify emails").check()
            page.get_by_role("button", name="Start").click()  # emails: the finder over DNS and SMTP
            expect(page.locator("#enrichment .job")).to_contain_text("succeeded")
            expect(page.locator("#enrichment")).to_contain_text("DE sales heads: 3 leads")
            expect(page.locator("#enrichment")).to_contain_text("Email enriched")
            page.screenshot(path=SCREENSHOTS / "09-enrichment.png", full_page=True)

            page.get_by_role("link", name="Open the run Q2 fintech leaders").click()
            expect(page.get_by_role("heading", name="Q2 fintech leaders")).to_be_visible()
            page.screenshot(path=SCREENSHOTS / "10-run.png", full_page=True)
            page.get_by_role("link", name="Create sequence").click()
            page.get_by_role("button", name="Create sequence").click()  # empty: refused beside the fields
            expect(page.get_by_text("A sequence needs a name.")).to_be_visible()
            page.get_by_label("Name", exact=True).fill("Email first")
            page.get_by_label("Strategy profile").select_option(label="Sample strategy")
            page.get_by_label("DE sales heads").check()
            page.get_by_label("Tom's mailbox").check()
            page.get_by_label("Tom on LinkedIn").check()
            for day in ("Sat", "Sun"):
                page.get_by_label(day, exact=True).check()
            page.get_by_label("From", exact=True).fill("00:00")
            page.get_by_label("Until", exact=True).fill("23:59")
            page.screenshot(path=SCREENSHOTS / "11-create-sequence.png", full_page=True)
            page.get_by_role("button", name="Create sequence").click()
            expect(page.get_by_role("heading", name="Messaging Lab: Email first")).to_be_visible()
            expect(page.get_by_text("created with 3 leads enrolled")).to_be_visible()

            page.get_by_label("Leads to preview").fill("1")
            page.get_by_role("button", name="Generate previews").click()  # htmx: the job, then the list
            expect(page.locator("#generation")).to_contain_text("succeeded")
            expect(page.locator("#lab-messages .message-link").first).to_be_visible()
            page.locator("#lab-messages .message-link").first.click()  # the panel beside the list
            panel = page.locator("#message-panel")
            expect(panel.get_by_role("heading", level=2)).to_be_focused()
            expect(panel.get_by_text("Hooks and the facts they came from")).to_be_visible()
            page.screenshot(path=SCREENSHOTS / "12-lab-message.png", full_page=True)
            panel.get_by_role("button", name="Approve").click()
            expect(panel.get_by_text("Approved.")).to_be_visible()

            page.get_by_role("button", name="Generate every lead").click()
            expect(page.locator("#lab-counts")).to_contain_text("12 of 12 messages written")
            page.get_by_role("button", name="Approve every message that passes the guardrails").click()
            expect(page.locator(".report")).to_contain_text("approved")
            readiness = page.locator("#readiness")
            expect(readiness.get_by_role("button", name="Launch")).to_be_visible()  # loaded after the page
            page.screenshot(path=SCREENSHOTS / "13-lab-ready.png", full_page=True)
            readiness.get_by_role("button", name="Launch").click()
            expect(page.get_by_text("Launched: 3 leads start at their first step")).to_be_visible()
            expect(page.locator(".state-active").first).to_be_visible()

            rt.clock.advance(timedelta(hours=1))  # the worker's turn: the scheduler sends what is due
            worker = threading.Thread(target=_drain, args=(rt,))  # Playwright's loop owns this thread
            worker.start()
            worker.join(60)
            assert len(relay.messages) == 3
            page.reload()
            counts = page.locator("#sequence-counts tbody tr").first
            expect(counts.locator("td").nth(5)).to_have_text("3")  # step 1: sent
            expect(page.locator("#sequence-counts tbody tr").nth(1).locator("td").nth(4)).to_contain_text("3")
            page.screenshot(path=SCREENSHOTS / "14-dashboard-after-send.png", full_page=True)

            page.get_by_role("link", name="Analytics", exact=True).first.click()
            expect(page.locator("#totals")).to_contain_text("3 emails sent")
            page.screenshot(path=SCREENSHOTS / "15-analytics.png", full_page=True)
            assert failed == [], f"server errors: {failed}"
        finally:
            browser.close()
