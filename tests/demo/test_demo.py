"""The README's first command: the demo runs the whole pipeline and its report matches the database."""

from collections import Counter
from functools import partial

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from outboard.cli.progress import run_job_with_progress
from outboard.db.models import Enrollment, InboundMessage, Lead, Message, Suppression
from outboard.demo.run import DemoScale, run_demo


def test_the_demo_runs_every_stage_and_reports_what_the_database_holds(tmp_path):
    report = run_demo(tmp_path / "demo-out", partial(run_job_with_progress, show=False),
                      scale=DemoScale(people=3000, leads=24))
    stages = [stage for stage, _ in report.steps]
    assert stages == ["setup", "index", "search", "save", "enrich", "write", "launch", "replies"]
    engine = create_engine(report.database_url)
    with Session(engine) as session:
        by_stage = Counter(session.scalars(select(Lead.stage)))
        assert {s.value: n for s, n in report.pipeline.by_stage.items() if n} == dict(by_stage)
        sent = Counter(session.scalars(select(Message.channel).where(Message.sent_at.is_not(None))))
        assert report.stats.emails_sent == sent["email"] and report.stats.invites_sent == sent["linkedin_invite"]
        # The inbox read every kind of answer the prospects sent, and acted on it.
        kinds = Counter(session.scalars(select(InboundMessage.kind)))
        assert kinds["reply"] >= 1 and kinds["bounce"] >= 1 and kinds["out_of_office"] >= 1
        assert session.scalar(select(func.count()).where(Suppression.reason == "hard_bounce")) >= 1
        replied = session.scalars(select(Enrollment.id).where(Enrollment.state == "replied")).all()
        assert len(replied) == report.stats.enrollments.get("replied", 0) >= 1
        # Rule 2: nothing automated went out after a reply.
        for enrollment in session.scalars(select(Enrollment).where(Enrollment.replied_at.is_not(None))):
            late = session.scalar(select(func.count()).where(
                Message.enrollment_id == enrollment.id, Message.sent_at > enrollment.replied_at))
            assert late == 0
        # Rule 1: every email went out once.
        ids = session.scalars(select(Message.smtp_message_id).where(Message.sent_at.is_not(None),
                                                                    Message.channel == "email")).all()
        assert len(ids) == len(set(ids))
    delivered = sorted((report.sent_mail).glob("*.eml"))
    assert len(delivered) == report.stats.emails_sent
    engine.dispose()
