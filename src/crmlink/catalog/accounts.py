"""External accounts: how crmlink reaches a CRM. Validated on the way in, secrets encrypted.

    store = AccountStore(database, SecretCipher(settings.secret_key))
    store.add(AccountInput(name="sf", type="salesforce", url="https://…", auth="password", …))
    store.settings("sf")  ->  AccountSettings (secrets decrypted, for connectors)
    store.edit("sf", {"url": "https://…"}, {"password": "…"})  ->  AccountEdit (what changed)

Every refusal is a `UsageError` with one sentence naming the flag that fixes it; a refused
`add` or `edit` writes nothing. `edit` validates the edited account exactly as `add` does.
"""

from __future__ import annotations

import difflib
import re
import ssl
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from crmlink.catalog.secrets import SecretCipher, mask, secret_fields
from crmlink.connectors.registry import SPECS, spec_for
from crmlink.connectors.spec import SETTING_FIELDS, AuthRule
from crmlink.db import Database
from crmlink.db.tables import accounts
from crmlink.db.types import utcnow
from crmlink.errors import NotFoundError, UsageError
from crmlink.model import AccountSettings

NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
VERSION_PATTERN = re.compile(r"v?(\d{1,3})(\.\d{1,2})?")
FLAGS = {name: "--" + name.replace("_", "-") for name in SETTING_FIELDS}
FLAG_VALUES = {
    "username": "USER (the CRM user's login)",
    "client_id": "ID (the connected app's consumer key, or the Azure app's client id)",
    "private_key": "FILE (the PEM private key of the certificate the CRM app trusts)",
    "tenant_id": "ID (the Azure AD tenant id)",
}
EMPTY_ALLOWED = ("security_token",)  # an org that trusts the caller's IP range has none
EDITABLE = ("url", "ca_bundle", "api_version", "username", "client_id", "tenant_id",
            "private_key", "sandbox")  # fmt: skip


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


