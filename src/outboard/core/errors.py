"""Errors every layer can raise and every entry point turns into one clear line."""


class OutboardError(Exception):
    """Base class: the message is written for the user and says what to fix."""


class ConfigError(OutboardError):
    """Bad or missing configuration."""


class NotFound(OutboardError):
    """An object does not exist in the caller's workspace (never says whether it exists elsewhere)."""


class IllegalTransition(OutboardError):
    """A state machine was asked for a move it does not allow; nothing was changed."""

    def __init__(self, machine: str, current: str, target: str, allowed: list[str]):
        self.machine, self.current, self.target, self.allowed = machine, current, target, allowed
        choices = ", ".join(allowed) if allowed else "none (final state)"
        super().__init__(f"{machine} cannot go from {current} to {target}; allowed from {current}: {choices}")


class ValidationError(OutboardError):
    """Bad input that names the field (and row, where there is one)."""

    def __init__(self, field: str, reason: str, *, row: int | None = None, value: object = None):
        self.field, self.reason, self.row, self.value = field, reason, row, value
        where = f"row {row}, " if row is not None else ""
        shown = f" (got {value!r:.80})" if value is not None else ""
        super().__init__(f"{where}{field}: {reason}{shown}")


class NotBuiltYet(OutboardError):
    """A command whose capability does not exist yet; it says so instead of pretending."""

    def __init__(self, what: str):
        super().__init__(f"{what} is not built yet in this version of Outboard")
