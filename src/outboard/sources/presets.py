"""Column presets: map a file's columns to our fields (see normalize.FIELDS), detected from the header.

Presets live in data/presets.toml: Sales Navigator, Apollo, HubSpot contacts, LinkedIn connections and a
generic one. `build_mapping(header)` picks the best-scoring preset (or the one named), lets a mapping file
override any field, and keeps every other column as a custom field under its own name, for messages.

Mapping file (TOML or JSON), our field -> their column (or a list of columns, first non-empty wins):

    preset = "generic"          # optional: the preset to start from
    ignore = ["Internal notes"] # optional: columns not to keep as custom fields
    [columns]
    email = "E-Mail-Adresse"
    full_name = ["Name", "Ansprechpartner"]
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from outboard.core.errors import ValidationError
from outboard.sources.normalize.record import FIELDS, NormalizedLead, normalize_record
from outboard.sources.normalize.text import fold

GENERIC = "generic"
# A custom column must not be read back as one of our fields by normalize_record.
_RESERVED = frozenset(FIELDS) | {"linkedin_id"}
_NON_KEY = re.compile(r"[^a-z0-9#]+")


def column_key(name: str) -> str:
    """How column names are compared: case, accents, spaces and punctuation ignored ("E-Mail" = "email")."""
    return _NON_KEY.sub("", fold(name))


@dataclass(frozen=True, slots=True)
class Preset:
    name: str
    label: str
    columns: tuple[tuple[str, tuple[str, ...]], ...]  # (our field, their columns in priority order)
    markers: tuple[str, ...]


def _custom_key(column: str) -> str:
    return f"{column} (column)" if column in _RESERVED else column


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """How one file's columns become our fields; picklable, so workers can apply it."""

    preset: str
    score: float
    fields: tuple[tuple[str, tuple[str, ...]], ...]  # (our field, columns present in this file)
    custom: tuple[str, ...]  # columns kept as custom fields under their own names

    def apply(self, row: Mapping[str, str]) -> dict[str, str]:
        """A file row -> our fields plus custom fields, ready for normalize_record."""
        out: dict[str, str] = {}
        for name, columns in self.fields:
            for column in columns:
                value = (row.get(column) or "").strip()
                if not value:
                    continue
                if name not in out:
                    out[name] = value
                elif value != out[name]:  # a second phone or email: keep it, don't drop it
                    out[_custom_key(column)] = value
        for column in self.custom:
            value = row.get(column)
            if value and value.strip():
                out[_custom_key(column)] = value.strip()
        return out

    def describe(self) -> dict[str, object]:
        return {"preset": self.preset, "score": round(self.score, 3), "fields": dict(self.fields),
                "custom": list(self.custom)}


@cache
def presets() -> dict[str, Preset]:
    text = resources.files("outboard.sources").joinpath("data", "presets.toml").read_text(encoding="utf-8")
    out = {}
    for name, spec in tomllib.loads(text).items():
        columns = tuple((f, tuple(cols)) for f, cols in spec["columns"].items())
        out[name] = Preset(name, spec["label"], columns, tuple(spec.get("markers", ())))
    return out


def _score(preset: Preset, keys: set[str], generic: Preset) -> float:
    """0..1: share of the preset's markers present (60%) plus share of the header it knows (40%)."""
    if not keys:
        return 0.0
    known = {column_key(c) for _, cols in preset.columns for c in cols}
    coverage = len(keys & known) / len(keys)
    if preset.name == GENERIC:
        return 0.4 * coverage
    hits = sum(1 for m in preset.markers if column_key(m) in keys)
    if not hits:
        return 0.0
    known |= {column_key(c) for _, cols in generic.columns for c in cols}
    return 0.6 * hits / len(preset.markers) + 0.4 * len(keys & known) / len(keys)


def detect_preset(header: Sequence[str]) -> list[tuple[str, float]]:
    """Every preset with its score for this header, best first (ties: the file-order of presets)."""
    keys = {column_key(c) for c in header}
    table = presets()
    scored = [(name, _score(p, keys, table[GENERIC])) for name, p in table.items()]
    return sorted(scored, key=lambda item: -item[1])


