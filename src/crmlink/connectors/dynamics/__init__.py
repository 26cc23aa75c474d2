"""The Dynamics 365 connector: Azure AD logins (msal), the Dataverse Web API v9.2,
`$batch` writes and change tracking.

Its names are imported on first use, so that reading `spec` (the registry lists every
CRM's spec) does not load the connector."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crmlink.connectors._http import RetryPolicy
    from crmlink.connectors.dynamics.auth import authority_for
    from crmlink.connectors.dynamics.connector import DynamicsConnector
    from crmlink.connectors.dynamics.describe import TYPE_MAP

__all__ = ["TYPE_MAP", "DynamicsConnector", "RetryPolicy", "authority_for"]
_HOMES = {
    "TYPE_MAP": "crmlink.connectors.dynamics.describe",
    "DynamicsConnector": "crmlink.connectors.dynamics.connector",
    "RetryPolicy": "crmlink.connectors._http",
    "authority_for": "crmlink.connectors.dynamics.auth",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
