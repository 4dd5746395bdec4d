"""Conversations: union-find over Message-ID, In-Reply-To and References, plus a sender-address fallback.

Every id a message names joins its conversation, even ids we have never seen (a reply may reference a
message that reached us before the sync started). The conversation root is the earliest id with no known
parent, so a thread started by our first email is rooted at it; when two conversations turn out to be one
(a late reply names both), they merge and the older root wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from outboard.inbox.parse import ParsedMail, normalize_message_id

if TYPE_CHECKING:
    from outboard.inbox.classify import Classification


@dataclass(frozen=True)
class ThreadMatch:
    """What an inbound message belongs to: the conversation, the message of ours, the lead when known."""

    root: str | None
    our_message_id: str | None
    via: str  # "in-reply-to", "references", "returned message", "sender", "failed recipient"
    lead_id: str | None = None


class Matcher(Protocol):
    """The seam to the database: the sync passes one backed by stored messages, tests an in-memory one."""

    def match(self, mail: ParsedMail, classification: Classification) -> ThreadMatch | None: ...


@dataclass
class _Node:
    seq: int
    seen: bool = False  # the message itself was added (not only named by another)
    ours: bool = False
    has_parent: bool = False


class ThreadIndex:
    def __init__(self) -> None:
        self._parent: dict[str, str] = {}
        self._members: dict[str, list[str]] = {}
        self._nodes: dict[str, _Node] = {}
        self._best: dict[str, str] = {}  # set representative → its conversation root, kept up to date

    def __len__(self) -> int:
        return sum(1 for node in self._nodes.values() if node.seen)

    def __contains__(self, message_id: object) -> bool:
        return isinstance(message_id, str) and normalize_message_id(message_id) in self._nodes

    def _node(self, message_id: str) -> str:
        if message_id not in self._nodes:
            self._nodes[message_id] = _Node(seq=len(self._nodes))
            self._parent[message_id] = message_id
            self._members[message_id] = [message_id]
            self._best[message_id] = message_id
        return message_id

    def _key(self, message_id: str) -> tuple[bool, int]:
        node = self._nodes[message_id]
        return node.has_parent, node.seq

    def _find(self, message_id: str) -> str:
        root = message_id
        while self._parent[root] != root:
            root = self._parent[root]
        while self._parent[message_id] != root:  # path compression
            self._parent[message_id], message_id = root, self._parent[message_id]
        return root

    def _union(self, a: str, b: str) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra == rb:
            return
        if len(self._members[ra]) < len(self._members[rb]):
            ra, rb = rb, ra
        self._parent[rb] = ra
        self._members[ra].extend(self._members.pop(rb))
        self._best[ra] = min(self._best[ra], self._best.pop(rb), key=self._key)

    def add(self, message_id: str, *, in_reply_to: str | None = None, references: Sequence[str] = (),
            ours: bool = False) -> str:
        """Add a message (ours or theirs); returns its conversation root."""
        mid = normalize_message_id(message_id)
        if mid is None:
            raise ValueError("a message id is needed to thread a message")
        parents = [p for p in (normalize_message_id(r) for r in [*references, in_reply_to or ""]) if p and p != mid]
        for parent in parents:  # References first: the thread's start gets the lowest sequence number
            self._node(parent)
        node = self._nodes[self._node(mid)]
        node.seen, node.ours = True, node.ours or ours
        if parents and not node.has_parent:
            node.has_parent = True
            rep = self._find(mid)
            if self._best[rep] == mid:  # it was its set's root until we learnt its parents
                self._best[rep] = min(self._members[rep], key=self._key)
        for parent in parents:
            self._union(mid, parent)
        return self.root(mid) or mid

    def add_mail(self, mail: ParsedMail, *, ours: bool = False) -> str:
        return self.add(mail.message_id, in_reply_to=mail.in_reply_to, references=mail.references, ours=ours)

    def root(self, message_id: str) -> str | None:
        """The conversation root of a message, or None if no added message names it."""
        mid = normalize_message_id(message_id)
        if mid is None or mid not in self._nodes:
            return None
        return self._best[self._find(mid)]

    def conversation(self, message_id: str) -> list[str]:
        """Every id in the message's conversation, in the order they became known."""
        mid = normalize_message_id(message_id)
        if mid is None or mid not in self._nodes:
            return []
        return sorted(self._members[self._find(mid)], key=lambda m: self._nodes[m].seq)

    def ours_in_conversation(self, message_id: str) -> list[str]:
        return [m for m in self.conversation(message_id) if self._nodes[m].ours]

    def same_conversation(self, a: str, b: str) -> bool:
        ra, rb = self.root(a), self.root(b)
        return ra is not None and ra == rb


def _address(value: str) -> str:
    return value.strip().strip("<>").lower()


class SenderIndex:
    """Fallback for clients that drop threading headers: the latest message we wrote to an address."""

    def __init__(self) -> None:
        self._sent: dict[str, tuple[datetime | None, int, str]] = {}
        self._seq = 0

    def add_sent(self, to: str | Iterable[str], message_id: str, sent_at: datetime | None = None) -> None:
        self._seq += 1
        for address in [to] if isinstance(to, str) else to:
            key = _address(address)
            current = self._sent.get(key)
            entry = (sent_at, self._seq, message_id)
            if current is None or _later(entry, current):
                self._sent[key] = entry

    def match(self, address: str) -> str | None:
        entry = self._sent.get(_address(address))
        return entry[2] if entry else None


def _later(a: tuple[datetime | None, int, str], b: tuple[datetime | None, int, str]) -> bool:
    if a[0] is not None and b[0] is not None and a[0] != b[0]:
        return a[0] > b[0]
    return a[1] > b[1]


class MemoryMatcher:
    """A Matcher over what we sent, held in memory: for tests, the CLI and small tools."""

    def __init__(self) -> None:
        self.threads = ThreadIndex()
        self.senders = SenderIndex()
        self._leads: dict[str, str] = {}

    def add_sent(self, message_id: str, to: str | Iterable[str], *, lead_id: str | None = None,
                 in_reply_to: str | None = None, references: Sequence[str] = (),
                 sent_at: datetime | None = None) -> None:
        mid = normalize_message_id(message_id) or message_id
        self.threads.add(mid, in_reply_to=in_reply_to, references=references, ours=True)
        self.senders.add_sent(to, mid, sent_at)
        if lead_id is not None:
            self._leads[mid] = lead_id

    def _found(self, our_id: str, via: str) -> ThreadMatch:
        return ThreadMatch(self.threads.root(our_id), our_id, via, self._leads.get(our_id))

    def match(self, mail: ParsedMail, classification: Classification) -> ThreadMatch | None:
        named = [("in-reply-to", mail.in_reply_to)] + [("references", r) for r in reversed(mail.references)]
        if classification.original_message_id:
            named.insert(0, ("returned message", classification.original_message_id))
        for via, mid in named:
            if mid and mid in self.threads:
                ours = self.threads.ours_in_conversation(mid)
                if ours:
                    return self._found(ours[-1], via)
        address = classification.failed_recipient if classification.kind == "bounce" else mail.from_address
        via = "failed recipient" if classification.kind == "bounce" else "sender"
        our_id = self.senders.match(address) if address else None
        return self._found(our_id, via) if our_id else None
