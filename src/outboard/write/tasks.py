"""The "generate_messages" background job, and starting it (the CLI and the web app both do it this way).

Restartable: running the job again after a crash continues where it stopped. Leads whose messages are
already current cost no call (draft cache) and no credit (ledger refs), see write.generate.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from outboard.core.errors import NotFound, ValidationError
from outboard.db.models import Message
from outboard.jobs.progress import Progress
from outboard.jobs.registry import job_kind
from outboard.jobs.runner import submit
from outboard.runtime import Runtime, runtime
from outboard.write.configured import writer_name
from outboard.write.generate import check_selection, generate_messages, regenerate_messages

KIND = "generate_messages"


@job_kind(KIND)
def generate_messages_job(progress: Progress, *, workspace_id: int, sequence_id: int | None = None,
                          lead_ids: list[int] | None = None, enrollment_ids: list[int] | None = None,
                          sample: int | None = None, message_ids: list[int] | None = None,
                          writer: str | None = None, force: bool = False, user_id: int | None = None,
                          **_: Any) -> dict[str, Any]:
    rt = runtime()
    if message_ids:
        report = regenerate_messages(rt, workspace_id, message_ids, writer=writer, user_id=user_id,
                                     progress=progress.update)
    else:
        if sequence_id is None:
            raise ValidationError("sequence_id", "a generation job needs a sequence or message ids")
        report = generate_messages(rt, workspace_id, sequence_id, lead_ids=lead_ids or (),
                                   enrollment_ids=enrollment_ids or (), sample=sample, writer=writer, force=force,
                                   user_id=user_id, progress=progress.update)
    return report.as_dict()


def generation_params(rt: Runtime, workspace_id: int, sequence_id: int, *, lead_ids: Iterable[int] = (),
                      enrollment_ids: Iterable[int] = (), sample: int | None = None, writer: str | None = None,
                      force: bool = False, user_id: int | None = None) -> dict[str, Any]:
    """Check what can be checked before queueing (the sequence exists and is Draft, the writer is configured)
    so that a mistake is one clear error now, not a failed job later."""
    name = writer_name(rt.settings, writer)
    lead_ids, enrollment_ids = list(lead_ids), list(enrollment_ids)
    with rt.db.sessions() as session:
        check_selection(session, workspace_id, sequence_id, lead_ids=lead_ids, enrollment_ids=enrollment_ids,
                        sample=sample)
    return {"sequence_id": sequence_id, "lead_ids": lead_ids, "enrollment_ids": enrollment_ids,
            "sample": sample, "writer": name, "force": force, "user_id": user_id}


def regeneration_params(rt: Runtime, workspace_id: int, message_ids: Iterable[int], *, writer: str | None = None,
                        user_id: int | None = None) -> dict[str, Any]:
    ids = list(dict.fromkeys(message_ids))
    name = writer_name(rt.settings, writer)
    with rt.db.sessions() as session:
        found = set(session.scalars(select(Message.id).where(Message.workspace_id == workspace_id,
                                                              Message.id.in_(ids))))
    missing = [i for i in ids if i not in found]
    if missing or not ids:
        raise NotFound(f"message {missing[0]} not found" if missing else "no message to regenerate")
    return {"message_ids": ids, "writer": name, "user_id": user_id}


def start_generation(rt: Runtime, workspace_id: int, sequence_id: int, **options: Any) -> int:
    """Queue a generation job; returns its id (progress on the job row). Options as generation_params."""
    return submit(rt, workspace_id, KIND, generation_params(rt, workspace_id, sequence_id, **options))


def start_regeneration(rt: Runtime, workspace_id: int, message_ids: Iterable[int], **options: Any) -> int:
    return submit(rt, workspace_id, KIND, regeneration_params(rt, workspace_id, message_ids, **options))
