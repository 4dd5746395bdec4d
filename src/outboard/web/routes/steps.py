"""The step editor of a Draft sequence: channel, delay, condition, what the step is for; add, remove and
reorder rows (plain form buttons, so it works with the keyboard and without script), then save them all
with send.campaigns.set_steps."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from outboard.api.params import ObjectId
from outboard.api.services.sequences import check_steps
from outboard.core.errors import OutboardError, ValidationError
from outboard.core.plays import STEP_INTENTS
from outboard.db.models import Sequence
from outboard.db.scope import Scope
from outboard.runtime import Runtime
from outboard.send.campaigns import StepInput, sequence_steps, set_steps
from outboard.web.deps import Viewer, csrf_protect, db_session, runtime_of, viewer, web_session
from outboard.web.forms import FormState
from outboard.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)])
MAX_STEPS = 20
COLUMNS = ("channel", "delay_days", "condition", "intent", "purpose")
_STEP_FIELD = re.compile(r"^steps\[(\d+)\]\.(\w+)$")


@dataclass
class Row:
    channel: str = "email"
    delay_days: str = "3"
    condition: str = "no_reply"
    intent: str = "bump"
    purpose: str = ""


def _form(rows: list[Row]) -> FormState:
    return FormState({f"{name}-{i}": getattr(row, name) for i, row in enumerate(rows, start=1) for name in COLUMNS})


def _days(rows: list[Row]) -> list[int | None]:
    """Each row's day counted from enrollment, while the delays above it are numbers."""
    days: list[int | None] = []
    total: int | None = 0
    for row in rows:
        delay = row.delay_days.strip()
        total = total + int(delay) if total is not None and delay.isdigit() and len(delay) <= 3 else None
        days.append(total)
    return days


def _page(request: Request, sequence: Sequence, rows: list[Row], form: FormState | None = None, *,
          changed: bool = False, status: int = 200) -> Response:
    return render(request, "sequences/steps.html", {
        "sequence": sequence, "rows": rows, "days": _days(rows), "form": form or _form(rows), "changed": changed,
        "intents": STEP_INTENTS, "max_steps": MAX_STEPS}, status=status)


@router.get("/sequences/{sequence_id}/steps")
def steps_page(request: Request, sequence_id: ObjectId, who: Viewer = Depends(viewer),
               session: Session = Depends(db_session)) -> Response:
    sequence = Scope(session, who.workspace_id).get(Sequence, sequence_id, "sequence")
    rows = [Row(s.channel, str(s.delay_days), s.condition, s.intent, s.purpose)
            for s in sequence_steps(session, sequence.id)]
    return _page(request, sequence, rows)


def _apply(rows: list[Row], op: str) -> list[Row]:
    """add, remove-N, up-N, down-N: the rows after the button (nothing is saved)."""
    action, _, number = op.partition("-")
    index = int(number) - 1 if number.isdigit() and len(number) <= 3 else -1
    if action == "add" and len(rows) < MAX_STEPS:
        return [*rows, Row()]
    if not 0 <= index < len(rows):
        return rows
    if action == "remove" and len(rows) > 1:
        return rows[:index] + rows[index + 1:]
    target = index - 1 if action == "up" else index + 1 if action == "down" else -1
    if 0 <= target < len(rows):
        rows = list(rows)
        rows[index], rows[target] = rows[target], rows[index]
    return rows


def _inputs(rows: list[Row], form: FormState) -> list[StepInput]:
    steps = []
    for i, row in enumerate(rows, start=1):
        delay = form.whole_number(f"delay_days-{i}", maximum=365)
        steps.append(StepInput(row.channel, delay if delay is not None else 0, row.condition, row.intent,
                               row.purpose.strip()))
    return steps


@router.post("/sequences/{sequence_id}/steps")
def save_steps(request: Request, sequence_id: ObjectId, op: str = Form("save"), channel: list[str] = Form([]),
               delay_days: list[str] = Form([]), condition: list[str] = Form([]), intent: list[str] = Form([]),
               purpose: list[str] = Form([]), who: Viewer = Depends(viewer),
               rt: Runtime = Depends(runtime_of)) -> Response:
    with rt.db.sessions() as session:
        sequence = Scope(session, who.workspace_id).get(Sequence, sequence_id, "sequence")
    columns = (channel, delay_days, condition, intent, purpose)
    count = min(MAX_STEPS, max((len(c) for c in columns), default=0))
    rows = [Row(*(c[i][:300] if i < len(c) else "" for c in columns)) for i in range(count)]
    if op != "save":
        return _page(request, sequence, _apply(rows, op), changed=True)
    form = _form(rows)
    steps = _inputs(rows, form)
    if form.ok:
        try:
            check_steps(steps)
            with rt.db.transaction() as session:
                set_steps(session, Scope(session, who.workspace_id).get(Sequence, sequence_id, "sequence"), steps)
        except ValidationError as exc:
            found = _STEP_FIELD.match(exc.field)
            form.from_error(exc, fallback="form",
                            aliases={exc.field: f"{found.group(2)}-{found.group(1)}"} if found else None)
        except OutboardError as exc:  # launched meanwhile: steps are locked
            form.fail("form", f"Not saved: {exc}.")
    if not form.ok:
        return _page(request, sequence, rows, form, changed=True, status=422)
    web_session(request).update(flash=f"Steps saved: {len(steps)} steps. Messages written for the old steps were "
                                      "removed; generate them again in the Messaging Lab.")
    return RedirectResponse(f"/sequences/{sequence_id}", status_code=303)
