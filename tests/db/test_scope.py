"""A workspace cannot read another workspace's rows through the data access layer."""

import pytest

from outboard.core.errors import NotFound
from outboard.db.models import Lead, Workspace
from outboard.db.scope import Scope
from outboard.team.workspaces import create_workspace


def test_scoped_reads_never_cross_workspaces(db, workspace_id):
    with db.transaction() as session:
        other, _, _ = create_workspace(session, "Rival", "r@rival.test", "correct horse battery")
        theirs = Scope(session, other.id).add(Lead(full_name="Their Lead"))
        ours = Scope(session, workspace_id).add(Lead(full_name="Our Lead"))
        session.flush()
        theirs_id, ours_id = theirs.id, ours.id
    with db.sessions() as session:
        scope = Scope(session, workspace_id)
        assert [lead.full_name for lead in session.scalars(scope.select(Lead))] == ["Our Lead"]
        assert scope.get(Lead, ours_id).full_name == "Our Lead"
        with pytest.raises(NotFound, match=f"lead {theirs_id} not found"):
            scope.get(Lead, theirs_id)


def test_models_without_a_workspace_column_cannot_be_scoped_by_mistake(db, workspace_id):
    with db.sessions() as session, pytest.raises(TypeError, match="no workspace_id"):
        Scope(session, workspace_id).select(Workspace)
