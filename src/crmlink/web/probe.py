"""`account test` for the console: log in to an account's CRM, read its identity and usage.

The same calls as `crmlink account test` (open the connector, `identity()`, `usage()`); the
CLI keeps its copy private in `cli/account.py`, so this one mirrors it until both move into
the catalog.
"""

from __future__ import annotations

import httpx

from crmlink.connectors.registry import open_connector
from crmlink.errors import JobFailed
from crmlink.model import AccountSettings, Identity, Usage


def probe(settings: AccountSettings) -> tuple[Identity, Usage]:
    try:
        connector = open_connector(settings)
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith(f"crmlink.connectors.{settings.type}"):
            raise
        raise JobFailed(f"this crmlink has no {settings.type} connector yet") from None
    try:
        return connector.identity(), connector.usage()
    except (httpx.HTTPError, OSError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise JobFailed(f"cannot reach {settings.url}: {reason}", account=settings.name) from None
    finally:
        connector.close()
