"""External accounts: how crmlink reaches a CRM. Validated on the way in, secrets encrypted.

    store = AccountStore(database, SecretCipher(settings.secret_key))
    store.add(AccountInput(name="sf", type="salesforce", url="https://…", auth="password", …))
    store.settings("sf")  ->  AccountSettings (secrets decrypted, for connectors)
    store.edit("sf", {"url": "https://…"}, {"password": "…"})  ->  AccountEdit (what changed)

Every refusal is a `UsageError` with one sentence naming the flag that fixes it (the checks
are in `crmlink.catalog.account_checks`); a refused `add` or `edit` writes nothing. `edit`
validates the edited account exactly as `add` does.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from sqlalchemy import RowMapping, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from crmlink.catalog.account_checks import (
    AccountInput,
    auth_rule,
    auth_rules,
    check,
    check_secrets,
)
from crmlink.catalog.secrets import SecretCipher, mask
from crmlink.db import Database
from crmlink.db.tables import accounts
from crmlink.db.types import utcnow
from crmlink.errors import NotFoundError, UsageError
from crmlink.model import AccountSettings

__all__ = [
    "EDITABLE",
    "Account",
    "AccountEdit",
    "AccountInput",
    "AccountStore",
    "auth_rule",
    "auth_rules",
    "check",
    "check_secrets",
]
EDITABLE = ("url", "ca_bundle", "api_version", "username", "client_id", "tenant_id",
            "private_key", "sandbox")  # fmt: skip


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

    def _row(self, name: str) -> RowMapping:
        with self.database.connect() as connection:
            row = connection.execute(select(accounts).where(accounts.c.name == name)).mappings()
            found = row.first()
            if found is None:
                names = connection.execute(select(accounts.c.name)).scalars().all()
                raise _not_found(name, names)
            return found


def _account(row: RowMapping) -> Account:
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
