"""Send prepared emails over SMTP (aiosmtplib), keeping one connection open for a batch.

`send` never raises for what the server or the network says: it returns an outcome (outcomes.py). One
channel serves one sender account; concurrent `send` calls on it are serialised, since one SMTP
connection carries one transaction at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType

import aiosmtplib

from outboard.send.email_message import OutgoingEmail
from outboard.send.outcomes import Outcome, Sent, Stage, classify_smtp_exception, provider_id_from_reply


class Security(StrEnum):
    STARTTLS = "starttls"  # port 587: plain connect, then upgrade; refuses to go on if the server cannot
    TLS = "tls"  # port 465: TLS from the first byte
    NONE = "none"  # local test servers only


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    security: Security = Security.STARTTLS
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    tls_context: ssl.SSLContext | None = None  # e.g. to trust a self-signed test certificate
    local_hostname: str | None = None
    messages_per_connection: int = 100  # many providers close the connection after about 100


class SmtpChannel:
    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self._smtp: aiosmtplib.SMTP | None = None
        self._sent_on_connection = 0
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> SmtpChannel:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()

    async def check(self) -> Outcome | None:
        """Connect and log in without sending: None when the account works, else what is wrong."""
        async with self._lock:
            return await self._ensure_connected()

    async def send(self, email: OutgoingEmail) -> Outcome:
        async with self._lock:
            outcome, may_retry = await self._attempt(email)
            if may_retry:
                outcome, _ = await self._attempt(email)
            return outcome

    async def _attempt(self, email: OutgoingEmail) -> tuple[Outcome, bool]:
        """One try. True when a fresh connection may try again: the server had closed this one before
        MAIL was accepted (an idle timeout), so nothing was handed over."""
        problem = await self._ensure_connected()
        if problem is not None:
            return problem, False
        smtp = self._smtp
        assert smtp is not None
        stage: Stage = "mail"
        try:
            await smtp.mail(email.envelope_from)
            stage = "rcpt"
            await smtp.rcpt(email.recipient)
            stage = "data"
            reply = await smtp.data(email.data)
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code != 421:
                await self._reset()
                return classify_smtp_exception(exc, stage), False
            self._drop()  # 421: the server is closing the connection
            return classify_smtp_exception(exc, stage), stage == "mail"
        except (aiosmtplib.SMTPException, OSError) as exc:
            self._drop()
            return classify_smtp_exception(exc, stage), (
                stage == "mail" and isinstance(exc, aiosmtplib.SMTPServerDisconnected))
        self._sent_on_connection += 1
        if self._sent_on_connection >= self.settings.messages_per_connection:
            await self._quit()
        return Sent(provider_id_from_reply(reply.message)), False

    async def close(self) -> None:
        async with self._lock:
            await self._quit()

    async def _ensure_connected(self) -> Outcome | None:
        if self._smtp is not None and self._smtp.is_connected:
            return None
        self._drop()
        s = self.settings
        smtp = aiosmtplib.SMTP(hostname=s.host, port=s.port, timeout=s.timeout, local_hostname=s.local_hostname,
                               use_tls=s.security is Security.TLS, start_tls=s.security is Security.STARTTLS,
                               tls_context=s.tls_context)
        stage: Stage = "connect"
        try:
            await smtp.connect()
            if s.username:
                stage = "auth"
                await smtp.login(s.username, s.password or "")
        except (aiosmtplib.SMTPException, OSError) as exc:
            smtp.close()
            return classify_smtp_exception(exc, stage)
        self._smtp, self._sent_on_connection = smtp, 0
        return None

    async def _reset(self) -> None:
        """After a refusal, RSET so the same connection can carry the next message."""
        if self._smtp is None:
            return
        try:
            await self._smtp.rset()
        except (aiosmtplib.SMTPException, OSError):
            self._drop()

    async def _quit(self) -> None:
        if self._smtp is not None and self._smtp.is_connected:
            with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                await self._smtp.quit()
        self._drop()

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
        self._smtp = None
