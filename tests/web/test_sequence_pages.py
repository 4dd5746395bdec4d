"""Runs and sequences in the browser: a run's page, creating a sequence (and what it refuses), the step editor,
the dashboard's counts and the drill-down into the leads at a step."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select, update

from outboard.db.models import Enrollment, Lead, Message, Run, Sequence, SourceGroup, SourceGroupMember, Step
from outboard.db.scope import Scope
from outboard.send.campaigns import sequence_steps
from tests.web.conftest import csrf_token, make_leads
from tests.write.lab_setup import build_lab

HTMX = {"HX-Request": "true"}


def _field_error(page: str, name: str) -> str:
    found = re.search(rf'<p class="field-error" id="f-{re.escape(name)}-error">(.*?)</p>', page, re.S)
    assert found, f"no message beside {name}"
    return html.unescape(found.group(1))


def test_a_run_page_lists_its_sequences_and_pauses_resumes_and_replaces_its_play(admin_client, rt, workspace_id):
    lab = build_lab(rt, workspace_id, 2)
    with rt.db.sessions() as session:
        run_id = session.get(Sequence, lab.sequence_id).run_id
    page = admin_client.get(f"/runs/{run_id}")
    assert page.status_code == 200 and "Lab run" in page.text and f'href="/sequences/{lab.sequence_id}"' in page.text
    assert "Replace the play" in page.text and "Pause the run" not in page.text  # a draft
    listed = admin_client.get("/runs").text
    assert f'href="/runs/{run_id}"' in listed and "Lab run" in listed
    token = csrf_token(admin_client, "/runs")

    replaced = admin_client.post(f"/runs/{run_id}/play", data={"play_id": "cold-linkedin-first", "csrf_token": token})
    assert "now uses the play" in replaced.text
    with rt.db.sessions() as session:
        assert session.get(Run, run_id).play_key == "cold-linkedin-first"
        assert sequence_steps(session, lab.sequence_id)[0].channel == "linkedin_invite"  # reset from the new play
    unknown = admin_client.post(f"/runs/{run_id}/play", data={"play_id": "no-such-play", "csrf_token": token})
    assert "Play not replaced" in unknown.text

    refused = admin_client.post(f"/runs/{run_id}/pause", data={"csrf_token": token})
    assert "Not paused" in refused.text  # a draft run cannot be paused
    with rt.db.transaction() as session:
        session.execute(update(Run).where(Run.id == run_id).values(state="active"))
    assert "paused: none of its sequences sends" in admin_client.post(f"/runs/{run_id}/pause",
                                                                      data={"csrf_token": token}).text
    assert "Resume the run" in admin_client.get(f"/runs/{run_id}").text
    assert "resumed" in admin_client.post(f"/runs/{run_id}/resume", data={"csrf_token": token}).text
    locked = admin_client.post(f"/runs/{run_id}/play", data={"play_id": "cold-email-first", "csrf_token": token})
    assert "locked once the run has been launched" in locked.text
    assert admin_client.get("/runs/999999").status_code == 404


def test_creating_a_sequence_enrolls_its_leads_and_opens_the_lab(admin_client, rt, db, workspace_id):
    lab = build_lab(rt, workspace_id, 3)  # a strategy profile, an enriched source group, two accounts
    with rt.db.transaction() as session:
        run_id = session.get(Sequence, lab.sequence_id).run_id
        group_id = session.scalar(select(SourceGroup.id).where(SourceGroup.workspace_id == workspace_id))
        raw = Scope(session, workspace_id).add(SourceGroup(name="Not enriched", kind="import"))
        session.flush()
        raw_id = raw.id
    for lead_id in make_leads(db, workspace_id, 2, prefix="Raw"):
        with rt.db.transaction() as session:
            session.add(SourceGroupMember(source_group_id=raw_id, lead_id=lead_id, reason={},
                                          added_at=rt.clock.now()))
    form_page = admin_client.get(f"/runs/{run_id}/sequences/new").text
    assert "lab leads" in form_page and "3 leads · 3 enriched" in form_page
    assert "not eligible yet" in form_page and "Sample strategy" in form_page
    token = csrf_token(admin_client, f"/runs/{run_id}/sequences/new")
    good = {"name": "Second wave", "strategy_profile_id": str(lab.strategy_id), "source_groups": [str(group_id)],
            "senders": [], "days": ["0", "1", "2", "3", "4"], "start": "09:00", "end": "17:00",
            "stop_on_reply": "on", "csrf_token": token}

    # Bad input: the message beside the field, everything else kept as typed.
    cases = [({"name": " "}, "name", "A sequence needs a name."),
             ({"strategy_profile_id": ""}, "strategy_profile_id", "Choose a strategy profile."),
             ({"source_groups": []}, "source_groups", "Choose at least one source group."),
             ({"source_groups": [str(raw_id)]}, "source_groups", "“Not enriched” has no enriched lead yet"),
             ({"days": []}, "days", "Choose at least one day to send on."),
             ({"start": "9am"}, "start", "Must be a time such as 09:00."),
             ({"start": "18:00"}, "end", "Must start before it ends")]
    for change, field, words in cases:
        refused = admin_client.post(f"/runs/{run_id}/sequences", data={**good, **change})
        assert refused.status_code == 422, change
        assert words in _field_error(refused.text, field), change
        if field != "name":
            assert 'value="Second wave"' in refused.text, change
    with rt.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Sequence)) == 1

    created = admin_client.post(f"/runs/{run_id}/sequences", data=good, follow_redirects=False)
    assert created.status_code == 303 and created.headers["location"].endswith("/lab")
    lab_page = admin_client.get(created.headers["location"])
    assert "Sequence “Second wave” created with 3 leads enrolled" in lab_page.text
    with rt.db.sessions() as session:
        sequence = session.scalars(Scope(session, workspace_id).select(Sequence).where(
            Sequence.name == "Second wave")).one()
        assert sequence.schedule == {"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00"}
        assert session.scalar(select(func.count()).where(Enrollment.sequence_id == sequence.id)) == 3


def test_the_step_editor_adds_moves_removes_and_saves_with_cumulative_days(admin_client, rt, workspace_id):
    lab = build_lab(rt, workspace_id, 1)
    url = f"/sequences/{lab.sequence_id}/steps"
    page = admin_client.get(url).text
    assert "Step 1 · Day 0" in page
    token = csrf_token(admin_client, url)
    rows = {"channel": ["email", "email"], "delay_days": ["0", "3"], "condition": ["always", "no_reply"],
            "intent": ["intro", "bump"], "purpose": ["", "short nudge"], "csrf_token": token}

    added = admin_client.post(url, data={**rows, "op": "add"})
    assert added.status_code == 200 and "Step 3 · Day 6" in added.text and "Not saved yet" in added.text
    moved = admin_client.post(url, data={**rows, "op": "up-2"})
    assert 'value="short nudge"' in moved.text and "Step 2 · Day 3" in moved.text
    assert moved.text.index('value="short nudge"') < moved.text.index('id="f-channel-2"')  # now the first row
    removed = admin_client.post(url, data={**rows, "op": "remove-1"})
    assert "Step 2" not in removed.text and 'value="short nudge"' in removed.text

    bad = admin_client.post(url, data={**rows, "delay_days": ["0", "lots"], "op": "save"})
    assert bad.status_code == 422 and "Enter a whole number from 0 to 365." in _field_error(bad.text, "delay_days-2")
    assert 'value="short nudge"' in bad.text
    forged = admin_client.post(url, data={**rows, "channel": ["email", "fax"], "op": "save"})
    assert forged.status_code == 422 and "must be one of" in _field_error(forged.text, "channel-2").lower()

    saved = admin_client.post(url, data={**rows, "delay_days": ["0", "4"], "op": "save"}, follow_redirects=False)
    assert saved.status_code == 303
    with rt.db.sessions() as session:
        steps = [(s.channel, s.delay_days, s.condition, s.purpose) for s in sequence_steps(session, lab.sequence_id)]
    assert steps == [("email", 0, "always", ""), ("email", 4, "no_reply", "short nudge")]
    dashboard = admin_client.get(f"/sequences/{lab.sequence_id}").text
    assert "Day 0" in dashboard and "Day 4" in dashboard

    with rt.db.transaction() as session:
        session.execute(update(Sequence).where(Sequence.id == lab.sequence_id).values(state="active"))
    assert "its steps cannot change under its leads" in admin_client.get(url).text
    late = admin_client.post(url, data={**rows, "op": "save"})
    assert late.status_code == 422 and "steps can only be edited before launch" in late.text


def test_the_dashboard_counts_leads_at_each_step_and_drills_into_them(admin_client, rt, workspace_id):
    lab = build_lab(rt, workspace_id, 5)
    with rt.db.transaction() as session:
        steps = sequence_steps(session, lab.sequence_id)
        enrollments = list(session.scalars(select(Enrollment).where(Enrollment.sequence_id == lab.sequence_id)
                                           .order_by(Enrollment.id)))
        # Two leads past step 1 (sent), one replied, one stopped; the rest wait at step 1.
        for enrollment in enrollments[:2]:
            enrollment.next_position = 2
            session.add(Message(workspace_id=workspace_id, enrollment_id=enrollment.id, step_id=steps[0].id,
                                channel=steps[0].channel, body="hi", generator="t", send_state="sent"))
        enrollments[2].state, enrollments[2].replied_at = "replied", rt.clock.now()
        enrollments[3].state, enrollments[3].stop_reason = "stopped", "bounced"
        session.execute(update(Sequence).where(Sequence.id == lab.sequence_id).values(state="active"))
        waiting_name = session.get(Lead, enrollments[4].lead_id).full_name
        past_names = {session.get(Lead, e.lead_id).full_name for e in enrollments[:2]}
    page = admin_client.get(f"/sequences/{lab.sequence_id}")
    cells = re.findall(r'<td class="num">(?:<a [^>]*>)?([\d,]+)', page.text)
    assert cells[:8] == ["1", "2", "0", "0", "2", "0", "0", "0"]  # step 1: waiting 1, sent 2; step 2: waiting 2
    assert "Replied <span class=\"count\">1</span>" in page.text and "bounced 1" in page.text
    assert 'hx-trigger="every 10s"' in page.text and "Pause the sequence" in page.text
    fragment = admin_client.get(f"/sequences/{lab.sequence_id}", headers=HTMX)
    assert "<html" not in fragment.text and 'id="sequence-counts"' in fragment.text

    at_step_1 = admin_client.get(f"/sequences/{lab.sequence_id}/leads?step=1").text
    assert waiting_name in at_step_1 and not past_names & set(re.findall(r'innerHTML">([^<]+)</a>', at_step_1))
    at_step_2 = set(re.findall(r'innerHTML">([^<]+)</a>', admin_client.get(
        f"/sequences/{lab.sequence_id}/leads?step=2").text))
    assert at_step_2 == past_names
    assert "bounced" in admin_client.get(f"/sequences/{lab.sequence_id}/leads?state=stopped").text

    token = csrf_token(admin_client, "/sequences")
    assert "paused" in admin_client.post(f"/sequences/{lab.sequence_id}/pause", data={"csrf_token": token}).text
    assert "resumed" in admin_client.post(f"/sequences/{lab.sequence_id}/resume", data={"csrf_token": token}).text
    again = admin_client.post(f"/sequences/{lab.sequence_id}/resume", data={"csrf_token": token})
    assert "Not resumed" in again.text


def test_the_sequences_page_follows_the_run_chosen_in_the_top_bar(admin_client, rt, workspace_id):
    lab = build_lab(rt, workspace_id, 1)
    with rt.db.sessions() as session:
        run_id = session.get(Sequence, lab.sequence_id).run_id
    everything = admin_client.get("/sequences").text
    assert "Lab run" in everything and "Choose a run in the top bar" in everything
    admin_client.post("/runs/select", data={"run_id": run_id, "csrf_token": csrf_token(admin_client, "/")})
    chosen = admin_client.get("/sequences").text
    assert "Sequences of “Lab run”" in chosen and f'href="/runs/{run_id}/sequences/new"' in chosen
    assert f'href="/runs/{run_id}">Open' in chosen  # the top bar links to the chosen run
    assert f'href="/sequences/{lab.sequence_id}/lab"' in admin_client.get("/lab").text
    with rt.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Step)) >= 1
