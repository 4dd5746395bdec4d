"""sequence dashboard tallies kept by triggers

Hand-written, never regenerated. Triggers append +1 / -1 rows to `enrollment_tallies` (per sequence,
position, state, stop reason) and `message_tallies` (per step and send state) whenever an enrollment or a
message is inserted, deleted, or changes one of those columns; see `outboard.db.models.tallies`. A delete
that comes from deleting the sequence (or step) itself records nothing: the parent's own delete trigger
drops its tallies. The upgrade counts what already exists.

Revision ID: 0003_sequence_tallies
Revises: 0002_prospect_index_search
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003_sequence_tallies"
down_revision: str | None = "0002_prospect_index_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_E = "enrollment_tallies (sequence_id, next_position, state, stop_reason, delta)"
_M = "message_tallies (step_id, send_state, delta)"


def _e(row: str, delta: int) -> str:
    return f"({row}.sequence_id, {row}.next_position, {row}.state, {row}.stop_reason, {delta})"


def _m(row: str, delta: int) -> str:
    return f"({row}.step_id, {row}.send_state, {delta})"


_E_CHANGED = ("old.sequence_id IS NOT new.sequence_id OR old.next_position IS NOT new.next_position "
              "OR old.state IS NOT new.state OR old.stop_reason IS NOT new.stop_reason")
_M_CHANGED = "old.step_id IS NOT new.step_id OR old.send_state IS NOT new.send_state"

BACKFILL = (
    f"INSERT INTO {_E} SELECT sequence_id, next_position, state, stop_reason, count(*) FROM enrollments "
    "GROUP BY sequence_id, next_position, state, stop_reason",
    f"INSERT INTO {_M} SELECT step_id, send_state, count(*) FROM messages GROUP BY step_id, send_state",
)

SQLITE_UP = (
    f"""CREATE TRIGGER enrollments_tally_insert AFTER INSERT ON enrollments BEGIN
        INSERT INTO {_E} VALUES {_e("new", 1)};
    END""",
    f"""CREATE TRIGGER enrollments_tally_update
    AFTER UPDATE OF sequence_id, next_position, state, stop_reason ON enrollments WHEN {_E_CHANGED} BEGIN
        INSERT INTO {_E} VALUES {_e("old", -1)}, {_e("new", 1)};
    END""",
    f"""CREATE TRIGGER enrollments_tally_delete AFTER DELETE ON enrollments
    WHEN EXISTS (SELECT 1 FROM sequences WHERE id = old.sequence_id) BEGIN
        INSERT INTO {_E} VALUES {_e("old", -1)};
    END""",
    """CREATE TRIGGER sequences_tally_delete AFTER DELETE ON sequences BEGIN
        DELETE FROM enrollment_tallies WHERE sequence_id = old.id;
    END""",
    f"""CREATE TRIGGER messages_tally_insert AFTER INSERT ON messages BEGIN
        INSERT INTO {_M} VALUES {_m("new", 1)};
    END""",
    f"""CREATE TRIGGER messages_tally_update AFTER UPDATE OF step_id, send_state ON messages
    WHEN {_M_CHANGED} BEGIN
        INSERT INTO {_M} VALUES {_m("old", -1)}, {_m("new", 1)};
    END""",
    f"""CREATE TRIGGER messages_tally_delete AFTER DELETE ON messages
    WHEN EXISTS (SELECT 1 FROM steps WHERE id = old.step_id) BEGIN
        INSERT INTO {_M} VALUES {_m("old", -1)};
    END""",
    """CREATE TRIGGER steps_tally_delete AFTER DELETE ON steps BEGIN
        DELETE FROM message_tallies WHERE step_id = old.id;
    END""",
)
SQLITE_DOWN = tuple(f"DROP TRIGGER IF EXISTS {name}" for name in (
    "enrollments_tally_insert", "enrollments_tally_update", "enrollments_tally_delete", "sequences_tally_delete",
    "messages_tally_insert", "messages_tally_update", "messages_tally_delete", "steps_tally_delete"))

# PostgreSQL: one function per table; in a cascade from the parent, the parent row is already gone.
POSTGRES_UP = (
    f"""CREATE FUNCTION enrollments_tally() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO {_E} VALUES {_e("NEW", 1)};
        ELSIF TG_OP = 'UPDATE' THEN
            INSERT INTO {_E} VALUES {_e("OLD", -1)}, {_e("NEW", 1)};
        ELSIF EXISTS (SELECT 1 FROM sequences WHERE id = OLD.sequence_id) THEN
            INSERT INTO {_E} VALUES {_e("OLD", -1)};
        END IF;
        RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION messages_tally() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO {_M} VALUES {_m("NEW", 1)};
        ELSIF TG_OP = 'UPDATE' THEN
            INSERT INTO {_M} VALUES {_m("OLD", -1)}, {_m("NEW", 1)};
        ELSIF EXISTS (SELECT 1 FROM steps WHERE id = OLD.step_id) THEN
            INSERT INTO {_M} VALUES {_m("OLD", -1)};
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION sequences_tally_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM enrollment_tallies WHERE sequence_id = OLD.id;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION steps_tally_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM message_tallies WHERE step_id = OLD.id;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER enrollments_tally AFTER INSERT OR DELETE ON enrollments "
    "FOR EACH ROW EXECUTE FUNCTION enrollments_tally()",
    "CREATE TRIGGER enrollments_tally_update AFTER UPDATE OF sequence_id, next_position, state, stop_reason "
    f"ON enrollments FOR EACH ROW WHEN ({_E_CHANGED.replace(' IS NOT ', ' IS DISTINCT FROM ')}) "
    "EXECUTE FUNCTION enrollments_tally()",
    "CREATE TRIGGER sequences_tally_delete AFTER DELETE ON sequences "
    "FOR EACH ROW EXECUTE FUNCTION sequences_tally_delete()",
    "CREATE TRIGGER messages_tally AFTER INSERT OR DELETE ON messages FOR EACH ROW EXECUTE FUNCTION messages_tally()",
    "CREATE TRIGGER messages_tally_update AFTER UPDATE OF step_id, send_state ON messages FOR EACH ROW "
    f"WHEN ({_M_CHANGED.replace(' IS NOT ', ' IS DISTINCT FROM ')}) EXECUTE FUNCTION messages_tally()",
    "CREATE TRIGGER steps_tally_delete AFTER DELETE ON steps FOR EACH ROW EXECUTE FUNCTION steps_tally_delete()",
)
POSTGRES_DOWN = (
    "DROP TRIGGER IF EXISTS enrollments_tally ON enrollments",
    "DROP TRIGGER IF EXISTS enrollments_tally_update ON enrollments",
    "DROP TRIGGER IF EXISTS sequences_tally_delete ON sequences",
    "DROP TRIGGER IF EXISTS messages_tally ON messages",
    "DROP TRIGGER IF EXISTS messages_tally_update ON messages",
    "DROP TRIGGER IF EXISTS steps_tally_delete ON steps",
    "DROP FUNCTION IF EXISTS enrollments_tally()",
    "DROP FUNCTION IF EXISTS messages_tally()",
    "DROP FUNCTION IF EXISTS sequences_tally_delete()",
    "DROP FUNCTION IF EXISTS steps_tally_delete()",
)


def _run(statements: Sequence[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _run(SQLITE_UP if dialect == "sqlite" else POSTGRES_UP)
    _run(BACKFILL)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    _run(SQLITE_DOWN if dialect == "sqlite" else POSTGRES_DOWN)
    _run(("DELETE FROM enrollment_tallies", "DELETE FROM message_tallies"))
