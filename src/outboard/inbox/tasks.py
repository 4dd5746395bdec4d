"""The inbox's part of the worker: sync mailboxes (IDLE or polling), poll LinkedIn, process stored mail,
reconcile uncertain sends, deliver webhooks. `inbox_tick(rt)` is the one call the worker loop makes; the
job kind `inbox_sync` runs the same sync on demand (the CLI, the web page's "check now")."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from outboard.db.models import SenderAccount
from outboard.db.timeline import record
from outboard.inbox.idle import IdleWatcher
from outboard.inbox.imap_sync import sync_account
from outboard.inbox.linkedin_events import poll_linkedin_account
from outboard.inbox.mailbox import has_imap, imap_settings
from outboard.inbox.process import process_pending
from outboard.inbox.reconcile import reconcile_account
from outboard.inbox.webhooks_out import send_pending_webhooks
from outboard.jobs.progress import Progress
from outboard.jobs.registry import job_kind
from outboard.runtime import Runtime, runtime

log = logging.getLogger(__name__)
IDLE_SAFETY_POLL = 300.0  # with IDLE working, a full poll now and then still catches anything missed
LINKEDIN_POLL_SECONDS = 60.0
RECONCILE_SECONDS = 300.0
HEARTBEAT_TIMEOUT = 900.0  # IDLE threads stop when the worker has not called in for this long


@dataclass
class InboxTick:
    synced: int = 0
    stored: int = 0
    processed: int = 0
    reconciled: int = 0
    webhooks_delivered: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class _Account:
    id: int
    workspace_id: int
    kind: str
    poll_seconds: float
    linkedin_api: bool


@dataclass
class _State:
    last_poll: dict[int, float] = field(default_factory=dict)
    last_reconcile: float = 0.0
    errors: dict[int, str] = field(default_factory=dict)
    watchers: dict[int, IdleWatcher] = field(default_factory=dict)
    heartbeat: float = 0.0
    owner: threading.Thread | None = None


_states: dict[int, _State] = {}
_states_guard = threading.Lock()


def _state(rt: Runtime) -> _State:
    with _states_guard:
        return _states.setdefault(id(rt), _State())


def _accounts(rt: Runtime, workspace_id: int | None = None, account_id: int | None = None) -> list[_Account]:
    with rt.db.sessions() as session:
        query = select(SenderAccount).where(SenderAccount.status != "disconnected")
        if workspace_id is not None:
            query = query.where(SenderAccount.workspace_id == workspace_id)
        if account_id is not None:
            query = query.where(SenderAccount.id == account_id)
        found = []
        for account in session.scalars(query.order_by(SenderAccount.id)):
            linkedin_api = account.kind == "linkedin" and account.connection.get("provider") == "api"
            if has_imap(account) or linkedin_api:
                seconds = account.connection.get("imap_poll_seconds" if account.kind == "email" else "poll_seconds")
                found.append(_Account(account.id, account.workspace_id, account.kind,
                                      float(seconds or (30 if account.kind == "email" else LINKEDIN_POLL_SECONDS)),
                                      linkedin_api))
        return found


def _note_error(rt: Runtime, state: _State, account: _Account, exc: BaseException, tick: InboxTick) -> None:
    """Log every failure; record one alert per new problem, so a dead mailbox does not flood the timeline."""
    text = f"{type(exc).__name__}: {exc}"[:300]
    tick.errors.append(f"account {account.id}: {text}")
    log.warning("inbox sync of account %s failed: %s", account.id, text)
    if state.errors.get(account.id) == text:
        return
    state.errors[account.id] = text
    try:
        with rt.db.transaction() as session:
            record(session, account.workspace_id, "mailbox_error", subject=f"account:{account.id}", error=text)
    except Exception:
        log.exception("could not record the mailbox error")


def sync_one(rt: Runtime, account_id: int, *, block: bool = True) -> dict[str, Any]:
    """Sync one account now (mail or LinkedIn) and process what it stored; raises on connection problems."""
    [account] = _accounts(rt, account_id=account_id) or [None]
    if account is None:
        return {"account_id": account_id, "skipped": "no IMAP server or LinkedIn API set"}
    if account.kind == "email":
        result = sync_account(rt, account.id, block=block).as_dict()
    else:
        poll = poll_linkedin_account(rt, account.id)
        result = {"account_id": account.id, "relations": poll.relations, "messages": poll.messages,
                  "resolved": poll.resolved}
    processed = process_pending(rt, workspace_id=account.workspace_id)
    result["processed"] = processed.processed + processed.ignored + processed.failed
    return result


def sync_all_accounts(rt: Runtime, *, workspace_id: int | None = None,
                      account_id: int | None = None) -> list[dict[str, Any]]:
    """Sync every connected account now (the CLI's `inbox sync`, the job); a failing one is reported."""
    results = []
    for account in _accounts(rt, workspace_id, account_id):
        try:
            results.append(sync_one(rt, account.id))
        except Exception as exc:
            results.append({"account_id": account.id, "error": f"{type(exc).__name__}: {exc}"[:300]})
    return results


def _start_watcher(rt: Runtime, state: _State, account: _Account) -> None:
    with rt.db.sessions() as session:
        row = session.get(SenderAccount, account.id)
        assert row is not None
        settings = imap_settings(row, rt.secrets)

    def on_new(account_id: int) -> None:
        try:
            sync_account(rt, account_id, block=True)
            state.errors.pop(account_id, None)
        finally:  # stored mail is processed even if the sync stopped half-way
            process_pending(rt, workspace_id=account.workspace_id)

    owner = state.owner

    def alive() -> bool:
        return (owner is None or owner.is_alive()) and time.monotonic() - state.heartbeat < HEARTBEAT_TIMEOUT

    watcher = IdleWatcher(account.id, settings, on_new, alive)
    state.watchers[account.id] = watcher
    watcher.start()


def inbox_tick(rt: Runtime, *, idle: bool = True) -> InboxTick:
    """One pass of the inbox's periodic work; cheap when nothing is due. Never raises."""
    tick = InboxTick()
    state = _state(rt)
    state.heartbeat, state.owner = time.monotonic(), threading.current_thread()
    try:
        accounts = _accounts(rt)
    except Exception as exc:
        log.exception("inbox tick could not read the accounts")
        tick.errors.append(str(exc))
        return tick
    now = time.monotonic()
    for account in accounts:
        interval = account.poll_seconds
        if account.kind == "email":
            watcher = state.watchers.get(account.id)
            if idle and (watcher is None or (not watcher.is_alive() and watcher.supported is not False)):
                try:
                    _start_watcher(rt, state, account)
                except Exception as exc:
                    _note_error(rt, state, account, exc, tick)
            watcher = state.watchers.get(account.id)
            if watcher is not None and watcher.idling:
                interval = max(interval, IDLE_SAFETY_POLL)
        if now - state.last_poll.get(account.id, -1e9) < interval:
            continue
        state.last_poll[account.id] = now
        try:
            if account.kind == "email":
                result = sync_account(rt, account.id, block=False)
                tick.stored += result.stored
            else:
                poll_linkedin_account(rt, account.id)
            tick.synced += 1
            state.errors.pop(account.id, None)
        except Exception as exc:
            _note_error(rt, state, account, exc, tick)
    try:
        stats = process_pending(rt)
        tick.processed = stats.processed + stats.ignored + stats.failed
    except Exception as exc:
        log.exception("processing inbound mail failed")
        tick.errors.append(f"processing: {exc}")
    if now - state.last_reconcile >= RECONCILE_SECONDS:
        state.last_reconcile = now
        for account in accounts:
            if account.kind != "email":
                continue
            try:
                tick.reconciled += reconcile_account(rt, account.id).found
            except Exception as exc:
                _note_error(rt, state, account, exc, tick)
    try:
        tick.webhooks_delivered = send_pending_webhooks(rt).delivered
    except Exception as exc:
        log.exception("webhook delivery failed")
        tick.errors.append(f"webhooks: {exc}")
    return tick


def stop_inbox_watchers(rt: Runtime | None = None, *, wait: float = 5.0) -> None:
    """Stop the IDLE threads (of one runtime, or all): tests, benchmarks and a clean shutdown."""
    with _states_guard:
        states = [_states.pop(id(rt), None)] if rt is not None else list(_states.values())
        if rt is None:
            _states.clear()
    watchers = [w for s in states if s for w in s.watchers.values()]
    for watcher in watchers:
        watcher.stop()
    for watcher in watchers:
        watcher.join(timeout=wait)


@job_kind("inbox_sync")
def inbox_sync_job(progress: Progress, *, workspace_id: int, account_id: int | None = None,
                   **_: Any) -> dict[str, Any]:
    """Sync a workspace's mailboxes and LinkedIn accounts now, then process what arrived."""
    rt = runtime()
    accounts = _accounts(rt, workspace_id, account_id)
    results = []
    for done, account in enumerate(accounts, start=1):
        try:
            results.append(sync_one(rt, account.id))
        except Exception as exc:
            results.append({"account_id": account.id, "error": f"{type(exc).__name__}: {exc}"[:300]})
        progress.update(done, len(accounts), f"account {account.id} checked")
    return {"accounts": results}
