"""Shared by the catalog tests: PEM files and the auth cases of `account add`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from crmlink.catalog.accounts import AccountStore
from crmlink.catalog.secrets import SecretCipher
from crmlink.config import Settings
from crmlink.db import open_database

SF_URL = "https://acme.my.salesforce.com"
SECRETS = {
    "password": "Pa55word-hunter2-XYZ",
    "security_token": "TokEn9876543210abc",
    "client_secret": "ClientSecret-5f3a9e1c77",
    "refresh_token": "5Aep861RefreshToken-0x7f",
}
# auth method -> (flags, secrets it needs)
AUTH_CASES = {
    "soap": (["--username", "u@acme.example"], ("password", "security_token")),
    "password": (
        ["--username", "u@acme.example", "--client-id", "3MVG9abc"],
        ("password", "security_token", "client_secret"),
    ),
    "client-credentials": (["--client-id", "3MVG9abc"], ("client_secret",)),
    "jwt": (["--username", "u@acme.example", "--client-id", "3MVG9abc", "--private-key"], ()),
    "refresh-token": (["--client-id", "3MVG9abc"], ("refresh_token",)),
}


def write_pem_pair(folder: Path) -> tuple[Path, Path]:
    """A private key and a self-signed certificate, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "crmlink test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(1)
        .not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    key_path, cert_path = folder / "key.pem", folder / "cert.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def stored_settings(home: Path, database_url: str, name: str):
    """What connectors would get for account `name` (secrets decrypted)."""
    settings = Settings.load(home, env={"CRMLINK_DATABASE_URL": database_url})
    with open_database(settings) as database:
        return AccountStore(database, SecretCipher(settings.secret_key)).settings(name)
