"""The public one-click unsubscribe: GET only asks, POST unsubscribes, a changed link does nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from outboard.core.suppression_keys import suppression_hash
from outboard.db.models import Enrollment, Event, Lead, Run, Sequence, StrategyProfileRow, Suppression
from outboard.db.scope import Scope
from outboard.send.email_message import make_unsubscribe_token
from tests.web.conftest import make_leads

ADDRESS = "lead0@acme.example"


def _entries(db, workspace_id):
    with db.sessions() as session:
        return session.scalars(select(Suppression).where(Suppression.workspace_id == workspace_id)).all()


def _enroll(db, workspace_id: int, lead_id: int) -> int:
    with db.transaction() as session:
        scope = Scope(session, workspace_id)
        run = scope.add(Run(name="Q2", play_key="cold-email-first", play_snapshot={}))
        profile = scope.add(StrategyProfileRow(name="Default", data={}))
        session.flush()
        sequence = scope.add(Sequence(run_id=run.id, name="Main", strategy_profile_id=profile.id))
        session.flush()
        enrollment = scope.add(Enrollment(sequence_id=sequence.id, lead_id=lead_id))
        session.flush()
        return enrollment.id


def test_get_asks_and_post_unsubscribes_without_any_cookie(app, rt, db, workspace_id):
    lead_id = make_leads(db, workspace_id, 1)[0]
    enrollment_id = _enroll(db, workspace_id, lead_id)
    token = make_unsubscribe_token(rt.settings.secret_key, workspace_id, enrollment_id, ADDRESS)
    with TestClient(app) as recipient:  # a mail provider: no session, no CSRF token
        page = recipient.get(f"/u/{token}")
        assert page.status_code == 200 and "le***@acme.example" in page.text and ADDRESS not in page.text
        assert 'name="List-Unsubscribe" value="One-Click"' in page.text
        assert page.headers["Referrer-Policy"] == "no-referrer" and "set-cookie" not in page.headers
        assert _entries(db, workspace_id) == []  # looking is not unsubscribing

        done = recipient.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200 and "You are unsubscribed" in done.text
        again = recipient.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"})
        assert again.status_code == 200
    entries = _entries(db, workspace_id)
    assert [(e.kind, e.reason, e.value_hash) for e in entries] == [("email", "opt_out",
                                                                   suppression_hash("email", ADDRESS))]
    with db.sessions() as session:
        assert session.get(Lead, lead_id).stop_reason == "opted_out"
        enrollment = session.get(Enrollment, enrollment_id)
        assert (enrollment.state, enrollment.stop_reason) == ("stopped", "opted_out")
        kinds = session.scalars(select(Event.kind).where(Event.lead_id == lead_id).order_by(Event.id)).all()
        assert kinds == ["lead_stopped", "enrollment_stopped"]


def test_a_changed_or_foreign_link_is_refused_and_changes_nothing(app, db, workspace_id, rt):
    token = make_unsubscribe_token(rt.settings.secret_key, workspace_id, 42, ADDRESS)
    body, _, mac = token.partition(".")
    other_address = make_unsubscribe_token(rt.settings.secret_key, workspace_id, 42, "boss@acme.example")
    # (A changed middle character: base32's last character also holds padding bits that decoding ignores.)
    tampered = [body + "." + mac[:3] + ("a" if mac[3] != "a" else "b") + mac[4:],
                other_address.partition(".")[0] + "." + mac,
                make_unsubscribe_token("another secret", workspace_id, 42, ADDRESS),
                "garbage", "x" * 2000]
    with TestClient(app) as recipient:
        for bad in tampered:
            assert recipient.get(f"/u/{bad}").status_code == 400
            response = recipient.post(f"/u/{bad}", data={"List-Unsubscribe": "One-Click"})
            assert response.status_code == 400 and "not valid" in response.text
    assert _entries(db, workspace_id) == []
