"""Form helpers: a field's error beside it, the other values kept."""

from __future__ import annotations

from dataclasses import dataclass, field

from outboard.core.errors import ValidationError


@dataclass
class FormState:
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def fail(self, name: str, message: str) -> FormState:
        self.errors[name] = message
        return self

    def from_error(self, exc: ValidationError, *, fallback: str) -> FormState:
        """Put a service's ValidationError beside its field (or `fallback` when the form has no such field)."""
        name = exc.field if exc.field in self.values else fallback
        reason = exc.reason[:1].upper() + exc.reason[1:]
        return self.fail(name, reason if reason.endswith((".", "?", "!")) else reason + ".")

    @property
    def ok(self) -> bool:
        return not self.errors


def safe_next(target: str | None, default: str = "/") -> str:
    """Only paths on this site: "//evil.example", "https://..." and "/<tab>/evil.example" (browsers drop
    tabs and newlines, leaving "//") are not followed after sign-in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return default if any(c.isspace() or c < " " for c in target) else target
