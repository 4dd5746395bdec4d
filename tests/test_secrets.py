"""Secrets are encrypted at rest and never shown."""

import pytest

from outboard.core.errors import ConfigError
from outboard.secrets import SecretBox


def test_sealed_secrets_round_trip_and_hide_in_reprs():
    box = SecretBox(SecretBox.new_key())
    token = box.seal("hunter2-smtp")
    assert "hunter2" not in token
    secret = box.open(token)
    assert secret.reveal() == "hunter2-smtp"
    assert "hunter2" not in repr(secret) and "hunter2" not in f"{secret}"


def test_a_changed_key_is_a_clear_error():
    token = SecretBox(SecretBox.new_key()).seal("x")
    with pytest.raises(ConfigError, match="key changed"):
        SecretBox(SecretBox.new_key()).open(token)
