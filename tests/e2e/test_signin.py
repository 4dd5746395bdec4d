"""In Chromium: a person signs in, browses the Play Library, creates a run from a play, and looks at the leads."""

from __future__ import annotations

import re

import pytest

from outboard.db.models import Company, Lead
from outboard.db.scope import Scope
from outboard.team.workspaces import create_workspace
from tests.e2e.conftest import CHROMIUM_ARGS, SCREENSHOTS, chromium_path

pytestmark = pytest.mark.e2e


def _seed(rt) -> None:
    with rt.db.transaction() as session:
        workspace, _, _ = create_workspace(session, "Acme Outreach", "ada@acme.test", "correct horse battery",
                                           admin_name="Ada Admin")
        scope = Scope(session, workspace.id)
        company = scope.add(Company(name="Globex", domain="globex.example", size=120, industry="Logistics"))
        session.flush()
        for n, (name, title) in enumerate([("Grace Hopper", "VP Engineering"), ("Alan Turing", "Head of Data"),
                                           ("Katherine Johnson", "CFO")]):
            email = f"{name.split()[0].lower()}@globex.example"
            scope.add(Lead(full_name=name, title=title, company_id=company.id, email=email, email_key=email,
                           email_verdict="valid" if n else None, stage="profile_enriched" if n else "discovered"))


def test_a_person_signs_in_and_browses_plays_and_leads(live_server):
    from playwright.sync_api import expect, sync_playwright

    executable = chromium_path()
    _seed(live_server.rt)
    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        failed: list[str] = []  # every answer of 400 or more, except the wrong password shown on purpose
        page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        try:
            page.goto(live_server.url + "/")
            expect(page).to_have_url(live_server.url + "/signin")
            page.get_by_label("Email").fill("ada@acme.test")
            page.get_by_label("Password").fill("wrong password")
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_text("That email and password do not match an account.")).to_be_visible()
            page.screenshot(path=SCREENSHOTS / "01-signin-refused.png")
            assert failed == [f"401 {live_server.url}/signin"]
            failed.clear()

            page.get_by_label("Password").fill("correct horse battery")
            page.get_by_label("Password").press("Enter")  # the keyboard is enough
            expect(page.get_by_role("heading", name="Play Library")).to_be_visible()
            expect(page.get_by_text("Ada Admin (admin)")).to_be_visible()
            cards = page.locator(".play-card")
            everything = cards.count()
            assert everything >= 5
            page.screenshot(path=SCREENSHOTS / "02-play-library.png", full_page=True)

            page.get_by_label("Relationship").select_option("warm")  # htmx swaps the grid in place
            expect(page).to_have_url(live_server.url + "/?category=&goal=&relationship=warm")
            expect(cards.first).to_be_visible()
            assert 0 < cards.count() < everything
            page.screenshot(path=SCREENSHOTS / "03-play-library-warm.png", full_page=True)

            cards.first.get_by_role("link").click()
            expect(page.get_by_role("heading", name="Sequence")).to_be_visible()
            expect(page.get_by_text("Day 0").first).to_be_visible()
            page.screenshot(path=SCREENSHOTS / "04-play-detail.png", full_page=True)
            page.get_by_label("Name of the run").fill("Q3 warm follow-ups")
            page.get_by_role("button", name="Create run with play").click()
            expect(page.get_by_role("status").first).to_contain_text("Run “Q3 warm follow-ups” created as a draft")
            expect(page.get_by_label("Run", exact=True)).to_have_value(re.compile(r"^\d+$"))

            page.get_by_role("link", name="Leads").click()
            expect(page.get_by_role("heading", name="Leads", exact=True)).to_be_visible()
            expect(page.locator("table.leads tbody tr")).to_have_count(3)
            page.get_by_role("link", name="Grace Hopper").click()  # opens in the panel beside the table
            panel = page.locator("#lead-panel")
            expect(panel.get_by_role("heading", name="Grace Hopper")).to_be_focused()
            expect(panel.get_by_text("Globex (globex.example)")).to_be_visible()
            page.screenshot(path=SCREENSHOTS / "05-leads-with-panel.png", full_page=True)

            page.get_by_label("Stage", exact=True).select_option("profile_enriched")
            expect(page.locator("table.leads tbody tr")).to_have_count(2)
            page.screenshot(path=SCREENSHOTS / "06-leads-filtered.png", full_page=True)
            assert failed == [], f"requests that failed: {failed}"
        finally:
            browser.close()
