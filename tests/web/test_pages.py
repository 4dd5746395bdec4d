"""The pages: Play Library, leads table and detail panel, job progress, run selector, team, headers."""

from __future__ import annotations

import re
from datetime import timedelta

from outboard.core.stages import LeadStage
from outboard.db.models import FieldProvenance, Lead, Run, SourceGroup, SourceGroupMember, UsageEntry, Workspace
from outboard.db.scope import Scope
from outboard.db.timeline import move_lead, record
from outboard.jobs.progress import Progress, create_job, set_state
from tests.web.conftest import csrf_token, make_leads

HTMX = {"HX-Request": "true"}


def _names(page: str) -> list[str]:
    return re.findall(r'hx-target="#lead-panel" hx-swap="innerHTML">([^<]+)</a>', page)


def test_the_play_library_filters_by_category_goal_and_relationship(admin_client):
    home = admin_client.get("/")
    assert home.status_code == 200 and "Play Library" in home.text
    all_cards = home.text.count('class="card play-card"')
    assert all_cards >= 5
    warm = admin_client.get("/?relationship=warm", headers=HTMX)
    assert warm.status_code == 200 and "<html" not in warm.text and 'id="play-grid"' in warm.text  # a fragment
    assert 0 < warm.text.count('class="card play-card"') < all_cards
    assert set(re.findall(r'class="rel rel-(\w+)"', warm.text)) == {"warm"}
    category = re.search(r'<option value="([a-z_-]+)" >', home.text).group(1)
    narrowed = admin_client.get(f"/?category={category}&goal=&relationship=")
    assert narrowed.text.count('class="card play-card"') < all_cards
    nothing = admin_client.get("/?relationship=cold&goal=no-such-goal")
    assert "No play matches these filters." in nothing.text
    assert "must be cold, warm, stalled or known" in admin_client.get("/?relationship=hot").text


def test_a_play_detail_creates_a_named_run_and_can_replace_a_drafts_play(admin_client, db, workspace_id):
    page = admin_client.get("/plays/cold-email-first")
    assert page.status_code == 200
    assert "Day 0" in page.text and "Readiness checks" in page.text
    assert admin_client.get("/plays/no-such-play").status_code == 404
    token = csrf_token(admin_client, "/leads")
    unnamed = admin_client.post("/plays/cold-email-first/runs", data={"name": "  ", "csrf_token": token})
    assert unnamed.status_code == 422 and 'id="f-name-error"' in unnamed.text and "A run needs a name." in unnamed.text

    created = admin_client.post("/plays/cold-email-first/runs", data={"name": "Q3 fintech", "csrf_token": token})
    assert "Run “Q3 fintech” created as a draft" in created.text and "Q3 fintech — draft" in created.text
    with db.sessions() as session:
        run = session.scalars(Scope(session, workspace_id).select(Run)).one()
        assert (run.play_key, run.state) == ("cold-email-first", "draft")
    assert f'<option value="{run.id}" selected>' in created.text  # chosen in the top bar

    other = admin_client.get("/plays/event-invitation").text
    assert "Replace the play of “Q3 fintech”" in other
    replaced = admin_client.post("/plays/event-invitation/replace", data={"run_id": run.id, "csrf_token": token})
    assert "now uses this play" in replaced.text
    with db.sessions() as session:
        assert session.get(Run, run.id).play_key == "event-invitation"


def test_the_leads_table_pages_by_keyset_and_counts_by_stage(admin_client, db, workspace_id):
    ids = make_leads(db, workspace_id, 120)
    make_leads(db, workspace_id, 3, stage="profile_enriched", prefix="Rich", company=None)
    first = admin_client.get("/leads")
    assert _names(first.text)[0] == "Rich 0002"  # newest first
    assert re.search(r"All <span class=\"count\">123</span>", first.text)
    assert re.search(r"Profile enriched <span class=\"count\">3</span>", first.text)
    seen, url = [], "/leads"
    while url:
        page = admin_client.get(url).text
        seen += _names(page)
        older = re.search(r'href="(/leads\?after=\d+)" rel="next"', page)
        url = older.group(1) if older else None
    assert len(seen) == 123 and len(set(seen)) == 123
    back = re.search(r'href="(/leads\?before=\d+)" rel="prev"', admin_client.get(f"/leads?after={ids[70]}").text)
    assert _names(admin_client.get(back.group(1)).text)[-1] == "Lead 0070"

    enriched = admin_client.get("/leads?stage=profile_enriched", headers=HTMX)
    assert "<html" not in enriched.text and _names(enriched.text) == ["Rich 0002", "Rich 0001", "Rich 0000"]
    assert _names(admin_client.get("/leads?q=lead7@acme.example").text) == ["Lead 0007"]
    assert _names(admin_client.get("/leads?q=rich 000").text) == ["Rich 0002", "Rich 0001", "Rich 0000"]
    assert _names(admin_client.get(f"/leads?q=%23{ids[5]}").text) == ["Lead 0005"]
    assert "No lead matches" in admin_client.get("/leads?q=nobody").text


