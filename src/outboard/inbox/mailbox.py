"""An account's IMAP connection: its settings (secret sealed at rest), connecting, and finding folders."""

from __future__ import annotations

import contextlib
import ssl
from dataclasses import dataclass
from typing import Any

from imapclient import IMAPClient
from sqlalchemy.orm import Session

from outboard.core.errors import ValidationError
from outboard.db.models import SenderAccount
from outboard.db.timeline import record
from outboard.secrets import SecretBox

SECURITIES = ("tls", "starttls", "none")
DEFAULT_POLL_SECONDS = 30
# Names servers use for the Sent folder when they do not flag it \Sent (RFC 6154 SPECIAL-USE).
SENT_NAMES = ("Sent", "Sent Items", "Sent Messages", "Sent Mail", "[Gmail]/Sent Mail", "INBOX.Sent", "INBOX/Sent",
              "Gesendete Elemente", "Gesendet", "Éléments envoyés", "Elementos enviados")


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    security: str
    username: str
    password: str
    folder: str = "INBOX"
    sent_folder: str | None = None  # None: found by the \Sent flag or a usual name
    poll_seconds: int = DEFAULT_POLL_SECONDS
    timeout: float = 30.0
    tls_context: ssl.SSLContext | None = None


def has_imap(account: SenderAccount) -> bool:
    return account.kind == "email" and bool(account.connection.get("imap_host"))


def imap_settings(account: SenderAccount, box: SecretBox) -> ImapSettings:
    c = account.connection
    if not has_imap(account):
        raise ValidationError("imap_host", f"account {account.id} ({account.address}) has no IMAP server set")
    secret = account.secrets.get("imap_password") or account.secrets.get("smtp_password")
    return ImapSettings(
        host=str(c["imap_host"]), port=int(c.get("imap_port") or 993), security=str(c.get("imap_security") or "tls"),
        username=str(c.get("imap_username") or c.get("smtp_username") or account.address),
        password=box.open(secret).reveal() if secret else "", folder=str(c.get("imap_folder") or "INBOX"),
        sent_folder=c.get("imap_sent_folder"), poll_seconds=int(c.get("imap_poll_seconds") or DEFAULT_POLL_SECONDS))


def configure_imap(session: Session, account: SenderAccount, box: SecretBox, *, host: str, port: int = 993,
                   security: str = "tls", username: str | None = None, password: str | None = None,
                   folder: str = "INBOX", sent_folder: str | None = None,
                   poll_seconds: int = DEFAULT_POLL_SECONDS) -> None:
    """Connect (or change) the mailbox the sync reads replies from; the password is sealed at rest."""
    if account.kind != "email":
        raise ValidationError("account", "only an email account has a mailbox to read")
    if security not in SECURITIES:
        raise ValidationError("imap_security", "must be tls, starttls or none", value=security)
    if not 0 < port < 65536:
        raise ValidationError("imap_port", "must be a TCP port", value=port)
    if poll_seconds < 5:
        raise ValidationError("imap_poll_seconds", "must be at least 5 seconds", value=poll_seconds)
    connection: dict[str, Any] = {**account.connection, "imap_host": host, "imap_port": port,
                                  "imap_security": security, "imap_username": username or account.address,
                                  "imap_folder": folder, "imap_sent_folder": sent_folder,
                                  "imap_poll_seconds": poll_seconds}
    account.connection = connection  # a new dict, so the JSON column is written
    if password is not None:
        account.secrets = {**account.secrets, "imap_password": box.seal(password)}
    record(session, account.workspace_id, "mailbox_connected", subject=f"account:{account.id}", host=host)


def connect(settings: ImapSettings) -> IMAPClient:
    """Logged in and ready; raises on network, TLS or login problems (the caller records them)."""
    context = settings.tls_context or ssl.create_default_context()
    client = IMAPClient(settings.host, settings.port, ssl=settings.security == "tls",
                        ssl_context=context if settings.security == "tls" else None, timeout=settings.timeout)
    try:
        if settings.security == "starttls":
            client.starttls(context)
        client.login(settings.username, settings.password)
    except Exception:
        _close(client)
        raise
    return client


def _close(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # already broken: nothing more to tell the server
        with contextlib.suppress(Exception):
            client.shutdown()


def disconnect(client: IMAPClient) -> None:
    _close(client)


def find_sent_folder(client: IMAPClient, settings: ImapSettings) -> str | None:
    if settings.sent_folder:
        return settings.sent_folder
    flagged = client.find_special_folder(b"\\Sent")
    if flagged:
        return str(flagged)
    names = {str(name).lower(): str(name) for _flags, _delimiter, name in client.list_folders()}
    for candidate in SENT_NAMES:
        if candidate.lower() in names:
            return names[candidate.lower()]
    return None
