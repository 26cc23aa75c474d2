"""The Salesforce connector: SOAP / OAuth logins, REST, sObject Collections, Bulk API 2.0."""

from __future__ import annotations

from crmlink.connectors.retry import RetryPolicy
from crmlink.connectors.salesforce.bulk import PollPolicy
from crmlink.connectors.salesforce.connector import SalesforceConnector
from crmlink.connectors.salesforce.describe import TYPE_MAP

__all__ = ["TYPE_MAP", "PollPolicy", "RetryPolicy", "SalesforceConnector"]
