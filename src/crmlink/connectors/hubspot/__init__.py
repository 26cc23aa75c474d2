"""The HubSpot connector: private-app tokens and OAuth 2.0, the CRM API v3 (properties,
objects, batch writes, search) and archived records for deletions.

Its names are imported on first use, so that reading `spec` (the registry lists every
CRM's spec) does not load the connector."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crmlink.connectors._http import RetryPolicy
    from crmlink.connectors.hubspot.connector import HubSpotConnector
    from crmlink.connectors.hubspot.describe import TYPE_MAP

__all__ = ["TYPE_MAP", "HubSpotConnector", "RetryPolicy"]
_HOMES = {
    "TYPE_MAP": "crmlink.connectors.hubspot.describe",
    "HubSpotConnector": "crmlink.connectors.hubspot.connector",
    "RetryPolicy": "crmlink.connectors._http",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
