"""Analytics per run, sequence, step and sender account: the numbers, and charts of them over time."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from outboard.analytics.outreach import OutreachStats, outreach_stats
from outboard.analytics.outreach import Scope as StatsScope
from outboard.analytics.pipeline import pipeline
from outboard.analytics.queries import SERIES, more_daily
from outboard.core.errors import NotFound
from outboard.db.models import Run, SenderAccount, Sequence
from outboard.db.scope import Scope
from outboard.send.campaigns import sequence_steps
from outboard.send.queries import sender_accounts
from outboard.web.charts import Line, fill_days, line_chart
from outboard.web.deps import Viewer, csrf_protect, db_session, viewer
from outboard.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)])
CHARTS = (  # id, title, the series it draws (key, label)
    ("chart-email", "Sent, replied and bounced per day", (("sent", "Sent"), ("replied", "Replied"),
                                                          ("bounced", "Bounced"))),
    ("chart-linkedin", "LinkedIn invites sent and accepted per day",
     (("invites_sent", "Invites sent"), ("invites_accepted", "Invites accepted"))),
    ("chart-outcomes", "Positive replies and opt-outs per day",
     (("positive_replies", "Positive replies"), ("opted_out", "Opt-outs"))),
)
MAX_ACCOUNT_ROWS = 20


def _ours(scope: Scope, model: type, text: str, what: str) -> Any:
    """The chosen object, None when nothing is chosen, 404 when it is not ours (or not an id)."""
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        raise NotFound(f"{what} {text[:20]} not found")
    return scope.get(model, int(text), what)


def daily_rows(session: Session, scope: StatsScope, stats: OutreachStats) -> dict[str, dict[str, int]]:
    """Every series by day: outreach_stats' own and the ones beside it."""
    more = more_daily(session, scope)
    zeros = {"sent": 0, "replied": 0, "bounced": 0, **dict.fromkeys(SERIES, 0)}
    return {d: {**zeros, **stats.daily.get(d, {}), **more.get(d, {})} for d in sorted(set(stats.daily) | set(more))}


def charts(daily: dict[str, dict[str, int]]) -> tuple[list[str], list[dict[str, Any]]]:
    """The charts over every day from the first to the last with activity (quiet days are zeros)."""
    days = fill_days(list(daily))
    drawn = []
    for chart_id, title, series in CHARTS:
        lines = [Line(label, [daily.get(d, {}).get(key, 0) for d in days]) for key, label in series]
        drawn.append({"id": chart_id, "title": title, "svg": line_chart(chart_id, title, days, lines)})
    return days, drawn


@router.get("/analytics")
def analytics(request: Request, run: str = "", sequence: str = "", step: str = "", account: str = "",
              who: Viewer = Depends(viewer), session: Session = Depends(db_session)) -> Response:
    scope = Scope(session, who.workspace_id)
    sequence_row = _ours(scope, Sequence, sequence, "sequence")
    run_row = _ours(scope, Run, run, "run")
    if run_row is not None and sequence_row is not None and sequence_row.run_id != run_row.id:
        sequence_row = None  # the run selector changed: its old sequence no longer applies
    if run_row is None and sequence_row is not None:
        run_row = session.get(Run, sequence_row.run_id)
    account_row = _ours(scope, SenderAccount, account, "sender account")
    steps = sequence_steps(session, sequence_row.id) if sequence_row else []
    position = next((s.position for s in steps if str(s.position) == step), None)
    chosen = StatsScope(who.workspace_id, run_id=run_row.id if run_row else None,
                        sequence_id=sequence_row.id if sequence_row else None, step_position=position,
                        account_id=account_row.id if account_row else None)
    stats = outreach_stats(session, chosen)
    daily = daily_rows(session, chosen, stats)
    days, drawn = charts(daily)
    # Breakdowns: each step of the chosen sequence, each sender account (grouped counts, a few rows each).
    by_step = [(s, outreach_stats(session, StatsScope(who.workspace_id, sequence_id=sequence_row.id,
                                                      step_position=s.position)))
               for s in steps] if sequence_row and position is None else []
    accounts = sender_accounts(session, who.workspace_id)
    by_account = [(a, outreach_stats(session, StatsScope(who.workspace_id, run_id=chosen.run_id,
                                                         sequence_id=chosen.sequence_id, account_id=a.id)))
                  for a in accounts[:MAX_ACCOUNT_ROWS]] if account_row is None and position is None else []
    return render(request, "analytics/page.html", {
        "stats": stats, "days": days, "daily": daily, "charts": drawn, "by_step": by_step, "by_account": by_account,
        "all_runs": list(session.scalars(scope.select(Run).order_by(Run.id.desc()))),
        "sequences": list(session.scalars(scope.select(Sequence).where(Sequence.run_id == run_row.id)
                                          .order_by(Sequence.id))) if run_row else [],
        "steps": steps, "accounts": accounts,
        "chosen": {"run": run_row.id if run_row else None, "sequence": sequence_row.id if sequence_row else None,
                   "step": position, "account": account_row.id if account_row else None},
        "pipeline": pipeline(session, who.workspace_id) if chosen == StatsScope(who.workspace_id) else None,
    }, block="report")
