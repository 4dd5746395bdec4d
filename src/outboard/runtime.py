"""What a process needs to do work: settings, database, clock, secret box and job queue.

Built once per process from the configuration (CLI, web server, worker); tests and the demo build their
own and install it with `use_runtime`, because Huey tasks receive only ids.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from outboard.core.clock import Clock, SystemClock
from outboard.db.database import Database
from outboard.secrets import SecretBox
from outboard.settings import Settings, load_settings

if TYPE_CHECKING:
    from huey import Huey


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock
    _huey: Huey | None = field(default=None, repr=False)

    @classmethod
    def build(cls, settings: Settings | None = None, clock: Clock | None = None, *, check: bool = True) -> Runtime:
        settings = settings or load_settings()
        clock = clock or SystemClock()
        return cls(settings, Database.open(settings.database_url, clock, check=check), clock)

    @property
    def secrets(self) -> SecretBox:
        return SecretBox(self.settings.secret_key)

    @property
    def huey(self) -> Huey:
        if self._huey is None:
            from outboard.jobs.queue import make_huey

            self._huey = make_huey(self.settings)
        return self._huey

    def close(self) -> None:
        self.db.close()


_current: Runtime | None = None


def runtime() -> Runtime:
    global _current
    if _current is None:
        _current = Runtime.build()
    return _current


@contextmanager
def use_runtime(rt: Runtime) -> Iterator[Runtime]:
    global _current
    previous, _current = _current, rt
    try:
        yield rt
    finally:
        _current = previous
