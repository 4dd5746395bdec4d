"""IMAP sync of one mailbox: fetch what is new, keep only what is ours, store it raw, move the cursor.

Each message is decided and stored in its own transaction together with the cursor's advance past its
UID, so the cursor never passes a message that was not stored, and a crash at any point re-fetches at
most the message in flight (its second store is a no-op: (account, Message-ID) is unique). A UIDVALIDITY
change resets the cursor and re-reads the folder from our first send on, again without duplicates.

Kept: mail in one of our conversations (threading over our Message-IDs), mail from an address we wrote to,
bounces of our messages, mail to our unsubscribe alias, and unreadable mail (no headers: nobody can tell
whose it is, so a person looks). Anything else is a stranger's mail and is never stored.
The folder is opened read-only and fetched with BODY.PEEK: the sync never marks anyone's mail as read.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from imapclient import IMAPClient
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from outboard.db.models import MailboxCursor, SenderAccount
from outboard.db.timeline import record
from outboard.inbox.classify import classify
from outboard.inbox.config import classifier_settings
from outboard.inbox.mailbox import ImapSettings, connect, disconnect, imap_settings
from outboard.inbox.matcher import DbMatcher
from outboard.inbox.optout import alias_token
from outboard.inbox.parse import parse_message
from outboard.inbox.store import store_raw
from outboard.runtime import Runtime

log = logging.getLogger(__name__)
BATCH_MESSAGES = 25
BATCH_BYTES = 8_000_000  # one FETCH never asks for more than this (a single bigger message goes alone)
FIRST_SYNC_MARGIN = timedelta(days=2)  # replies cannot predate our first send; the margin covers timezones

_locks: dict[int, threading.Lock] = {}
_locks_guard = threading.Lock()


@dataclass
class SyncResult:
    account_id: int
    folder: str = "INBOX"
    uidvalidity: int | None = None
    resynced: bool = False
    seen: int = 0
    stored: int = 0
    duplicates: int = 0
    not_ours: int = 0
    busy: bool = False  # another sync of this account was running in this process
    stored_ids: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "stored_ids"}


def stored_uidvalidity(value: int) -> int:
    """UIDVALIDITY is an unsigned 32-bit number; the cursor column is a signed one. Folding values above
    2^31 - 1 into the negative range keeps them distinct, which is all the sync compares them for."""
    return value - 2**32 if value >= 2**31 else value


def account_lock(account_id: int) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(account_id, threading.Lock())


@dataclass(frozen=True)
class _Account:
    id: int
    workspace_id: int
    address: str
    first_send_at: datetime | None
    settings: ImapSettings


def _load(rt: Runtime, account_id: int) -> _Account:
    with rt.db.sessions() as session:
        account = session.get(SenderAccount, account_id)
        if account is None:
            raise LookupError(f"account {account_id} not found")
        return _Account(account.id, account.workspace_id, account.address, account.first_send_at,
                        imap_settings(account, rt.secrets))


def sync_account(rt: Runtime, account_id: int, *, max_messages: int | None = None, block: bool = True,
                 on_stored: Callable[[int], None] | None = None,
                 settings: ImapSettings | None = None) -> SyncResult:
    """Fetch new mail of one account's folder and store what is ours. Raises on connection/login problems.

    `max_messages` stops after that many messages (the rest waits for the next run); `on_stored(uid)` is
    called after each message's transaction commits; `block=False` returns at once (busy) when another
    thread of this process is syncing the account.
    """
    account = _load(rt, account_id)
    imap = settings or account.settings
    result = SyncResult(account.id, imap.folder)
    lock = account_lock(account.id)
    if not lock.acquire(blocking=block):
        result.busy = True
        return result
    try:
        client = connect(imap)
        try:
            _sync(rt, client, account, imap, result, max_messages, on_stored)
        finally:
            disconnect(client)
    finally:
        lock.release()
    return result


def _sync(rt: Runtime, client: IMAPClient, account: _Account, imap: ImapSettings, result: SyncResult,
          max_messages: int | None, on_stored: Callable[[int], None] | None) -> None:
    selected = client.select_folder(imap.folder, readonly=True)
    uidvalidity = stored_uidvalidity(int(selected[b"UIDVALIDITY"]))
    result.uidvalidity = uidvalidity
    last_uid, fresh = _open_cursor(rt, account, imap.folder, uidvalidity, result)
    if fresh:
        since = (account.first_send_at or rt.clock.now()) - FIRST_SYNC_MARGIN
        uids = client.search(["SINCE", since.date()])
    else:
        uids = client.search(["UID", f"{last_uid + 1}:*"])
    uids = sorted(int(u) for u in uids if int(u) > last_uid)  # "n:*" always names the last message
    if max_messages is not None:
        uids = uids[:max_messages]
    if not uids:
        _touch_cursor(rt, account.id, imap.folder, uidvalidity)
        return
    sizes = {int(uid): int(data.get(b"RFC822.SIZE", 0)) for uid, data in client.fetch(uids, ["RFC822.SIZE"]).items()}
    for batch in _batches(uids, sizes):
        fetched = client.fetch(batch, ["BODY.PEEK[]", "INTERNALDATE"])
        for uid in batch:
            data = fetched.get(uid) or {}
            raw = data.get(b"BODY[]")
            _store_one(rt, account, imap.folder, uidvalidity, uid, raw if isinstance(raw, bytes) else None,
                       data.get(b"INTERNALDATE"), result)
            if on_stored is not None:
                on_stored(uid)


def _batches(uids: list[int], sizes: dict[int, int]) -> list[list[int]]:
    batches: list[list[int]] = []
    current: list[int] = []
    total = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if current and (len(current) >= BATCH_MESSAGES or total + size > BATCH_BYTES):
            batches.append(current)
            current, total = [], 0
        current.append(uid)
        total += size
    if current:
        batches.append(current)
    return batches


def _open_cursor(rt: Runtime, account: _Account, folder: str, uidvalidity: int,
                 result: SyncResult) -> tuple[int, bool]:
    """(last UID, whether this is a first read of the folder). Resets the cursor on a UIDVALIDITY change."""
    for _attempt in range(2):
        try:
            with rt.db.transaction() as session:
                cursor = session.get(MailboxCursor, (account.id, folder), with_for_update=True)
                if cursor is None:
                    session.add(MailboxCursor(account_id=account.id, folder=folder, uidvalidity=uidvalidity,
                                              last_uid=0))
                    return 0, True
                if cursor.uidvalidity != uidvalidity:
                    record(session, account.workspace_id, "mailbox_resync", subject=f"account:{account.id}",
                           folder=folder, old_uidvalidity=cursor.uidvalidity, uidvalidity=uidvalidity)
                    cursor.uidvalidity, cursor.last_uid, cursor.synced_at = uidvalidity, 0, rt.clock.now()
                    result.resynced = True
                    return 0, True
                return cursor.last_uid, cursor.last_uid == 0
        except IntegrityError:
            continue  # another worker created the cursor a moment ago: read theirs
    raise RuntimeError(f"cannot open the sync cursor of account {account.id}")


def _touch_cursor(rt: Runtime, account_id: int, folder: str, uidvalidity: int) -> None:
    with rt.db.transaction() as session:
        cursor = session.get(MailboxCursor, (account_id, folder))
        if cursor is not None and cursor.uidvalidity == uidvalidity:
            cursor.synced_at = rt.clock.now()


def _store_one(rt: Runtime, account: _Account, folder: str, uidvalidity: int, uid: int, raw: bytes | None,
               internal_date: object, result: SyncResult) -> None:
    result.seen += 1
    with rt.db.transaction() as session:
        # The guarded move of the cursor comes first: it takes the row (and SQLite's write) lock, so two
        # syncs of one mailbox never both handle a UID; it commits only together with the store below.
        moved = session.execute(update(MailboxCursor).where(
            MailboxCursor.account_id == account.id, MailboxCursor.folder == folder,
            MailboxCursor.uidvalidity == uidvalidity, MailboxCursor.last_uid < uid)
            .values(last_uid=uid, synced_at=rt.clock.now())).rowcount
        if not moved:
            return  # another sync took this one (or the folder was reset meanwhile)
        if raw is not None:  # None: expunged before we fetched it, nothing to store
            _keep_or_skip(rt, session, account, uid, raw, internal_date, result)


def _keep_or_skip(rt: Runtime, session: Session, account: _Account, uid: int, raw: bytes, internal_date: object,
                  result: SyncResult) -> None:
    mail = parse_message(raw)
    reason = None
    if not mail.has_headers:
        reason = "unreadable (no headers): kept for a person"
    else:
        settings = classifier_settings(session, account.workspace_id)
        classification = classify(mail, settings=settings)
        located = DbMatcher(session, account.workspace_id, secret_key=rt.settings.secret_key,
                            account_id=account.id).locate(mail, classification)
        if located is not None:
            reason = f"ours: matched lead {located.lead_id} via {located.via}"
        elif alias_token([mail.as_written(a) for a in mail.recipients], settings.optout) is not None:
            reason = "sent to our unsubscribe alias"
    if reason is None:
        result.not_ours += 1
        return
    meta = {"uid": uid, "uidvalidity": result.uidvalidity, "folder": result.folder, "size": len(raw),
            "internal_date": internal_date.isoformat() if isinstance(internal_date, datetime) else None,
            "kept": reason, "problems": mail.problems[:10]}
    row_id = store_raw(session, workspace_id=account.workspace_id, account_id=account.id,
                       message_id=mail.message_id, raw=raw, sync=meta, received_at=rt.clock.now())
    if row_id is None:
        result.duplicates += 1
    else:
        result.stored += 1
        result.stored_ids.append(row_id)
