"""HubSpot as crmlink knows it: auth methods, secrets, native types and limits."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from crmlink.connectors.hubspot.describe import TYPE_MAP
from crmlink.connectors.spec import AuthRule, Capabilities, ConnectorSpec
from crmlink.model import AccountSettings

if TYPE_CHECKING:
    from crmlink.connectors.base import Connector


def _open(account: AccountSettings) -> Connector:
    from crmlink.connectors.hubspot.connector import HubSpotConnector

    return HubSpotConnector(account)


SPEC = ConnectorSpec(
    type="hubspot",
    label="HubSpot",
    auth_methods={
        "private-app": AuthRule(("access_token",)),
        "oauth": AuthRule(("client_id", "client_secret", "refresh_token")),
    },
    secret_fields=("access_token", "client_secret", "refresh_token"),
    open=_open,
    type_map=TYPE_MAP,
    capabilities=Capabilities(
        deleted_retention=dt.timedelta(days=90),  # archived records can be restored 90 days
        first_deleted_lookback=dt.timedelta(days=89),
        case_insensitive_match=True,  # search compares text without case (IN: lower-cased)
        write_batch_size=100,  # inputs of one batch create/update/upsert/archive
        max_read_page=100,  # `limit` of the objects list API (search pages take 200)
        match_values_per_query=100,  # values of one IN filter
    ),
    sandbox_auth="private-app",
)
