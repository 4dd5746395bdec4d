"""Identity keys and one-message-per-step hold in the database itself, even when Python is bypassed."""

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError

from outboard.db.models import Enrollment, Lead, Message, Run, Sequence, Step, StrategyProfileRow


def _lead_row(workspace_id, **keys):
    row = {"workspace_id": workspace_id, "full_name": "Ada Lovelace", "first_name": "Ada", "last_name": "Lovelace",
           "profile": {}, "stage": "discovered", "is_sample": False, "created_at": None}
    row.update(keys)
    return row


def _raw_insert(db, table, **values):
    from datetime import UTC, datetime

    values = {k: (datetime.now(UTC) if v is None and k.endswith("_at") else v) for k, v in values.items()}
    with db.engine.begin() as connection:
        connection.execute(insert(table.__table__).values(**values))


@pytest.mark.parametrize("key,value", [("linkedin_key", "ada-lovelace"), ("email_key", "ada@analytical.test"),
                                       ("name_domain_key", "ada lovelace|analytical.test")])
def test_lead_identity_keys_are_unique_per_workspace_in_the_database(db, workspace_id, key, value):
    _raw_insert(db, Lead, **_lead_row(workspace_id, **{key: value}))
    with pytest.raises(IntegrityError):
        _raw_insert(db, Lead, **_lead_row(workspace_id, **{key: value}))


def test_null_identity_keys_do_not_collide(db, workspace_id):
    _raw_insert(db, Lead, **_lead_row(workspace_id))
    _raw_insert(db, Lead, **_lead_row(workspace_id))


def test_the_same_person_may_exist_in_two_workspaces(db, workspace_id):
    from outboard.team.workspaces import create_workspace

    with db.transaction() as session:
        other, _, _ = create_workspace(session, "Other", "o@other.test", "correct horse battery")
    _raw_insert(db, Lead, **_lead_row(workspace_id, email_key="ada@analytical.test"))
    _raw_insert(db, Lead, **_lead_row(other.id, email_key="ada@analytical.test"))


def test_a_stage_outside_the_list_is_refused_by_the_database(db, workspace_id):
    with pytest.raises(IntegrityError):
        _raw_insert(db, Lead, **_lead_row(workspace_id, stage="hot"))


def _enrollment(db, workspace_id):
    with db.transaction() as session:
        run = Run(workspace_id=workspace_id, name="r", play_key="p", play_snapshot={})
        profile = StrategyProfileRow(workspace_id=workspace_id, name="s", data={})
        lead = Lead(**{k: v for k, v in _lead_row(workspace_id).items() if k != "created_at"})
        session.add_all([run, profile, lead])
        session.flush()
        sequence = Sequence(workspace_id=workspace_id, run_id=run.id, name="q", strategy_profile_id=profile.id)
        session.add(sequence)
        session.flush()
        step = Step(sequence_id=sequence.id, position=1, channel="email", delay_days=0)
        enrollment = Enrollment(workspace_id=workspace_id, sequence_id=sequence.id, lead_id=lead.id)
        session.add_all([step, enrollment])
        session.flush()
        return enrollment.id, step.id, sequence.id


def test_one_message_per_enrollment_and_step_in_the_database(db, workspace_id):
    enrollment_id, step_id, _ = _enrollment(db, workspace_id)
    row = {"workspace_id": workspace_id, "enrollment_id": enrollment_id, "step_id": step_id, "channel": "email",
           "body": "hi", "hooks": [], "findings": [], "generator": "t", "prompt_version": "", "review_state": "draft",
           "send_state": "scheduled", "attempts": 0, "created_at": None}
    _raw_insert(db, Message, **row)
    with pytest.raises(IntegrityError):
        _raw_insert(db, Message, **row)


@pytest.mark.parametrize("column,value", [("delay_days", -1), ("channel", "fax"), ("condition", "maybe")])
def test_step_definitions_are_checked_by_the_database(db, workspace_id, column, value):
    _, _, sequence_id = _enrollment(db, workspace_id)
    row = {"sequence_id": sequence_id, "position": 2, "channel": "email", "delay_days": 1, "condition": "always",
           "purpose": ""}
    row[column] = value
    with pytest.raises(IntegrityError):
        _raw_insert(db, Step, **row)


def test_deleting_a_lead_removes_its_enrollments_and_messages(db, workspace_id):
    _enrollment(db, workspace_id)
    with db.engine.begin() as connection:
        connection.execute(text("DELETE FROM leads"))
        assert connection.execute(text("SELECT count(*) FROM enrollments")).scalar() == 0


def test_a_strategy_profile_in_use_cannot_be_deleted(db, workspace_id):
    _enrollment(db, workspace_id)
    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        connection.execute(text("DELETE FROM strategy_profiles"))
