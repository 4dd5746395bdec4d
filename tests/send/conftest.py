"""Real SMTP servers on loopback (aiosmtpd) that answer each recipient as its local part says."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

warnings.filterwarnings("ignore", message="Session.login_data is deprecated", category=DeprecationWarning)

# Local part of the recipient → the server's answer to RCPT TO (everything else: 250).
RCPT_ANSWERS = {
    "bounce": "550 5.1.1 <bounce>: Recipient address rejected: User unknown",
    "nouser": "550 Requested action not taken: mailbox unavailable",
    "grey": "451 4.7.1 Greylisted, please try again later",
    "blocked": "554 5.7.1 Service unavailable; client host blocked using a reputation list",
    "full": "552 5.2.2 Mailbox full",
    "closing": "421 4.7.0 Too many connections, closing",
}
DATA_ANSWERS = {"spam": "554 5.7.1 Message rejected: looks like spam"}
USER, PASSWORD = "jo@sender.test", "right-password"


@dataclass
class ScriptedHandler:
    messages: list[Envelope] = field(default_factory=list)
    rcpts: list[str] = field(default_factory=list)
    peers: list[object] = field(default_factory=list)  # the client's address per accepted message
    idle_closes: int = 0  # answer this many MAIL commands with 421 and close, like an idle timeout

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          mail_options: list[str]) -> str:
        if self.idle_closes > 0:
            self.idle_closes -= 1
            server.transport.close()
            return "421 4.4.2 Idle timeout, closing connection"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        self.rcpts.append(address)
        answer = RCPT_ANSWERS.get(address.partition("@")[0])
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        local = envelope.rcpt_tos[0].partition("@")[0]
        if local == "vanish":  # takes the whole message, then the connection dies before the reply
            self.messages.append(envelope)
            server.transport.close()
            return "250 OK"
        answer = DATA_ANSWERS.get(local)
        if answer:
            return answer
        self.messages.append(envelope)
        self.peers.append(session.peer)
        return f"250 2.0.0 Ok: queued as Q{len(self.messages):05d}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    controller: Controller
    handler: ScriptedHandler
    options: dict[str, object]

    @property
    def port(self) -> int:
        return self.controller.port

    def restart(self) -> None:
        """Go away and come back on the same port, as a server restart does to open connections."""
        self.controller.stop()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **self.options)
        self.controller.start()


def _authenticator(server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                   auth_data: object) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok, handled=False)


def _serve(**kwargs: object) -> Iterator[Server]:
    handler = ScriptedHandler()
    server = Server(Controller(handler, hostname="127.0.0.1", port=free_port(), **kwargs), handler, kwargs)
    server.controller.start()
    try:
        yield server
    finally:
        server.controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[Server]:
    yield from _serve()


@pytest.fixture
def auth_server() -> Iterator[Server]:
    yield from _serve(auth_required=True, auth_require_tls=False, authenticator=_authenticator)


@dataclass(frozen=True)
class Tls:
    server: ssl.SSLContext
    client: ssl.SSLContext


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    """A self-signed certificate for 127.0.0.1, and a client context that trusts only it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    folder: Path = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    return Tls(server, ssl.create_default_context(cafile=str(cert_file)))


@pytest.fixture
def starttls_server(tls: Tls) -> Iterator[Server]:
    yield from _serve(tls_context=tls.server, require_starttls=True, auth_required=True,
                      authenticator=_authenticator)


@pytest.fixture
def implicit_tls_server(tls: Tls) -> Iterator[Server]:
    # aiosmtpd does not count implicit TLS as TLS when deciding whether to offer AUTH.
    yield from _serve(ssl_context=tls.server, auth_required=True, auth_require_tls=False,
                      authenticator=_authenticator)
