"""Optional DKIM signing: a key set on an email account (CLI) signs every email the scheduler sends."""

import base64
from datetime import timedelta

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sqlalchemy import select
from typer.testing import CliRunner

from outboard.cli import app
from outboard.db.models import Event, SenderAccount
from outboard.devservers.mx import MxServer
from outboard.send.campaigns import StepInput
from tests.send.engine_setup import build_campaign, run_days

runner = CliRunner()
TWO_EMAILS = [StepInput("email", 0, "always", "intro"), StepInput("email", 1, "no_reply", "bump")]


@pytest.fixture(scope="module")
def rsa_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def _dns(name: bytes, record: bytes):
    def lookup(asked: bytes, timeout: int = 5) -> bytes | None:
        return record if asked == name else None
    return lookup


def test_emails_of_an_account_with_a_dkim_key_verify_against_its_public_key(rt, workspace_id, rsa_key, tmp_path):
    pem, record = rsa_key
    with MxServer.sink() as sink:
        campaign = build_campaign(rt, workspace_id, 2, sink.port, with_email=lambda i: True, steps=TWO_EMAILS,
                                  play="cold-email-first")
        key_file = tmp_path / "key.pem"
        key_file.write_bytes(pem)
        result = runner.invoke(app, ["accounts", "set-dkim", str(campaign.email_account_id), "--selector", "s1",
                                     "--key-file", str(key_file)])
        assert result.exit_code == 0, result.output
        assert "s1._domainkey.outboard-mail.test" in result.output
        rt.clock.advance(timedelta(minutes=30))
        run_days(rt, 4)
        assert len(sink.messages) == 4
        for received in sink.messages:
            assert received.data.startswith(b"DKIM-Signature:")
            assert dkim.verify(received.data, dnsfunc=_dns(b"s1._domainkey.outboard-mail.test.", record))
            assert not dkim.verify(received.data.replace(b"Step", b"Stop"),
                                   dnsfunc=_dns(b"s1._domainkey.outboard-mail.test.", record))
    with rt.db.sessions() as session:
        account = session.get(SenderAccount, campaign.email_account_id)
        assert b"PRIVATE KEY" not in repr(account.secrets).encode()  # sealed, not stored in clear
        assert account.connection["dkim_selector"] == "s1"
        assert session.scalar(select(Event).where(Event.kind == "account_dkim_set")) is not None


def test_without_a_key_nothing_is_signed_and_a_bad_key_is_refused_clearly(rt, workspace_id, tmp_path):
    with MxServer.sink() as sink:
        campaign = build_campaign(rt, workspace_id, 1, sink.port, with_email=lambda i: True,
                                  steps=TWO_EMAILS[:1], play="cold-email-first")
        not_pem = tmp_path / "not.pem"
        not_pem.write_text("hello")
        bad = runner.invoke(app, ["accounts", "set-dkim", str(campaign.email_account_id), "--selector", "s1",
                                  "--key-file", str(not_pem)])
        assert bad.exit_code == 1 and "--key-file" in bad.output and "PEM private key" in bad.output
        ec_pem = tmp_path / "ec.pem"
        ec_pem.write_bytes(ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        bad = runner.invoke(app, ["accounts", "set-dkim", str(campaign.email_account_id), "--selector", "s1",
                                  "--key-file", str(ec_pem)])
        assert bad.exit_code == 1 and "RSA" in bad.output
        bad = runner.invoke(app, ["accounts", "set-dkim", str(campaign.linkedin_account_id), "--selector", "s1",
                                  "--key-file", str(not_pem)])
        assert bad.exit_code == 1
        rt.clock.advance(timedelta(minutes=30))
        run_days(rt, 1)
        assert len(sink.messages) == 1 and not sink.messages[0].data.startswith(b"DKIM-Signature:")
    with rt.db.sessions() as session:
        assert "dkim_private_key" not in session.get(SenderAccount, campaign.email_account_id).secrets
