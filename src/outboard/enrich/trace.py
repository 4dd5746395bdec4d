"""The tracing switch: OUTBOARD_TRACE_PROVIDERS=1 logs every provider call of the waterfalls, one line each
(provider, what was asked, the outcome, how long it took), on the `outboard.enrich.trace` logger."""

from __future__ import annotations

import logging
import sys
from typing import Any

log = logging.getLogger("outboard.enrich.trace")


class Tracer:
    def __init__(self, enabled: bool):
        self.enabled = enabled
        if enabled and log.level in (logging.NOTSET, *range(logging.INFO + 1, logging.CRITICAL + 1)):
            # The switch must show the calls even when the process logs only warnings.
            log.setLevel(logging.INFO)
            if not log.handlers:
                handler = logging.StreamHandler(sys.stderr)
                handler.setFormatter(logging.Formatter("%(asctime)s trace %(message)s"))
                log.addHandler(handler)

    def call(self, kind: str, provider: str, key: str | None, outcome: str, seconds: float, **extra: Any) -> None:
        if not self.enabled:
            return
        details = " ".join(f"{name}={value}" for name, value in extra.items() if value not in (None, ""))
        log.info("%s provider=%s key=%s outcome=%s ms=%.1f%s", kind, provider, key or "-", outcome,
                 seconds * 1000, f" {details}" if details else "")