@dataclass(frozen=True)
class Account:
    """A stored account, without its secrets (`secret_fields` names those it has)."""

    name: str
    type: str
    url: str
    auth: str
    username: str | None
    client_id: str | None
    api_version: str | None
    sandbox: bool
    ca_bundle: str | None
    private_key: str | None
    tenant_id: str | None
    created_at: object
    updated_at: object

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class AccountEdit:
    """What `AccountStore.edit` changed: (setting, before, after) and the secrets replaced."""

    account: Account
    settings: tuple[tuple[str, object, object], ...]
    secrets: tuple[str, ...]  # names only: a secret's value is never reported

    @property
    def changed(self) -> bool:
        return bool(self.settings or self.secrets)


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
        if value == "" and name not in EMPTY_ALLOWED:
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
    parts = urlsplit(url.strip())
    if parts.scheme == "http":
        raise UsageError(
            f"crmlink only talks to CRMs over https; use https://{parts.netloc}{parts.path} "
            "(TLS verification is always on)"
        )
    if parts.scheme != "https" or not parts.hostname:
        raise UsageError(
            f"--url {url!r} is not a CRM address: give one like https://mydomain.my.salesforce.com"
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise UsageError(
            f"--url {parts.scheme}://{parts.hostname}… must be a plain address: "
            "no credentials, query or fragment (secrets are asked for separately)"
        )
    return f"https://{parts.netloc}{parts.path}".rstrip("/")


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
        text = file.read_text(errors="replace")
    except OSError as exc:
        raise UsageError(
            f"{flag} {path}: {exc.strerror or exc}; give a readable PEM file"
        ) from None
    if not re.search(f"-----BEGIN [A-Z ]*{kind}-----", text):
        raise UsageError(f"{flag} {path} holds no PEM {kind.lower()}: give a PEM file")
    return str(file.resolve())


def _check_ca_bundle(path: str | None) -> str | None:
    """A PEM file of certificates that OpenSSL loads (not just one with a PEM header)."""
    checked = _check_pem(path, "--ca-bundle", "CERTIFICATE")
    if checked is None:
        return None
    try:
        ssl.create_default_context(cafile=checked)
    except (ssl.SSLError, ValueError):
        raise UsageError(
            f"--ca-bundle {path} is not a PEM file of certificates: give the CRM's CA "
            "certificates in PEM (-----BEGIN CERTIFICATE-----)"
        ) from None
    return checked


class AccountStore:
    """The external accounts of one campaign database."""

    def __init__(self, database: Database, cipher: SecretCipher) -> None:
        self.database = database
        self.cipher = cipher

    def check_new(self, data: AccountInput) -> AccountInput:
        """`check()` plus: the name is free. Run before asking for secrets."""
        data = check(data)
        with self.database.connect() as connection:
            taken = connection.execute(select(accounts.c.id).where(accounts.c.name == data.name))
            if taken.first() is not None:
                raise _taken(data.name)
        return data

    def add(self, data: AccountInput) -> Account:
        data = check(data)
        check_secrets(data)
        row = {f.name: getattr(data, f.name) for f in fields(AccountInput) if f.name != "secrets"}
        row["secrets"] = self.cipher.encrypt(data.secrets)
        row["created_at"] = row["updated_at"] = utcnow()
        try:
            with self.database.transaction() as connection:
                connection.execute(insert(accounts).values(**row))
        except IntegrityError:
            raise _taken(data.name) from None
        return self.get(data.name)

    def edit(self, name: str, changes: dict[str, Any], secrets: dict[str, str]) -> AccountEdit:
        """Change settings (`EDITABLE`) and secrets of an account, validated as `add` is.

        Secrets not given are kept. Nothing is written when the edited account is refused.
        """
        unknown = set(changes) - set(EDITABLE)
        if unknown:
            raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
        row = self._row(name)
        before = _account(row)
        stored = self.cipher.decrypt(row["secrets"], name)
        kept = {
            f.name: getattr(before, f.name) for f in fields(AccountInput) if f.name != "secrets"
        }
        data = check(replace(AccountInput(**kept), **changes))
        data = replace(data, secrets={**stored, **secrets})
        check_secrets(data)
        settings = tuple(
            (key, getattr(before, key), getattr(data, key))
            for key in EDITABLE
            if getattr(data, key) != getattr(before, key)
        )
        replaced = tuple(key for key in sorted(secrets) if stored.get(key) != secrets[key])
        if settings or replaced:
            values = {key: after for key, _, after in settings}
            values["secrets"] = self.cipher.encrypt(data.secrets)
            values["updated_at"] = utcnow()
            with self.database.transaction() as connection:
                connection.execute(update(accounts).where(accounts.c.name == name).values(values))
        return AccountEdit(self.get(name), settings, replaced)

    def list(self) -> list[Account]:
        with self.database.connect() as connection:
            rows = connection.execute(select(accounts).order_by(accounts.c.name)).mappings()
            return [_account(row) for row in rows]

    def get(self, name: str) -> Account:
        return _account(self._row(name))

    def remove(self, name: str) -> None:
        self._row(name)
        try:
            with self.database.transaction() as connection:
                connection.execute(delete(accounts).where(accounts.c.name == name))
        except IntegrityError:
            raise UsageError(
                f"account {name!r} is still used by schemas or workflows: remove those first"
            ) from None

    def settings(self, name: str) -> AccountSettings:
        row = self._row(name)
        account = _account(row)
        keep = {f.name for f in fields(AccountSettings)}
        values = {k: v for k, v in account.to_dict().items() if k in keep}
        return AccountSettings(**values, secrets=self.cipher.decrypt(row["secrets"], name))

    def show(self, name: str) -> dict:
        """The account as a dict for display, its secrets masked."""
        row = self._row(name)
        secrets = self.cipher.decrypt(row["secrets"], name)
        masked = {key: mask(value) for key, value in sorted(secrets.items())}
        return {**_account(row).to_dict(), "secrets": masked}

    def _row(self, name: str):
        with self.database.connect() as connection:
            row = connection.execute(select(accounts).where(accounts.c.name == name)).mappings()
            found = row.first()
            if found is None:
                names = connection.execute(select(accounts.c.name)).scalars().all()
                raise _not_found(name, names)
            return found


def _account(row) -> Account:
    return Account(**{f.name: row[f.name] for f in fields(Account)})


def _taken(name: str) -> UsageError:
    return UsageError(
        f"an account named {name!r} already exists: choose another name or remove it "
        f"first with `crmlink account remove {name}`",
        account=name,
    )


def _not_found(name: str, names: Sequence[str]) -> NotFoundError:
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    if close:
        hint = "did you mean " + " or ".join(repr(n) for n in close) + "?"
    else:
        hint = "see `crmlink account list`, or add it with `crmlink account add`"
    return NotFoundError(f"no account named {name!r}: {hint}", account=name)
