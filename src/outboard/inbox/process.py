"""Processing stored inbound messages: classify, match, act, each message exactly once.

The classification runs outside any transaction (a model may label the reply); then one transaction
takes the row with a guarded write (`state = 'unprocessed'`, the first statement, so two workers cannot
both take it), matches it to its lead, applies the actions and marks it processed. A crash anywhere
leaves the row unprocessed and none of its actions applied.

`reclassify_stored` re-runs the classifier over stored raw mail classified by an older CLASSIFIER_VERSION:
the stored class and label are updated, a changed class is flagged for a person, actions are not re-run.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from outboard.db.models import InboundMessage
from outboard.db.timeline import record
from outboard.inbox.actions import Outcome, apply
from outboard.inbox.classify import CLASSIFIER_VERSION, Classification, ClassifierSettings, classify
from outboard.inbox.config import classifier_settings, labeller_for
from outboard.inbox.labels import ReplyLabeller, RuleLabeller
from outboard.inbox.linkedin_text import linkedin_mail
from outboard.inbox.matcher import DbMatcher, Located
from outboard.inbox.parse import ParsedMail, parse_message
from outboard.runtime import Runtime

log = logging.getLogger(__name__)
MAX_ERRORS = 3  # a message whose processing keeps failing is parked as `failed` for a person


@dataclass
class ProcessStats:
    processed: int = 0
    ignored: int = 0
    failed: int = 0
    errors: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    actions: list[tuple[int, str]] = field(default_factory=list)  # (row id, what was done)

    def add(self, row_id: int, kind: str, outcome: Outcome) -> None:
        setattr(self, outcome.state, getattr(self, outcome.state) + 1)
        self.kinds[kind] += 1
        self.actions.append((row_id, outcome.action))


def mail_of(row_channel: str, raw: bytes | None, message_id: str) -> ParsedMail:
    if row_channel == "linkedin":
        return linkedin_mail(raw, message_id)
    return parse_message(raw or b"")


def pending_ids(session: Session, *, workspace_id: int | None = None, account_id: int | None = None,
                limit: int = 500) -> list[int]:
    # LinkedIn rows wait until their member is resolved to a lead (see linkedin_events).
    query = select(InboundMessage.id).where(
        InboundMessage.state == "unprocessed",
        or_(InboundMessage.channel == "email", InboundMessage.lead_id.is_not(None)))
    if workspace_id is not None:
        query = query.where(InboundMessage.workspace_id == workspace_id)
    if account_id is not None:
        query = query.where(InboundMessage.account_id == account_id)
    return list(session.scalars(query.order_by(InboundMessage.id).limit(limit)))


def process_pending(rt: Runtime, *, workspace_id: int | None = None, account_id: int | None = None,
                    limit: int = 500, labeller: ReplyLabeller | None = None) -> ProcessStats:
    """Process what the sync stored and nobody has processed yet (oldest first)."""
    stats = ProcessStats()
    with rt.db.sessions() as session:
        ids = pending_ids(session, workspace_id=workspace_id, account_id=account_id, limit=limit)
    if not ids:
        return stats
    owned = labeller is None
    chosen = labeller or labeller_for(rt.settings)
    settings_cache: dict[int, ClassifierSettings] = {}
    try:
        for row_id in ids:
            process_one(rt, row_id, labeller=chosen, settings_cache=settings_cache, stats=stats)
    finally:
        close = getattr(chosen, "close", None)
        if owned and close is not None:  # the model labeller holds an HTTP client
            close()
    return stats


def process_one(rt: Runtime, row_id: int, *, labeller: ReplyLabeller | None = None,
                settings_cache: dict[int, ClassifierSettings] | None = None,
                stats: ProcessStats | None = None) -> Outcome | None:
    """Process one stored message; None when it was not (or no longer) unprocessed."""
    stats = stats if stats is not None else ProcessStats()
    cache = settings_cache if settings_cache is not None else {}
    with rt.db.sessions() as session:
        row = session.get(InboundMessage, row_id)
        if row is None or row.state != "unprocessed":
            return None
        channel, raw, message_id, workspace_id = row.channel, row.raw, row.message_id, row.workspace_id
        received_at = row.received_at
        if workspace_id not in cache:
            cache[workspace_id] = classifier_settings(session, workspace_id)
    mail = mail_of(channel, raw, message_id)
    result = classify(mail, received_at=received_at, labeller=labeller or RuleLabeller(),
                      settings=cache[workspace_id])
    try:
        with rt.db.transaction() as session:
            outcome = _act(session, row_id, mail, result, secret_key=rt.settings.secret_key, now=rt.clock.now())
    except Exception as exc:  # a bug or the database: record it on the row, try again next time
        log.exception("processing inbound message %s failed", row_id)
        stats.errors += 1
        _count_error(rt, row_id, exc)
        return None
    if outcome is not None:
        stats.add(row_id, result.kind.value, outcome)
    return outcome


def _act(session: Session, row_id: int, mail: ParsedMail, result: Classification, *, secret_key: str | None,
         now: datetime) -> Outcome | None:
    taken = session.execute(update(InboundMessage).where(InboundMessage.id == row_id,
                                                         InboundMessage.state == "unprocessed")
                            .values(processed_at=now)).rowcount
    if not taken:
        return None  # another worker got it first
    row = session.get(InboundMessage, row_id)
    assert row is not None
    return finish_row(session, row, mail, result, secret_key=secret_key, now=now)


def finish_row(session: Session, row: InboundMessage, mail: ParsedMail, result: Classification, *,
               secret_key: str | None, now: datetime, located: Located | None = None) -> Outcome:
    """Match (unless told), act and record the result on the row, in the caller's transaction."""
    if located is None and row.channel == "linkedin" and row.lead_id is not None:
        located = Located(row.lead_id, row.enrollment_id, None, row.thread_key, "linkedin member", row.account_id)
    elif located is None:
        located = DbMatcher(session, row.workspace_id, secret_key=secret_key,
                            account_id=row.account_id).locate(mail, result)
    if located is not None:
        result = _with_match(result, located)
    outcome = apply(session, row, result, located, secret_key=secret_key, now=now)
    sync_meta = (row.classification or {}).get("sync", {})
    row.kind, row.label = result.kind.value, result.label.value if result.label else None
    row.classification = {**result.to_dict(), "sync": sync_meta, "action": outcome.action}
    row.classifier_version = CLASSIFIER_VERSION
    row.lead_id = located.lead_id if located else row.lead_id
    row.enrollment_id = located.enrollment_id if located else row.enrollment_id
    row.thread_key = located.root if located and located.root else row.thread_key
    row.state, row.processed_at = outcome.state, now
    if outcome.state == "ignored" and row.channel == "email":
        row.raw = None  # not ours after all: keep nobody's mail without a reason
    record(session, row.workspace_id, "inbound_processed", lead_id=row.lead_id, subject=f"inbound:{row.id}",
           kind=row.kind, label=row.label, action=outcome.action)
    return outcome


