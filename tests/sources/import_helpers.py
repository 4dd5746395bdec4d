"""Shared by the import tests: writing files, counting rows, reading leads back."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from sqlalchemy import func, inspect, select

from outboard.db.database import Database
from outboard.db.models import Base, FieldProvenance, Lead

DATA = Path(__file__).parent / "data"
# The fixture files and the options they need (crm_custom.tsv has no known columns: a mapping file).
FIXTURES = {
    "sales_navigator.csv": {}, "apollo.csv": {}, "hubspot.csv": {}, "linkedin_connections.csv": {},
    "generic_de.csv": {}, "enrichment.jsonl": {}, "crm_custom.tsv": {"mapping": str(DATA / "crm_mapping.toml")},
}


def write_csv(path: Path, header: list[str], rows: list[list[str]], *, delimiter: str = ",",
              encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def table_counts(db: Database) -> dict[str, int]:
    """Rows per table, for every table of the models that the database has."""
    present = set(inspect(db.engine).get_table_names())
    with db.sessions() as session:
        return {t.name: session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables
                if t.name in present}


def leads_by_email(db: Database, workspace_id: int) -> dict[str, Lead]:
    with db.sessions() as session:
        return {lead.email: lead for lead in session.scalars(select(Lead).where(Lead.workspace_id == workspace_id))
                if lead.email}


def all_leads(db: Database, workspace_id: int) -> list[Lead]:
    with db.sessions() as session:
        return list(session.scalars(select(Lead).where(Lead.workspace_id == workspace_id).order_by(Lead.id)))


def provenance(db: Database, lead_id: int) -> list[dict[str, Any]]:
    with db.sessions() as session:
        return [{"field": p.field, "value": p.value, "source": p.source, "is_current": p.is_current,
                 "conflict": p.conflict}
                for p in session.scalars(select(FieldProvenance).where(FieldProvenance.lead_id == lead_id)
                                         .order_by(FieldProvenance.id))]


def identity_keys(db: Database, workspace_id: int) -> set[tuple[str | None, str | None, str | None]]:
    return {(lead.linkedin_key, lead.email_key, lead.name_domain_key) for lead in all_leads(db, workspace_id)}


def enroll(db: Database, workspace_id: int, lead_id: int) -> tuple[int, int]:
    """Put a lead in a sequence with one email step and a message: (enrollment id, message id)."""
    from outboard.db.models import Enrollment, Message, Run, Sequence, Step, StrategyProfileRow

    with db.transaction() as session:
        run = Run(workspace_id=workspace_id, name="Run", play_key="cold-email", play_snapshot={})
        strategy = StrategyProfileRow(workspace_id=workspace_id, name=f"Strategy {lead_id}", data={})
        session.add_all([run, strategy])
        session.flush()
        sequence = Sequence(workspace_id=workspace_id, run_id=run.id, name="Sequence", strategy_profile_id=strategy.id)
        session.add(sequence)
        session.flush()
        step = Step(sequence_id=sequence.id, position=1, channel="email", delay_days=0)
        enrollment = Enrollment(workspace_id=workspace_id, sequence_id=sequence.id, lead_id=lead_id)
        session.add_all([step, enrollment])
        session.flush()
        message = Message(workspace_id=workspace_id, enrollment_id=enrollment.id, step_id=step.id, channel="email",
                          subject="Hello", body="Hi there", generator="composer")
        session.add(message)
        session.flush()
        return enrollment.id, message.id
