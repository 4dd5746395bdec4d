"""Form helpers: a field's error beside it, the other values kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from outboard.core.errors import ValidationError


@dataclass
class FormState:
    values: dict[str, Any] = field(default_factory=dict)  # text, or a list of texts for checkboxes
    errors: dict[str, str] = field(default_factory=dict)

    def fail(self, name: str, message: str) -> FormState:
        self.errors[name] = message
        return self

    def from_error(self, exc: ValidationError, *, fallback: str, aliases: dict[str, str] | None = None) -> FormState:
        """Put a service's ValidationError beside its field (or `fallback` when the form has no such field).
        `aliases` name the form field of a service field (`limits.daily_cap` → `daily_cap`)."""
        field_name = (aliases or {}).get(exc.field, exc.field)
        name = field_name if field_name in self.values else fallback
        reason = exc.reason[:1].upper() + exc.reason[1:]
        return self.fail(name, reason if reason.endswith((".", "?", "!")) else reason + ".")

    def whole_number(self, name: str, *, minimum: int = 0, maximum: int = 10_000_000) -> int | None:
        """The field as a whole number in range, or None with the message beside it."""
        text = self.values.get(name, "").strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 12) or not minimum <= int(text) <= maximum:
            self.fail(name, f"Enter a whole number from {minimum:,} to {maximum:,}.")
            return None
        return int(text)

    @property
    def ok(self) -> bool:
        return not self.errors


def safe_next(target: str | None, default: str = "/") -> str:
    """Only paths on this site: "//evil.example", "https://..." and "/<tab>/evil.example" (browsers drop
    tabs and newlines, leaving "//") are not followed after sign-in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return default if any(c.isspace() or c < " " for c in target) else target
