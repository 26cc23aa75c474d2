"""Checking an external account on the way in: its name, type, URL, API version, the
settings and secrets its auth method needs (from the CRM's spec in
`crmlink.connectors.registry`), and its PEM files.

Every refusal is a `UsageError` with one sentence naming the flag that fixes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from crmlink.catalog.crm_url import check_crm_url
from crmlink.catalog.secrets import secret_fields
from crmlink.connectors._http import ca_bundle_context
from crmlink.connectors.registry import SPECS, spec_for
from crmlink.connectors.spec import SETTING_FIELDS, AuthRule
from crmlink.errors import UsageError
from crmlink.files import MiB, UserFileError, read_user_file

PEM_LIMIT = 10 * MiB  # a bundle of every public CA is about 250 KiB
NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
VERSION_PATTERN = re.compile(r"v?(\d{1,3})(\.\d{1,2})?")
FLAGS = {name: "--" + name.replace("_", "-") for name in SETTING_FIELDS}
FLAG_VALUES = {
    "username": "USER (the CRM user's login)",
    "client_id": "ID (the client id of the CRM app the account signs in with)",
    "private_key": "FILE (the PEM private key of the certificate the CRM app trusts)",
    "tenant_id": "ID (the Azure AD tenant id)",
}


@dataclass(frozen=True)
class AccountInput:
    """What `account add` is given. `secrets` maps secret names (`secret_fields()`) to values."""

    name: str
    type: str
    url: str
    auth: str
    username: str | None = None
    client_id: str | None = None
    api_version: str | None = None
    sandbox: bool = False
    ca_bundle: str | None = None
    private_key: str | None = None
    tenant_id: str | None = None
    secrets: dict[str, str] = field(default_factory=dict, repr=False)


def auth_rules() -> dict[str, dict[str, AuthRule]]:
    """CRM type -> auth method -> rule, from the connector registry."""
    return {crm_type: dict(spec.auth_methods) for crm_type, spec in SPECS.items()}


def auth_rule(crm_type: str, auth: str) -> AuthRule:
    """The rule of an auth method; UsageError naming the choices when unknown."""
    methods = spec_for(crm_type).auth_methods
    if auth not in methods:
        raise UsageError(
            f"{crm_type} accounts have no --auth {auth!r}: use one of {', '.join(methods)}"
        )
    return methods[auth]


def check(data: AccountInput) -> AccountInput:
    """Validate and normalize everything but the secrets (so a CLI can ask for them after)."""
    _check_name(data.name)
    rule = auth_rule(data.type, data.auth)
    data = replace(data, url=_check_url(data.url), api_version=_check_version(data.api_version))
    for name in SETTING_FIELDS:
        _check_setting(data, rule, name)
    return replace(
        data,
        ca_bundle=_check_ca_bundle(data.ca_bundle),
        private_key=_check_pem(data.private_key, "--private-key", "PRIVATE KEY"),
    )


def check_secrets(data: AccountInput) -> None:
    rule = auth_rule(data.type, data.auth)
    known = secret_fields()
    for name, value in data.secrets.items():
        if name not in known:
            raise UsageError(f"unknown secret {name!r}: use one of {', '.join(known)}")
        if name not in rule.secrets(optional=True):
            raise UsageError(f"--auth {data.auth} does not use a {name} secret: leave it out")
        if value == "" and name not in spec_for(data.type).empty_secrets:
            raise UsageError(f"the {name} secret is empty: give its value")
    for name in rule.secrets():
        if name not in data.secrets:
            raise UsageError(
                f"--auth {data.auth} needs a {name} secret: add --secret-from-env VAR={name}, "
                f"or a {name}=… line on stdin with --secrets-stdin (a terminal asks for it)"
            )


def _check_name(name: str) -> None:
    if not NAME_PATTERN.fullmatch(name):
        raise UsageError(
            f"account name {name!r} is not valid: use 1 to 64 letters, digits, '-' or '_'"
        )


def _check_url(url: str) -> str:
    return check_crm_url(url)


def _check_version(version: str | None) -> str | None:
    if version is None:
        return None
    match = VERSION_PATTERN.fullmatch(version.strip())
    if not match:
        raise UsageError(f"--api-version {version!r} is not a version: give one like 59.0")
    return match.group(1) + (match.group(2) or ".0")


def _check_setting(data: AccountInput, rule: AuthRule, name: str) -> None:
    value = getattr(data, name)
    if value is None and name in rule.needs:
        raise UsageError(
            f"--auth {data.auth} needs {FLAGS[name]}: add {FLAGS[name]} {FLAG_VALUES[name]}"
        )
    if value is not None and name not in rule.needs + rule.accepts:
        raise UsageError(f"--auth {data.auth} does not use {FLAGS[name]}: leave it out")
    if value is not None and not value.strip():
        raise UsageError(f"{FLAGS[name]} is empty: give its value")


def _check_pem(path: str | None, flag: str, kind: str) -> str | None:
    if path is None:
        return None
    file = Path(path).expanduser()
    try:
        text = read_user_file(file, flag, PEM_LIMIT).decode("ascii", errors="replace")
    except UserFileError as exc:
        raise UsageError(f"{flag} {path}: {exc.reason}; give a readable PEM file") from None
    if f"-----BEGIN {kind}-----" not in text and not _pem_kind(text, kind):
        raise UsageError(f"{flag} {file} holds no PEM {kind.lower()}: give a PEM file")
    return str(file.resolve())


def _pem_kind(text: str, kind: str) -> bool:
    """Whether `text` has a PEM block `-----BEGIN … {kind}-----` (e.g. RSA PRIVATE KEY)."""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("-----BEGIN ") and line.endswith(f" {kind}-----"):
            return True
    return False


def _check_ca_bundle(path: str | None) -> str | None:
    """A PEM file of certificates that OpenSSL loads (not just one with a PEM header)."""
    checked = _check_pem(path, "--ca-bundle", "CERTIFICATE")
    if checked is None:
        return None
    ca_bundle_context(checked, "--ca-bundle")
    return checked
