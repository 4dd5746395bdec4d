"""An SMTP sink in its own process that counts what it receives by Message-ID (to prove exactly-once)."""

from __future__ import annotations

import re
import time
from multiprocessing.connection import Connection

_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.M | re.I)


def counting_sink(pipe: Connection) -> None:
    from aiosmtpd.controller import Controller

    seen: dict[bytes, int] = {}

    class Count:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            match = _MESSAGE_ID.search(envelope.content[:4000])  # type: ignore[attr-defined]
            key = match.group(1) if match else b"?"
            seen[key] = seen.get(key, 0) + 1
            return "250 2.0.0 Ok: queued"

    import socket

    with socket.socket() as probe:  # aiosmtpd's Controller needs a concrete port to check it is up
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Count(), hostname="127.0.0.1", port=port)
    controller.start()
    pipe.send(port)
    while pipe.recv() == "cpu":  # CPU seconds so far, to charge a measured span
        pipe.send(time.process_time())
    controller.stop()
    pipe.send({"messages": sum(seen.values()), "unique": len(seen), "duplicates": sum(v - 1 for v in seen.values()),
               "cpu": time.process_time()})
