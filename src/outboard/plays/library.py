"""The play library: plays shipped as TOML files in `plays/library/`, plus a workspace's own plays.

Loading is pure (reads files, no database). Every error names the file and the field.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from outboard.core.errors import NotFound, ValidationError
from outboard.core.plays import ChannelMix, PlaySpec, PlayStep, Relationship, validate_play
from outboard.core.sequence import Channel, Condition

LIBRARY_DIR = Path(__file__).with_name("library")

E = TypeVar("E", Relationship, ChannelMix, Channel, Condition)

_TOP_KEYS = {"id", "name", "goal", "category", "relationship", "channel_mix", "description", "steps",
             "required_fields", "readiness_checks", "stop_on_reply", "tags"}
_STEP_KEYS = {"channel", "delay_days", "condition", "intent", "purpose"}


class PlayError(ValidationError):
    """A play that does not load: says which file (or workspace play) and which field."""

    def __init__(self, source: str, field: str, reason: str, *, value: object = None):
        super().__init__(field, reason, value=value)
        self.source = source
        self.args = (f"{source}: {self.args[0]}",)


def play_from_dict(data: Mapping[str, Any], *, source: str = "<workspace play>",
                   origin: str = "workspace") -> PlaySpec:
    """Build and validate a play from parsed TOML/JSON; raises PlayError naming `source` and the field."""
    try:
        return _build(data, origin)
    except ValidationError as exc:
        raise PlayError(source, exc.field, exc.reason, value=exc.value) from None


def play_from_toml(text: str, *, source: str = "<workspace play>", origin: str = "workspace") -> PlaySpec:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlayError(source, "toml", f"not valid TOML ({exc})") from None
    return play_from_dict(data, source=source, origin=origin)


def load_play_file(path: Path, *, origin: str = "library") -> PlaySpec:
    return play_from_toml(path.read_text(encoding="utf-8"), source=path.name, origin=origin)


@cache
def shipped_plays() -> tuple[PlaySpec, ...]:
    """The plays in the package, sorted by id (read once per process)."""
    return load_directory(LIBRARY_DIR)


def load_directory(directory: Path) -> tuple[PlaySpec, ...]:
    plays: dict[str, PlaySpec] = {}
    for path in sorted(directory.glob("*.toml")):
        play = load_play_file(path)
        if play.id in plays:
            raise PlayError(path.name, "id", "another play already uses this id", value=play.id)
        plays[play.id] = play
    return tuple(plays[k] for k in sorted(plays))


def list_plays(extra: Iterable[PlaySpec] = (), *, category: str | None = None, relationship: str | None = None,
               goal: str | None = None, channel_mix: str | None = None) -> list[PlaySpec]:
    """Shipped plays plus `extra` (a workspace's own; they win on an id clash), filtered."""
    merged = {p.id: p for p in shipped_plays()}
    merged.update({p.id: p for p in extra})
    if relationship is not None and relationship not in {r.value for r in Relationship}:
        raise ValidationError("relationship", "must be cold, warm, stalled or known", value=relationship)
    plays = [
        p for p in merged.values()
        if (category is None or p.category == category)
        and (relationship is None or p.relationship == relationship)
        and (goal is None or p.goal == goal)
        and (channel_mix is None or p.channel_mix == channel_mix)
    ]
    return sorted(plays, key=lambda p: (p.relationship.value, p.category, p.id))


def get_play(play_id: str, extra: Iterable[PlaySpec] = ()) -> PlaySpec:
    for play in list_plays(extra):
        if play.id == play_id:
            return play
    raise NotFound(f"no play with id {play_id!r}; `outboard plays list` shows them")


def play_to_dict(play: PlaySpec) -> dict[str, Any]:
    """The TOML/JSON shape `play_from_dict` reads, so a workspace play round-trips through storage."""
    return {
        "id": play.id, "name": play.name, "goal": play.goal, "category": play.category,
        "relationship": play.relationship.value, "channel_mix": play.channel_mix.value,
        "description": play.description, "stop_on_reply": play.stop_on_reply, "tags": list(play.tags),
        "required_fields": list(play.required_fields), "readiness_checks": list(play.readiness_checks),
        "steps": [
            {"channel": s.channel.value, "delay_days": s.delay_days, "condition": s.condition.value,
             "intent": s.intent, "purpose": s.purpose}
            for s in play.steps
        ],
    }


def _build(data: Mapping[str, Any], origin: str) -> PlaySpec:
    if not isinstance(data, Mapping):
        raise ValidationError("play", "must be a table of fields")
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise ValidationError(unknown[0], "unknown field", value=unknown[0])
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise ValidationError("steps", "a play needs a list of [[steps]]")
    play = PlaySpec(
        id=_text(data, "id"),
        name=_text(data, "name"),
        goal=_text(data, "goal"),
        category=_text(data, "category"),
        relationship=_enum(data, "relationship", Relationship),
        channel_mix=_enum(data, "channel_mix", ChannelMix),
        description=" ".join(_text(data, "description").split()),
        steps=tuple(_step(raw, i) for i, raw in enumerate(raw_steps, start=1)),
        required_fields=_texts(data, "required_fields"),
        readiness_checks=_texts(data, "readiness_checks"),
        stop_on_reply=_flag(data, "stop_on_reply", default=True),
        tags=_texts(data, "tags"),
        origin=origin,
    )
    validate_play(play)
    return play


def _step(raw: object, position: int) -> PlayStep:
    field = f"steps[{position}]"
    if not isinstance(raw, Mapping):
        raise ValidationError(field, "must be a table")
    unknown = sorted(set(raw) - _STEP_KEYS)
    if unknown:
        raise ValidationError(f"{field}.{unknown[0]}", "unknown field")
    for key in ("channel", "delay_days", "intent"):
        if key not in raw:
            raise ValidationError(f"{field}.{key}", "is required")
    delay = raw["delay_days"]
    if not isinstance(delay, int) or isinstance(delay, bool):
        raise ValidationError(f"{field}.delay_days", "must be a whole number of days", value=delay)
    channel = _enum(raw, "channel", Channel, prefix=field)
    condition = _enum(raw, "condition", Condition, prefix=field,
                      default=Condition.ALWAYS if position == 1 else Condition.NO_REPLY)
    intent = _text(raw, "intent", prefix=field)
    purpose = raw.get("purpose", "")
    if not isinstance(purpose, str):
        raise ValidationError(f"{field}.purpose", "must be text", value=purpose)
    return PlayStep(position, channel, delay, condition, intent, purpose.strip())


def _text(data: Mapping[str, Any], key: str, *, prefix: str = "") -> str:
    name = f"{prefix}.{key}" if prefix else key
    if key not in data:
        raise ValidationError(name, "is required")
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(name, "must be non-empty text", value=value)
    return value


def _texts(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise ValidationError(key, "must be a list of text", value=value)
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise ValidationError(f"{key}[{i}]", "must be non-empty text", value=item)
    return tuple(value)


def _flag(data: Mapping[str, Any], key: str, *, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise ValidationError(key, "must be true or false", value=value)
    return value


def _enum(
    data: Mapping[str, Any], key: str, kind: type[E], *, prefix: str = "", default: E | None = None
) -> E:
    name = f"{prefix}.{key}" if prefix else key
    if key not in data:
        if default is not None:
            return default
        raise ValidationError(name, "is required")
    value = data[key]
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(m.value for m in kind)
        raise ValidationError(name, f"must be one of {choices}", value=value) from None
