"""A demo home run again: it may only hold the demo's own accounts, which are replaced.

Each `crmlink demo` starts new sandboxes (new ports, CAs and credentials), so a rerun on
the same `--home` points the demo's accounts at them and keeps everything else (schemas,
enumerations, recipients, workflow runs) but the demo workflows' cursors, which belonged
to the old sandboxes. A folder holding other accounts is not a demo home: it is refused
rather than changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import fields
from pathlib import Path

from sqlalchemy import update

from crmlink.catalog.accounts import AccountInput, AccountStore, check, check_secrets
from crmlink.db import Database
from crmlink.db.tables import accounts
from crmlink.db.types import utcnow
from crmlink.errors import NotFoundError, UsageError
from crmlink.workflow.cursors import reset as reset_cursors


def check_demo_home(store: AccountStore, home: Path, demo_accounts: Sequence[str]) -> None:
    """UsageError unless every account in the home is one of the demo's."""
    others = [a.name for a in store.list() if a.name not in demo_accounts]
    if others:
        shown = ", ".join(repr(name) for name in others)
        raise UsageError(
            f"{home} is not a demo home: it holds the accounts {shown}; give --home an empty "
            "folder or one made by `crmlink demo`"
        )


def put_account(store: AccountStore, data: AccountInput) -> None:
    """Add the account, or replace the settings and secrets of the one of that name."""
    if data.name not in {a.name for a in store.list()}:
        store.add(data)
        return
    data = check(data)
    check_secrets(data)
    values = {f.name: getattr(data, f.name) for f in fields(AccountInput)}
    values.pop("name")
    values["secrets"] = store.cipher.encrypt(data.secrets)
    values["updated_at"] = utcnow()
    with store.database.transaction() as connection:
        connection.execute(update(accounts).where(accounts.c.name == data.name).values(**values))


def forget_cursors(database: Database, workflows: Sequence[str]) -> None:
    """The demo workflows start over: their cursors pointed into the old sandboxes."""
    for name in workflows:
        with suppress(NotFoundError):  # a first run: the workflow has not run yet
            reset_cursors(database, name)