def test_the_source_group_filter_shows_only_its_leads(admin_client, db, workspace_id, other_workspace):
    ids = make_leads(db, workspace_id, 10)
    theirs = make_leads(db, other_workspace.workspace_id, 2, prefix="Their")
    with db.transaction() as session:
        group = Scope(session, workspace_id).add(SourceGroup(name="Fintech CFOs", kind="import"))
        foreign = Scope(session, other_workspace.workspace_id).add(SourceGroup(name="Rival list", kind="import"))
        session.flush()
        session.add_all([SourceGroupMember(source_group_id=group.id, lead_id=i) for i in ids[2:5]])
        session.add_all([SourceGroupMember(source_group_id=foreign.id, lead_id=i) for i in theirs])
        group_id, foreign_id = group.id, foreign.id
    page = admin_client.get(f"/leads?group={group_id}")
    assert _names(page.text) == ["Lead 0004", "Lead 0003", "Lead 0002"] and "Rival list" not in page.text
    assert _names(admin_client.get(f"/leads?group={foreign_id}").text) == []


def test_the_lead_panel_shows_profile_provenance_and_timeline_and_escapes_lead_data(admin_client, db, workspace_id,
                                                                                     clock):
    hostile = '<script>alert("x")</script> Mallory'
    with db.transaction() as session:
        lead = Scope(session, workspace_id).add(Lead(
            full_name=hostile, title="CFO", headline="<img src=x onerror=alert(1)>", email="m@evil.example",
            email_verdict="valid", profile={"posts": [{"text": "We raised <b>Series B</b>"}], "skills": ["SQL"]}))
        session.flush()
        session.add(FieldProvenance(lead_id=lead.id, field="title", value="CFO", source="import:leads.csv#row=3"))
        clock.advance(timedelta(minutes=5))
        move_lead(session, lead, LeadStage.PROFILE_ENRICHED, source="index")
        record(session, workspace_id, "note", lead_id=lead.id, text="<b>bold</b>")
        lead_id = lead.id
    table = admin_client.get("/leads").text
    assert "<script>alert" not in table and "&lt;script&gt;" in table
    panel = admin_client.get(f"/leads/{lead_id}", headers=HTMX)
    assert panel.status_code == 200 and "<html" not in panel.text
    for expected in ("import:leads.csv#row=3", "stage changed", "Profile enriched", "SQL", "Series B", "valid"):
        assert expected in panel.text, expected
    assert "<script>" not in panel.text and "<img" not in panel.text and "<b>" not in panel.text
    full = admin_client.get(f"/leads/{lead_id}")
    assert "<html" in full.text and "Where each fact came from" in full.text
    assert admin_client.get("/leads/999999").status_code == 404
    assert "There is no page here." in admin_client.get("/leads/not-a-number").text


def test_the_job_partial_polls_every_second_until_the_job_ends(admin_client, db, workspace_id):
    job_id = create_job(db, workspace_id, "selfcheck", {}, total=10)
    set_state(db, job_id, "running")
    Progress(db, job_id, workspace_id).update(3, 10, "enriching Ada Lovelace")
    running = admin_client.get(f"/jobs/{job_id}", headers=HTMX)
    assert "<html" not in running.text
    assert f'hx-get="/jobs/{job_id}" hx-trigger="every 1s"' in running.text
    assert "3 of 10" in running.text and 'value="30"' in running.text and "enriching Ada Lovelace" in running.text
    assert admin_client.get(f"/api/jobs/{job_id}").status_code == 401  # the API wants a token, not a cookie
    set_state(db, job_id, "succeeded", message="done")
    finished = admin_client.get(f"/jobs/{job_id}", headers=HTMX)
    assert "hx-trigger" not in finished.text and 'value="100"' in finished.text
    assert "<html" in admin_client.get(f"/jobs/{job_id}").text  # without htmx: a whole page


