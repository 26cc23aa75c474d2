"""Testing an external account's connection: log in, read its identity and API usage.

One function for `crmlink account test` and the console's "Test connection" button, so
both say the same thing when the CRM is unreachable or its connector is missing.
"""

from __future__ import annotations

import httpx

from crmlink.connectors.base import Connector
from crmlink.errors import JobFailed
from crmlink.model import AccountSettings, Identity, Usage


def probe(settings: AccountSettings) -> tuple[Identity, Usage]:
    """Log in to the account's CRM; its identity and usage. Unreachable: JobFailed."""
    connector = open_account(settings)
    try:
        return connector.identity(), connector.usage()
    except (httpx.HTTPError, OSError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise JobFailed(f"cannot reach {settings.url}: {reason}", account=settings.name) from None
    finally:
        connector.close()


def open_account(settings: AccountSettings) -> Connector:
    """The account's connector; a CRM type whose connector is not built in: JobFailed."""
    from crmlink.connectors.registry import open_connector  # imports every connector's spec

    try:
        return open_connector(settings)
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith(f"crmlink.connectors.{settings.type}"):
            raise
        raise JobFailed(f"this crmlink has no {settings.type} connector yet") from None
