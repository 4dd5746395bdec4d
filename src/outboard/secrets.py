"""Secrets at rest (SMTP / IMAP passwords, provider API keys): Fernet with a key from configuration.

`Secret` wraps a decrypted value so it never shows in a repr, a log line or a traceback.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken

from outboard.core.errors import ConfigError


class Secret:
    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__


class SecretBox:
    def __init__(self, key: str | None):
        if not key:
            raise ConfigError("OUTBOARD_SECRET_KEY is missing: run `outboard init` to create one, "
                              "or set it to a key from `outboard init --print-key`")
        try:
            self._fernet = Fernet(key.encode())
        except (ValueError, TypeError):
            raise ConfigError("OUTBOARD_SECRET_KEY is not a valid key (32 url-safe base64 bytes); "
                              "generate one with `outboard init --print-key`") from None

    @staticmethod
    def new_key() -> str:
        return Fernet.generate_key().decode()

    def seal(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def open(self, token: str) -> Secret:
        try:
            return Secret(self._fernet.decrypt(token.encode()).decode())
        except InvalidToken:
            raise ConfigError("a stored secret cannot be decrypted with OUTBOARD_SECRET_KEY: "
                              "the key changed since it was saved") from None
