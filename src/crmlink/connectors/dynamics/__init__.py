"""The Dynamics 365 connector: Azure AD logins (msal), the Dataverse Web API v9.2,
`$batch` writes and change tracking."""

from __future__ import annotations

from crmlink.connectors.dynamics.auth import authority_for
from crmlink.connectors.dynamics.connector import DynamicsConnector
from crmlink.connectors.dynamics.describe import TYPE_MAP
from crmlink.connectors.retry import RetryPolicy

__all__ = ["TYPE_MAP", "DynamicsConnector", "RetryPolicy", "authority_for"]