def test_the_top_bar_lists_runs_remembers_the_chosen_one_and_shows_the_balance(admin_client, db, workspace_id):
    with db.transaction() as session:
        scope = Scope(session, workspace_id)
        first = scope.add(Run(name="Q2 fintech", play_key="cold-email-first", play_snapshot={}))
        scope.add(Run(name="Event invites", play_key="event-invitation", play_snapshot={}))
        scope.add(UsageEntry(kind="send", credits=40, ref="send:1"))
        scope.add(UsageEntry(kind="email_found", credits=60, ref="find:1"))
        session.get(Workspace, workspace_id).credit_budget = 1000
        session.flush()
        first_id = first.id
    page = admin_client.get("/leads").text
    assert "Q2 fintech — draft" in page and "Event invites — draft" in page
    assert "<strong >900</strong> of 1,000 credits left" in page
    chosen = admin_client.post("/runs/select", data={"run_id": first_id, "next": "/leads",
                                                     "csrf_token": csrf_token(admin_client, "/leads")},
                               follow_redirects=False)
    assert chosen.status_code == 303 and chosen.headers["location"] == "/leads"
    assert f'<option value="{first_id}" selected>' in admin_client.get("/").text
    usage = admin_client.get("/settings/usage").text
    assert '<td>email found</td><td class="num">60</td>' in usage and "<span class=\"figure\">100</span>" in usage


def test_an_invitation_link_creates_a_member_once(admin_client, app, db, clock):
    from fastapi.testclient import TestClient

    page = admin_client.post("/settings/team/invitations", data={"email": "Nia@Acme.test", "role": "member",
                                                                "csrf_token": csrf_token(admin_client, "/leads")})
    link = re.search(r'value="http://127\.0\.0\.1:8000(/invite/[\w-]+)"', page.text).group(1)
    assert "nia@acme.test" in admin_client.get("/settings/team").text and link not in admin_client.get(
        "/settings/team").text
    with TestClient(app) as invitee:
        form = {"name": "Nia", "password": "a long password", "password_again": "a long password",
                "csrf_token": csrf_token(invitee, link)}
        joined = invitee.post(link, data=form, follow_redirects=False)
        assert joined.status_code == 303
        assert "Nia (member)" in invitee.get("/").text
        assert invitee.post(link, data={**form, "csrf_token": csrf_token(invitee, "/leads")}).status_code == 404
    assert "Nia@acme.test".lower() in admin_client.get("/settings/team").text

    late = admin_client.post("/settings/team/invitations", data={"email": "late@acme.test", "role": "admin",
                                                                "csrf_token": csrf_token(admin_client, "/leads")})
    late_link = re.search(r'value="http://127\.0\.0\.1:8000(/invite/[\w-]+)"', late.text).group(1)
    clock.advance(timedelta(days=8))
    expired = admin_client.get(late_link)
    assert expired.status_code == 404 and "has expired" in expired.text


def test_an_admin_changes_roles_but_the_last_admin_stays(admin_client, admin, member):
    token = csrf_token(admin_client, "/settings/team")
    promoted = admin_client.post(f"/settings/team/users/{member.id}/role", data={"role": "admin", "csrf_token": token})
    assert "is now admin" in promoted.text
    admin_client.post(f"/settings/team/users/{member.id}/role", data={"role": "member", "csrf_token": token})
    refused = admin_client.post(f"/settings/team/users/{admin.id}/role", data={"role": "member", "csrf_token": token})
    assert "needs at least one admin" in refused.text


def test_the_compliance_page_blocks_checks_and_removes(admin_client, db, workspace_id):
    token = csrf_token(admin_client, "/settings/compliance")
    admin_client.post("/settings/compliance/blocklist", data={"value": "https://www.Competitor.com/about",
                                                             "note": "", "csrf_token": token})
    page = admin_client.get("/settings/compliance?check=anyone@competitor.com").text
    assert "co***.com" in page and "Yes: blocked by a domain entry" in page
    assert "No: not on the list." in admin_client.get("/settings/compliance?check=friend.org").text
    entry = re.search(r'/settings/compliance/blocklist/(\d+)/remove', page).group(1)
    admin_client.post(f"/settings/compliance/blocklist/{entry}/remove", data={"csrf_token": token})
    assert "The list is empty." in admin_client.get("/settings/compliance").text
    saved = admin_client.post("/settings/compliance/footer", data={
        "postal_address": "Acme GmbH\nHauptstr. 1\n10115 Berlin", "opt_out_sentence": "Reply stop.",
        "csrf_token": token})
    assert "Footer saved" in saved.text and "Hauptstr. 1" in saved.text
    with db.sessions() as session:  # where the send engine reads it (send.outgoing, send.launch)
        prefs = session.get(Workspace, workspace_id).preferences
        assert prefs["postal_address"] == "Acme GmbH\nHauptstr. 1\n10115 Berlin"
        assert prefs["opt_out_sentence"] == "Reply stop."


def test_every_page_has_strict_headers(admin_client):
    for path in ("/search", "/inbox"):
        page = admin_client.get(path)
        assert page.status_code == 200 and "Not built yet." not in page.text, path
    response = admin_client.get("/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY" and response.headers["X-Content-Type-Options"] == "nosniff"
    assert 'href="#main"' in response.text and '<main id="main"' in response.text
    assert admin_client.get("/static/htmx.min.js").status_code == 200
