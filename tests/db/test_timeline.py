"""Every stage and state change writes an event; an illegal one writes nothing and changes nothing."""

import pytest
from sqlalchemy import select

from outboard.core.errors import IllegalTransition
from outboard.core.lifecycle import Lifecycle
from outboard.core.stages import LeadStage, StopReason
from outboard.db.models import Event, Lead, Run
from outboard.db.timeline import move_lead, move_run, reach_lead_stage, stop_lead


def _lead(db, workspace_id):
    with db.transaction() as session:
        lead = Lead(workspace_id=workspace_id, full_name="Grace Hopper")
        session.add(lead)
        session.flush()
        return lead.id


def _events(db, kind):
    with db.sessions() as session:
        return list(session.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


def test_stage_moves_write_events_with_the_simulated_time(db, workspace_id, clock):
    lead_id = _lead(db, workspace_id)
    with db.transaction() as session:
        lead = session.get(Lead, lead_id)
        reach_lead_stage(session, lead, LeadStage.MESSAGE_GENERATED, cause="test")
    events = _events(db, "stage_changed")
    assert [(e.data["from"], e.data["to"]) for e in events] == [
        ("discovered", "profile_enriched"), ("profile_enriched", "message_generated")]
    assert all(e.occurred_at == clock.now() and e.lead_id == lead_id for e in events)


def test_an_illegal_stage_move_changes_nothing(db, workspace_id):
    lead_id = _lead(db, workspace_id)
    with pytest.raises(IllegalTransition), db.transaction() as session:
        move_lead(session, session.get(Lead, lead_id), LeadStage.REPLIED)
    with db.sessions() as session:
        assert session.get(Lead, lead_id).stage == "discovered"
    assert _events(db, "stage_changed") == []


def test_stop_reasons_are_events_and_an_opt_out_is_never_replaced(db, workspace_id):
    lead_id = _lead(db, workspace_id)
    with db.transaction() as session:
        lead = session.get(Lead, lead_id)
        stop_lead(session, lead, StopReason.OPTED_OUT)
        assert stop_lead(session, lead, StopReason.BOUNCED) is None
    with db.sessions() as session:
        assert session.get(Lead, lead_id).stop_reason == "opted_out"
    assert len(_events(db, "lead_stopped")) == 1


def test_run_lifecycle_moves_write_events(db, workspace_id):
    with db.transaction() as session:
        run = Run(workspace_id=workspace_id, name="Q1", play_key="cold", play_snapshot={})
        session.add(run)
        session.flush()
        move_run(session, run, Lifecycle.ACTIVE)
        move_run(session, run, Lifecycle.PAUSED)
        move_run(session, run, Lifecycle.ACTIVE)
        with pytest.raises(IllegalTransition):
            move_run(session, run, Lifecycle.DRAFT)
        assert run.state == "active" and run.activated_at is not None
    assert [(e.data["from"], e.data["to"]) for e in _events(db, "run_state_changed")] == [
        ("draft", "active"), ("active", "paused"), ("paused", "active")]
