"""Writing a sequence's messages into a real database (SQLite and PostgreSQL): every lead gets one message
per step with hooks that point at its real facts, the stage moves, the ledger is charged once per text, an
unchanged lead costs nothing the second time, a failing LLM stores nothing approvable, a budget stops the
work, and a job restarted after a crash neither redoes nor re-charges finished leads."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from outboard.core.stages import LeadStage
from outboard.db.models import (
    EnrichmentCache,
    Enrollment,
    Event,
    Lead,
    Message,
    Sequence,
    UsageEntry,
    Workspace,
)
from outboard.db.profiles import lead_profile
from outboard.db.usage import BudgetSpent
from outboard.devservers.openai_server import OpenAIServer, Reply
from outboard.jobs.progress import read_job
from outboard.jobs.runner import submit
from outboard.runtime import Runtime
from outboard.send.campaigns import sequence_steps
from outboard.send.launch import readiness
from outboard.write.generate import generate_messages, regenerate_messages
from outboard.write.llm import LLMConfig, LLMWriter
from outboard.write.store_cache import DbDraftCache
from tests.write.lab_setup import Lab, build_lab


def _messages(rt: Runtime, lab: Lab) -> list[Message]:
    with rt.db.sessions() as session:
        return list(session.scalars(select(Message).where(Message.workspace_id == lab.workspace_id)
                                    .order_by(Message.enrollment_id, Message.step_id)))


def _ledger(rt: Runtime, workspace_id: int) -> list[UsageEntry]:
    with rt.db.sessions() as session:
        return list(session.scalars(select(UsageEntry).where(UsageEntry.workspace_id == workspace_id)))


def _with_llm(rt: Runtime, server: OpenAIServer) -> Runtime:
    rt.settings = rt.settings.model_copy(update={"llm_base_url": server.base_url, "llm_model": server.model})
    return rt


def _fast_writer(rt: Runtime, server: OpenAIServer, workspace_id: int, *, cached: bool = True,
                 **config: object) -> LLMWriter:
    settings = {"backoff_base_s": 0.01, "backoff_max_s": 0.02, "max_attempts": 2, "malformed_attempts": 2,
                **config}
    return LLMWriter(LLMConfig(base_url=server.base_url, model=server.model, **settings),  # type: ignore[arg-type]
                     cache=DbDraftCache(rt.db, workspace_id, server.model) if cached else None)


def test_the_composer_writes_every_step_from_real_facts_and_charges_once(rt: Runtime, workspace_id: int) -> None:
    lab = build_lab(rt, workspace_id, 8)
    seen: list[tuple[int, int | None]] = []
    report = generate_messages(rt, workspace_id, lab.sequence_id, batch_size=3,
                               progress=lambda done, total, _message: seen.append((done, total)))
    assert (report.leads, report.written, report.failed, report.writer) == (8, 8, 0, "composer")
    assert seen == [(0, 8), (3, 8), (6, 8), (8, 8)]
    messages = _messages(rt, lab)
    with rt.db.sessions() as session:
        steps = sequence_steps(session, lab.sequence_id)
        assert len(messages) == 8 * len(steps) == report.created
        per_enrollment = Counter(m.enrollment_id for m in messages)
        assert set(per_enrollment.values()) == {len(steps)}
        assert {(m.enrollment_id, m.step_id) for m in messages} == {(e, s.id) for e in per_enrollment for s in steps}
        hooked = 0
        for message in messages:
            assert message.review_state == "draft" and message.generator == "composer" and message.prompt_version
            assert message.findings == [] and message.body.strip()
            lead = session.get(Lead, _lead_of(session, message))
            profile = lead_profile(session, lead)
            for hook in message.hooks:
                hooked += 1
                assert set(hook) == {"fact_path", "fact_text", "kind", "summary", "score", "fact_date"}
                fact = profile.fact(hook["fact_path"])
                assert (fact.isoformat() if isinstance(fact, date) else str(fact)) == hook["fact_text"]
        assert hooked >= 4
        stages = set(session.scalars(select(Lead.stage).where(Lead.id.in_(lab.lead_ids))))
        assert stages == {LeadStage.MESSAGE_GENERATED.value}
        events = session.scalar(select(func.count()).select_from(Event).where(Event.kind == "messages_generated"))
        assert events == 8
    ledger = _ledger(rt, workspace_id)
    assert len(ledger) == len(messages) and {e.kind for e in ledger} == {"message_generated"}
    assert sum(e.credits for e in ledger) == 2 * len(messages) == report.credits
    assert {e.ref.split(":")[1] for e in ledger} == {str(m.id) for m in messages}

    again = generate_messages(rt, workspace_id, lab.sequence_id)
    assert (again.written, again.unchanged, again.credits, again.created, again.updated) == (0, 8, 0, 0, 0)
    assert len(_ledger(rt, workspace_id)) == len(messages)
    assert [(m.id, m.body, m.updated_at) for m in _messages(rt, lab)] == [(m.id, m.body, m.updated_at)
                                                                          for m in messages]


def _lead_of(session: Session, message: Message) -> int:
    return session.get(Enrollment, message.enrollment_id).lead_id


def test_a_failing_llm_stores_nothing_approvable(rt: Runtime, workspace_id: int, server: OpenAIServer) -> None:
    lab = build_lab(rt, workspace_id, 4)
    writer = _fast_writer(rt, server, workspace_id, concurrency=1)
    # One request at a time, in lead order: 500 twice, malformed twice, a refusal, then a good answer.
    server.script(Reply.error(500), Reply.error(500), Reply.malformed(), Reply.raw("not json at all"),
                  Reply.refusal())
    report = generate_messages(rt, workspace_id, lab.sequence_id, writer=writer)
    assert (report.failed, report.written) == (3, 1)
    assert [f.code for f in report.failures] == ["server_error", "malformed_output", "refused"]
    assert [f.lead_id for f in report.failures] == lab.lead_ids[:3]
    assert all(f.message for f in report.failures)
    messages = _messages(rt, lab)
    with rt.db.sessions() as session:
        written_for = {_lead_of(session, m) for m in messages}
        assert written_for == {lab.lead_ids[3]}
        stages = dict(session.execute(select(Lead.id, Lead.stage).where(Lead.id.in_(lab.lead_ids))).all())
        assert [stages[i] for i in lab.lead_ids[:3]] != [LeadStage.MESSAGE_GENERATED.value] * 3
        assert stages[lab.lead_ids[3]] == LeadStage.MESSAGE_GENERATED.value
        failed = list(session.scalars(select(Event).where(Event.kind == "message_generation_failed")))
        assert sorted(e.lead_id for e in failed) == sorted(lab.lead_ids[:3])
        codes = {f.code for f in readiness(session, session.get(Sequence, lab.sequence_id), rt.clock.now())}
        assert "messages_missing" in codes
    assert len(_ledger(rt, workspace_id)) == len(messages)

    # A regenerate that fails (no cache to answer from) leaves the lead's messages exactly as they were.
    before = [(m.id, m.body, m.review_state) for m in messages]
    server.script(Reply.error(500), Reply.error(500))
    failed_again = regenerate_messages(rt, workspace_id, [messages[0].id], writer=_fast_writer(
        rt, server, workspace_id, cached=False))
    assert failed_again.failed == 1 and failed_again.failures[0].code == "server_error"
    assert [(m.id, m.body, m.review_state) for m in _messages(rt, lab)] == before


def test_a_spent_budget_stops_generation_where_it_is(rt: Runtime, workspace_id: int) -> None:
    lab = build_lab(rt, workspace_id, 4)
    with rt.db.transaction() as session:
        session.execute(update(Workspace).where(Workspace.id == workspace_id).values(credit_budget=20))
    with pytest.raises(BudgetSpent, match="2 leads were written before it ran out"):
        generate_messages(rt, workspace_id, lab.sequence_id, batch_size=1)
    ledger = _ledger(rt, workspace_id)
    assert sum(e.credits for e in ledger) == 16 <= 20 and len(_messages(rt, lab)) == 8


class Crash(BaseException):
    """Stands for the worker process dying mid-job (not an error the job could catch)."""


def test_the_llm_job_restarts_after_a_crash_meters_tokens_and_never_pays_twice(rt: Runtime, workspace_id: int,
                                                                              server: OpenAIServer) -> None:
    lab = build_lab(rt, workspace_id, 6, play="cold-linkedin-first")
    calls = 0

    def die_after_first_batch(done: int, total: int | None, message: str | None) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise Crash

    with pytest.raises(Crash):
        generate_messages(rt, workspace_id, lab.sequence_id, writer=_fast_writer(rt, server, workspace_id),
                          batch_size=2, progress=die_after_first_batch)
    assert len(server.requests) == 2 and len(_messages(rt, lab)) == 2 * 4

    # The job runs the whole sequence again: the two finished leads cost no call and no credit.
    _with_llm(rt, server)
    job = read_job(rt.db, submit(rt, workspace_id, "generate_messages", {"sequence_id": lab.sequence_id,
                                                                         "writer": "llm"}))
    assert job.state == "succeeded", job.error
    assert (job.done, job.total) == (6, 6)
    assert (job.result["unchanged"], job.result["written"], job.result["llm_calls"]) == (2, 4, 4)
    assert len(server.requests) == 6  # one call per lead over both runs
    messages = _messages(rt, lab)
    assert {m.generator for m in messages} == {f"llm:{server.model}"}
    assert all(m.findings == [] for m in messages)
    ledger = _ledger(rt, workspace_id)
    assert len(messages) == 6 * 4 == len(ledger) and sum(e.credits for e in ledger) == 2 * len(messages)
    assert sum(e.tokens_in for e in ledger) > job.result["tokens_in"] > 0  # both runs' tokens, once each
    assert sum(e.tokens_out for e in ledger) > job.result["tokens_out"] > 0
    with rt.db.sessions() as session:
        assert set(session.scalars(select(EnrichmentCache.provider))) == {f"writer:{server.model}"}
        assert session.scalar(select(func.count()).select_from(EnrichmentCache)) == 6

    # Unchanged leads again, the whole sequence and then one message explicitly: no call, no credit.
    server.reset()
    second = read_job(rt.db, submit(rt, workspace_id, "generate_messages", {"sequence_id": lab.sequence_id}))
    assert second.state == "succeeded" and (second.result["unchanged"], second.result["cached"]) == (6, 6)
    report = regenerate_messages(rt, workspace_id, [messages[0].id])
    assert (report.llm_calls, report.credits, report.unchanged) == (0, 0, 1)
    assert server.requests == [] and len(_ledger(rt, workspace_id)) == len(ledger)
    assert [m.body for m in _messages(rt, lab)] == [m.body for m in messages]
