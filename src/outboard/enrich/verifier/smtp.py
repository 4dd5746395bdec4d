"""A minimal SMTP client for probing: plain asyncio streams, every wait bounded, no DATA command at all."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass

from outboard.enrich.verifier.result import Reason

_ENHANCED = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})(?=\s|$)")
_MAX_REPLY_LINES = 100


@dataclass(frozen=True)
class Reply:
    code: int
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        """The reply text without codes, lines joined by spaces."""
        return " ".join(self.lines).strip()

    @property
    def enhanced(self) -> str | None:
        """RFC 3463 enhanced status code ("5.1.1") when the server sent one."""
        match = _ENHANCED.match(self.lines[0]) if self.lines else None
        return match.group(0) if match else None

    @property
    def message(self) -> str:
        """The text after the enhanced status code."""
        text = self.text
        enhanced = self.enhanced
        return text[len(enhanced):].strip() if enhanced else text

    @property
    def keywords(self) -> set[str]:
        """EHLO extension keywords (upper case), from every line after the first."""
        return {line.split(" ", 1)[0].upper() for line in self.lines[1:] if line}

    def __str__(self) -> str:
        return f"{self.code} {self.text}".strip()


class SmtpFailure(Exception):
    """The conversation ended without a reply we could use (network or protocol trouble)."""

    def __init__(self, reason: Reason, detail: str):
        super().__init__(detail)
        self.reason, self.detail = reason, detail


class SmtpClient:
    """One connection. Every read and write respects the command timeout and the address deadline."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *,
                 command_timeout: float, deadline: float):
        self._reader, self._writer = reader, writer
        self._command_timeout = command_timeout
        self.deadline = deadline  # of the address being checked; a reused connection gets the next one
        self.replies = 0  # replies read so far

    @property
    def dead(self) -> bool:
        """The server already closed the connection (seen as EOF) or we did."""
        return self._reader.at_eof() or self._writer.is_closing()

    @classmethod
    async def connect(cls, host: str, port: int, *, connect_timeout: float, command_timeout: float,
                      deadline: float) -> SmtpClient:
        timeout = _bounded(connect_timeout, deadline)
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(host, port, limit=2**16)
        except TimeoutError:
            raise SmtpFailure(Reason.CONNECTION_FAILED,
                              f"no TCP connection to {host}:{port} within {timeout:.3g}s") from None
        except OSError as exc:
            raise SmtpFailure(Reason.CONNECTION_FAILED, f"cannot connect to {host}:{port}: "
                              f"{exc.strerror or exc}") from None
        return cls(reader, writer, command_timeout=command_timeout, deadline=deadline)

    async def read_reply(self, what: str) -> Reply:
        timeout = _bounded(self._command_timeout, self.deadline)
        try:
            async with asyncio.timeout(timeout):  # cheaper than wait_for: no extra task per reply
                return await self._read_reply()
        except TimeoutError:
            raise SmtpFailure(Reason.TIMEOUT, f"no reply to {what} within {timeout:.3g}s") from None
        except (ConnectionError, asyncio.IncompleteReadError, EOFError):
            raise SmtpFailure(Reason.CONNECTION_CLOSED, f"the server closed the connection after {what}") from None
        except (asyncio.LimitOverrunError, ValueError) as exc:
            raise SmtpFailure(Reason.PROTOCOL_ERROR, f"unreadable reply to {what}: {exc}") from None

    async def _read_reply(self) -> Reply:
        code: int | None = None
        lines: list[str] = []
        while True:
            raw = await self._reader.readline()
            if not raw.endswith(b"\n"):
                raise EOFError
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if len(line) < 3 or not line[:3].isdigit() or line[3:4] not in ("", " ", "-"):
                raise ValueError(f"not an SMTP reply line: {line[:80]!r}")
            if code is None:
                code = int(line[:3])
            lines.append(line[4:])
            if line[3:4] != "-" or len(lines) >= _MAX_REPLY_LINES:
                self.replies += 1
                return Reply(code, tuple(lines))

    async def command(self, line: str, what: str | None = None) -> Reply:
        label = what or line.split(":", 1)[0].split(" ", 1)[0]
        try:
            self._writer.write(line.encode("utf-8") + b"\r\n")
            async with asyncio.timeout(_bounded(self._command_timeout, self.deadline)):
                await self._writer.drain()
        except TimeoutError:
            raise SmtpFailure(Reason.TIMEOUT, f"could not send {label}: the server stopped reading") from None
        except (ConnectionError, OSError):
            raise SmtpFailure(Reason.CONNECTION_CLOSED, f"the server closed the connection before {label}") from None
        return await self.read_reply(label)

    async def quit(self, timeout: float = 2.0, *, ignore_deadline: bool = False) -> None:
        """Say goodbye politely but briefly; the verdict never depends on it."""
        try:
            self._writer.write(b"QUIT\r\n")
            limit = min(timeout, self._command_timeout)
            async with asyncio.timeout(limit if ignore_deadline else _bounded(limit, self.deadline)):
                await self._read_reply()
        except (TimeoutError, ConnectionError, OSError, EOFError, ValueError, asyncio.IncompleteReadError):
            pass
        finally:
            self.close()

    def close(self) -> None:
        if not self._writer.is_closing():
            self._writer.close()


def _bounded(timeout: float, deadline: float) -> float:
    """The smaller of a step timeout and what is left of the whole budget (never negative)."""
    return max(0.001, min(timeout, deadline - time.monotonic()))
