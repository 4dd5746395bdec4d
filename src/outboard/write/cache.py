"""A cache for generated drafts, so regenerating an unchanged lead costs nothing.

The key hashes everything the model sees: prompt version, model, response format and the exact messages
(which are built from the lead's facts, the strategy profile, the step briefs and the hooks). Change
any of them and the key changes. The in-memory cache is for tests and one-off runs; a database-backed
cache implements the same two methods.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

from outboard.core.profile import LeadProfile
from outboard.core.writing import Draft, Hook, StepBrief, StrategyProfile
from outboard.write.prompt import PROMPT_VERSION, build_messages


class DraftCache(Protocol):
    def get(self, key: str) -> list[Draft] | None: ...

    def put(self, key: str, drafts: Sequence[Draft]) -> None: ...


class MemoryDraftCache:
    """Dict-backed, least-recently-used eviction beyond `max_entries`."""

    def __init__(self, max_entries: int = 100_000):
        self._entries: OrderedDict[str, tuple[Draft, ...]] = OrderedDict()
        self._max = max_entries
        self.hits = self.misses = 0

    def get(self, key: str) -> list[Draft] | None:
        found = self._entries.get(key)
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        self._entries.move_to_end(key)
        return list(found)

    def put(self, key: str, drafts: Sequence[Draft]) -> None:
        self._entries[key] = tuple(drafts)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


def request_key(messages: list[dict[str, str]], *, model: str, response_format: str,
                prompt_version: str = PROMPT_VERSION) -> str:
    payload = json.dumps({"v": prompt_version, "model": model, "format": response_format, "messages": messages},
                         sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def cache_key(lead: LeadProfile, strategy: StrategyProfile, steps: Sequence[StepBrief], hooks: Sequence[Hook], *,
              model: str, response_format: str = "json_schema", prompt_version: str = PROMPT_VERSION) -> str:
    """The key for this lead's drafts: same facts, strategy, steps, hooks, model and prompt → same key."""
    return request_key(build_messages(lead, strategy, steps, hooks), model=model,
                       response_format=response_format, prompt_version=prompt_version)