@dataclass(frozen=True, slots=True)
class MappingFile:
    preset: str | None
    columns: dict[str, tuple[str, ...]]
    ignore: tuple[str, ...]


def load_mapping_file(path: str | Path) -> MappingFile:
    """Read a TOML or JSON mapping file; raises ValidationError (field "mapping") when malformed."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (OSError, ValueError) as exc:
        raise ValidationError("mapping", f"cannot read mapping file ({exc})", value=path.name) from None
    if not isinstance(data, dict):
        raise ValidationError("mapping", "the mapping file must hold a table of field = column", value=path.name)
    columns = data.get("columns", {k: v for k, v in data.items() if k not in ("preset", "ignore")})
    out: dict[str, tuple[str, ...]] = {}
    for name, value in columns.items():
        if name not in FIELDS:
            raise ValidationError("mapping", f"unknown field {name!r}; fields are: {', '.join(FIELDS)}")
        cols = (value,) if isinstance(value, str) else value
        if not isinstance(cols, list | tuple) or not all(isinstance(c, str) for c in cols):
            raise ValidationError("mapping", f"{name} must name a column or a list of columns", value=value)
        out[name] = tuple(cols)
    preset, ignore = data.get("preset"), data.get("ignore", [])
    if preset is not None and not isinstance(preset, str):
        raise ValidationError("mapping", "preset must be a preset name", value=preset)
    if not isinstance(ignore, list):
        raise ValidationError("mapping", "ignore must be a list of columns", value=ignore)
    return MappingFile(preset, out, tuple(str(c) for c in ignore))


def _find(column: str, header: Sequence[str], by_key: dict[str, str]) -> str | None:
    return column if column in header else by_key.get(column_key(column))


def build_mapping(header: Sequence[str], *, preset: str | None = None,
                  mapping: MappingFile | str | Path | None = None) -> ColumnMapping:
    """Map a header to our fields: the named preset or the best detected one, then the mapping file."""
    table = presets()
    if isinstance(mapping, str | Path):
        mapping = load_mapping_file(mapping)
    chosen = preset or (mapping.preset if mapping else None)
    scores = dict(detect_preset(header))
    if chosen is None:
        chosen = max(scores, key=lambda name: scores[name]) if any(scores.values()) else GENERIC
    if chosen not in table:
        raise ValidationError("preset", f"unknown preset; choose one of {', '.join(table)}", value=chosen)
    by_key: dict[str, str] = {}
    for column in header:
        by_key.setdefault(column_key(column), column)
    used: set[str] = set()
    fields: dict[str, list[str]] = {}

    def assign(name: str, column: str) -> None:
        if column not in used:
            used.add(column)
            fields.setdefault(name, []).append(column)

    for name, columns in (mapping.columns if mapping else {}).items():
        for column in columns:
            found = _find(column, header, by_key)
            if found is None:
                raise ValidationError("mapping", f"column {column!r} is not in the file; its columns are: "
                                      f"{', '.join(header)}")
            assign(name, found)
    from_file = set(fields)  # fields the mapping file names take only the columns it gives
    for source in (table[chosen], table[GENERIC]):  # the preset's own columns first, generic aliases after
        for name, columns in source.columns:
            if name in from_file or (source.name == GENERIC and name in fields):
                continue
            for column in columns:
                found = by_key.get(column_key(column))
                if found:
                    assign(name, found)
    ignored = {_find(c, header, by_key) for c in (mapping.ignore if mapping else ())}
    custom = tuple(c for c in header if c not in used and c not in ignored)
    ordered = tuple((name, tuple(fields[name])) for name in FIELDS if name in fields)
    return ColumnMapping(chosen, scores.get(chosen, 0.0), ordered, custom)


def map_and_normalize(mapping: ColumnMapping, rows: Sequence[Mapping[str, str]]) -> list[NormalizedLead]:
    """Apply a mapping and normalise a chunk of file rows; top-level and picklable, for a process pool:
    `pool.imap(functools.partial(map_and_normalize, mapping), chunks)`."""
    return [normalize_record(mapping.apply(row)) for row in rows]
