"""Strict reading of an LLM's answer into Drafts. Anything off-schema is malformed: the writer retries,
then reports a clear error. A broken answer never becomes a draft."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from outboard.core.sequence import Channel
from outboard.core.writing import Draft, Hook, StepBrief

_REFUSAL_START = re.compile(
    r"^\s*(?:i'?m sorry|i am sorry|sorry, (?:but )?i|i can(?:'|no)t|i cannot|i won'?t|i am unable|i'm unable|"
    r"as an ai\b|unfortunately,? i can)", re.IGNORECASE)


class MalformedReply(ValueError):
    """The answer is not the JSON the schema asks for; the message says what is wrong."""


def looks_like_refusal(content: str) -> bool:
    return bool(_REFUSAL_START.match(content)) and not content.lstrip().startswith("{")


def parse_reply(content: str, steps: Sequence[StepBrief], hooks: Sequence[Hook], *, generator: str,
                prompt_version: str) -> tuple[list[Draft], str | None]:
    """(drafts in step order, refusal text or None). Raises MalformedReply."""
    text = content.strip()
    if text.startswith("```"):  # some local models fence JSON even in JSON mode
        text = re.sub(r"^```(?:json)?\s*|\s*```$", "", text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedReply(f"not valid JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(data, dict):
        raise MalformedReply("the answer is not a JSON object")
    refusal = data.get("refusal")
    if isinstance(refusal, str) and refusal.strip() and not data.get("messages"):
        return [], refusal.strip()
    items = data.get("messages")
    if not isinstance(items, list):
        raise MalformedReply('missing the "messages" list')
    by_position = {s.position: s for s in steps}
    if len(items) != len(steps):
        raise MalformedReply(f"expected {len(steps)} messages, got {len(items)}")
    hooks_by_path = {h.fact_path: h for h in hooks}
    drafts: dict[int, Draft] = {}
    for i, item in enumerate(items):
        draft = _draft(item, i, by_position, hooks_by_path, generator, prompt_version)
        if draft.position in drafts:
            raise MalformedReply(f"messages[{i}]: position {draft.position} appears twice")
        drafts[draft.position] = draft
    return [drafts[s.position] for s in steps], None


def _draft(item: object, i: int, steps: dict[int, StepBrief], hooks: dict[str, Hook], generator: str,
           prompt_version: str) -> Draft:
    where = f"messages[{i}]"
    if not isinstance(item, dict):
        raise MalformedReply(f"{where} is not an object")
    position = item.get("position")
    if not isinstance(position, int) or isinstance(position, bool) or position not in steps:
        raise MalformedReply(f"{where}.position {position!r} is not one of the requested steps")
    step = steps[position]
    if item.get("channel") != step.channel.value:
        raise MalformedReply(f"{where}.channel {item.get('channel')!r} should be {step.channel.value!r}")
    body = item.get("body")
    if not isinstance(body, str) or not body.strip():
        raise MalformedReply(f"{where}.body is missing or empty")
    subject = item.get("subject")
    if subject is not None and not isinstance(subject, str):
        raise MalformedReply(f"{where}.subject must be text or null")
    if step.channel is Channel.EMAIL and not step.is_follow_up:
        if not (subject or "").strip():
            raise MalformedReply(f"{where}.subject is required for the first email")
        subject = " ".join(subject.split()) if subject else None
    else:
        subject = None  # follow-ups thread under the first email; LinkedIn has no subject
    paths = item.get("hook_fact_paths", [])
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise MalformedReply(f"{where}.hook_fact_paths must be a list of text")
    # Only hooks we offered count: a path the model made up points to nothing.
    used = tuple(hooks[p] for p in dict.fromkeys(paths) if p in hooks)
    body = body.replace("\r\n", "\n").strip()
    return Draft(position, step.channel, body, subject, used, generator, prompt_version)
