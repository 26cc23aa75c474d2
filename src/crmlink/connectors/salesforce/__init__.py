"""The Salesforce connector: SOAP / OAuth logins, REST, sObject Collections, Bulk API 2.0.

Its names are imported on first use, so that reading `spec` (the registry lists every
CRM's spec) does not load the connector."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crmlink.connectors._http import RetryPolicy
    from crmlink.connectors.salesforce.bulk import PollPolicy
    from crmlink.connectors.salesforce.connector import SalesforceConnector
    from crmlink.connectors.salesforce.describe import TYPE_MAP

__all__ = ["TYPE_MAP", "PollPolicy", "RetryPolicy", "SalesforceConnector"]
_HOMES = {
    "TYPE_MAP": "crmlink.connectors.salesforce.describe",
    "PollPolicy": "crmlink.connectors.salesforce.bulk",
    "RetryPolicy": "crmlink.connectors._http",
    "SalesforceConnector": "crmlink.connectors.salesforce.connector",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
