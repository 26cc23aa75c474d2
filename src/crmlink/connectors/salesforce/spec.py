"""Salesforce as crmlink knows it: auth methods, secrets, native types and limits."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from crmlink.connectors.salesforce.describe import TYPE_MAP
from crmlink.connectors.spec import AuthRule, Capabilities, ConnectorSpec
from crmlink.model import AccountSettings

if TYPE_CHECKING:
    from crmlink.connectors.base import Connector


def _open(account: AccountSettings) -> Connector:
    from crmlink.connectors.salesforce.connector import SalesforceConnector

    return SalesforceConnector(account)


SPEC = ConnectorSpec(
    type="salesforce",
    label="Salesforce",
    auth_methods={
        "soap": AuthRule(("username", "password", "security_token"), ("client_id",)),
        "password": AuthRule(
            ("username", "client_id", "password", "security_token", "client_secret")
        ),
        "client-credentials": AuthRule(("client_id", "client_secret"), ("username",)),
        "jwt": AuthRule(("username", "client_id", "private_key")),
        "refresh-token": AuthRule(("client_id", "refresh_token"), ("client_secret",)),
    },
    secret_fields=("password", "security_token", "client_secret", "refresh_token"),
    open=_open,
    type_map=TYPE_MAP,
    capabilities=Capabilities(
        deleted_retention=dt.timedelta(days=30),  # getDeleted's window
        first_deleted_lookback=dt.timedelta(days=29),  # inside getDeleted's 30 days
        case_insensitive_match=True,  # SOQL compares text without case
        write_batch_size=200,  # sObject Collections
        max_read_page=2000,  # a REST query page
    ),
    sandbox_auth="password",
    empty_secrets=("security_token",),  # an org that trusts the caller's IP range has none
)
