"""Open an account's connector for a command, closed when the command ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from crmlink.catalog.accounts import AccountStore
from crmlink.catalog.secrets import SecretCipher
from crmlink.cli.common import open_catalog
from crmlink.connectors.base import Connector
from crmlink.connectors.registry import open_connector
from crmlink.db import Database
from crmlink.errors import JobFailed


@contextmanager
def account_connector(home: Path | None, account: str) -> Iterator[tuple[Database, Connector]]:
    settings, database = open_catalog(home)
    account_settings = AccountStore(database, SecretCipher(settings.secret_key)).settings(account)
    connector = open_connector(account_settings)
    try:
        yield database, connector
    except (httpx.HTTPError, OSError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise JobFailed(f"cannot reach {account_settings.url}: {reason}", account=account) from None
    finally:
        connector.close()
