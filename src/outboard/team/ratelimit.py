"""Sign-in rate limiting: too many failures for one email, or from one address, and sign-in is refused
for a while. Counts live in the process (one web server); the clock is the runtime's, so tests move time.

Per email the limit is tight (5 per 15 minutes: a person mistypes a few times, a guesser needs
thousands). Per client address it is looser, because an office behind one NAT address shares it.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from outboard.core.clock import Clock


@dataclass(frozen=True)
class Refusal:
    scope: str  # "email" or "address"
    retry_after: int  # seconds

    @property
    def message(self) -> str:
        minutes = max(1, -(-self.retry_after // 60))
        who = "this email" if self.scope == "email" else "your network address"
        return (f"Too many failed sign-ins for {who}. Wait {minutes} minute{'s' if minutes != 1 else ''} "
                "and try again, or ask an admin to check your account.")


class LoginLimiter:
    def __init__(self, clock: Clock, *, per_email: int = 5, per_address: int = 20,
                 window: timedelta = timedelta(minutes=15), max_keys: int = 50_000):
        self.clock, self.window, self.max_keys = clock, window, max_keys
        self._limits = {"email": per_email, "address": per_address}
        self._failures: dict[tuple[str, str], deque[datetime]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(email: str, address: str) -> list[tuple[str, str]]:
        return [("email", email.strip().lower()), ("address", address)]

    def _recent(self, key: tuple[str, str], now: datetime) -> deque[datetime]:
        times = self._failures.get(key, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        return times

    def check(self, email: str, address: str) -> Refusal | None:
        """A refusal if either key is over its limit; checked before the password is even looked at."""
        now = self.clock.now()
        with self._lock:
            for key in self._keys(email, address):
                times = self._recent(key, now)
                if len(times) >= self._limits[key[0]]:
                    wait = times[len(times) - self._limits[key[0]]] + self.window - now
                    return Refusal(key[0], max(1, int(wait.total_seconds())))
        return None

    def failed(self, email: str, address: str) -> None:
        now = self.clock.now()
        with self._lock:
            if len(self._failures) >= self.max_keys:
                self._prune(now)
            for key in self._keys(email, address):
                times = self._recent(key, now)
                times.append(now)
                self._failures[key] = times

    def succeeded(self, email: str) -> None:
        """A correct password clears the email's count (not the address's: one success proves little)."""
        with self._lock:
            self._failures.pop(("email", email.strip().lower()), None)

    def _prune(self, now: datetime) -> None:
        for key in list(self._failures):
            if not self._recent(key, now):
                del self._failures[key]
        while len(self._failures) >= self.max_keys:  # still full: forget the oldest entries
            del self._failures[next(iter(self._failures))]