def _with_match(result: Classification, located: Located) -> Classification:
    return replace(result, match=located.thread())


def _count_error(rt: Runtime, row_id: int, exc: Exception) -> None:
    with rt.db.transaction() as session:
        row = session.get(InboundMessage, row_id)
        if row is None or row.state != "unprocessed":
            return
        data: dict[str, Any] = dict(row.classification or {})
        errors = [*data.get("errors", []), f"{type(exc).__name__}: {exc}"[:300]]
        data["errors"] = errors
        row.classification = data
        if len(errors) >= MAX_ERRORS:
            row.state, row.processed_at = "failed", rt.clock.now()
            record(session, row.workspace_id, "inbound_failed", subject=f"inbound:{row.id}", error=errors[-1])


def reclassify_stored(rt: Runtime, *, workspace_id: int | None = None, force: bool = False, batch: int = 500,
                      labeller: ReplyLabeller | None = None) -> Counter[str]:
    """Re-run the classifier over stored raw mail of an older classifier version (or all with `force`)."""
    counts: Counter[str] = Counter()
    labeller = labeller or RuleLabeller()
    cache: dict[int, ClassifierSettings] = {}
    last_id = 0
    while True:
        with rt.db.sessions() as session:
            query = select(InboundMessage.id, InboundMessage.workspace_id, InboundMessage.channel,
                           InboundMessage.raw, InboundMessage.message_id, InboundMessage.received_at).where(
                InboundMessage.id > last_id, InboundMessage.raw.is_not(None),
                InboundMessage.state.in_(("processed", "failed", "ignored")))
            if workspace_id is not None:
                query = query.where(InboundMessage.workspace_id == workspace_id)
            if not force:
                query = query.where(or_(InboundMessage.classifier_version.is_(None),
                                        InboundMessage.classifier_version != CLASSIFIER_VERSION))
            rows = session.execute(query.order_by(InboundMessage.id).limit(batch)).all()
            for row in rows:
                if row.workspace_id not in cache:
                    cache[row.workspace_id] = classifier_settings(session, row.workspace_id)
        if not rows:
            return counts
        results = {row.id: classify(mail_of(row.channel, row.raw, row.message_id), received_at=row.received_at,
                                    labeller=labeller, settings=cache[row.workspace_id]) for row in rows}
        with rt.db.transaction() as session:
            for stored in session.scalars(select(InboundMessage).where(InboundMessage.id.in_(list(results)))):
                _update_class(session, stored, results[stored.id], counts)
        last_id = rows[-1].id


def _update_class(session: Session, row: InboundMessage, result: Classification, counts: Counter[str]) -> None:
    if row.kind in ("manual_reply", "relation"):
        return  # ours, or not a message: nothing to classify
    old = dict(row.classification or {})
    data = {**result.to_dict(), "sync": old.get("sync", {}), "action": old.get("action"), "match": old.get("match")}
    if row.kind and row.kind != result.kind.value:
        # The actions of the old class stay done (a stopped sequence is not restarted): a person decides.
        record(session, row.workspace_id, "inbound_reclassified", lead_id=row.lead_id, subject=f"inbound:{row.id}",
               was=row.kind, now=result.kind.value)
        data["needs_review"] = True
        data["reclassified_from"] = row.kind
        counts["changed"] += 1
    override = old.get("label_override")
    if override:
        data["label_override"], data["label"] = override, override.get("label")
        data["needs_review"] = False
    row.classification = data
    row.kind = result.kind.value
    row.label = data["label"]
    row.classifier_version = CLASSIFIER_VERSION
    counts[result.kind.value] += 1
