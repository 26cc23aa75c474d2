"""Open the connector for an external account's CRM type."""

from __future__ import annotations

from crmlink.connectors.base import Connector
from crmlink.errors import UsageError
from crmlink.model import AccountSettings

CRM_TYPES = ("salesforce", "dynamics")


def open_connector(account: AccountSettings) -> Connector:
    if account.type == "salesforce":
        from crmlink.connectors.salesforce import SalesforceConnector

        return SalesforceConnector(account)
    if account.type == "dynamics":
        from crmlink.connectors.dynamics import DynamicsConnector

        return DynamicsConnector(account)
    raise UsageError(
        f"unknown CRM type {account.type!r}: use one of {', '.join(CRM_TYPES)}",
        account=account.name,
    )
