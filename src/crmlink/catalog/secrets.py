"""Account secrets: encrypted at rest with Fernet, masked for display, never logged.

The secrets of one account are one JSON object (`{"password": …, "security_token": …}`)
encrypted as one Fernet token. The key comes from `Settings.secret_key()`
(CRMLINK_SECRET_KEY or the 0600 key file in the home), read on first use only.
Which secret names exist is the CRMs' business: `secret_fields()` is the union of the
connector specs' `secret_fields` (`crmlink.connectors.registry`).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from cryptography.fernet import Fernet, InvalidToken

from crmlink.connectors import registry
from crmlink.errors import UsageError

SECRET_LABELS = {  # how a terminal asks for a secret; others: the name, capitalized
    "password": "Password",
    "security_token": "Security token",
    "client_secret": "Client secret",
    "refresh_token": "Refresh token",
}
MASK = "••••"


def secret_fields() -> tuple[str, ...]:
    """Every secret name an account may have: the union over the registered CRMs."""
    return registry.secret_fields()


def secret_label(name: str) -> str:
    """The prompt for secret `name`, e.g. "Security token"."""
    return SECRET_LABELS.get(name) or name.replace("_", " ").capitalize()


class SecretCipher:
    """Encrypts and decrypts an account's secrets; the key is loaded when first needed."""

    def __init__(self, key: bytes | Callable[[], bytes]) -> None:
        self._key = key
        self._fernet: Fernet | None = None

    @property
    def fernet(self) -> Fernet:
        if self._fernet is None:
            self._fernet = Fernet(self._key() if callable(self._key) else self._key)
        return self._fernet

    def encrypt(self, secrets: dict[str, str]) -> str:
        return self.fernet.encrypt(json.dumps(secrets, sort_keys=True).encode()).decode("ascii")

    def decrypt(self, token: str, account: str) -> dict[str, str]:
        try:
            return json.loads(self.fernet.decrypt(token.encode("ascii")))
        except InvalidToken:
            raise UsageError(
                f"cannot decrypt the secrets of account {account!r}: the secret key is not the "
                "one they were stored with; restore that key (CRMLINK_SECRET_KEY or the key "
                "file in the home) or add the account again",
                account=account,
            ) from None


def mask(value: str | None) -> str:
    """How a secret is shown: `(empty)`, `set`, or `••••` and its last 2 characters."""
    if value is None:
        return "(not set)"
    if value == "":
        return "(empty)"
    if len(value) < 12:
        return "set"
    return MASK + value[-2:]
