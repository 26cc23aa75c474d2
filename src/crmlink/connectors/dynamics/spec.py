"""Dynamics 365 (Dataverse) as crmlink knows it: auth methods, secrets, native types and
limits."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from crmlink.connectors.dynamics.describe import TYPE_MAP
from crmlink.connectors.spec import AuthRule, Capabilities, ConnectorSpec
from crmlink.model import AccountSettings

if TYPE_CHECKING:
    from crmlink.connectors.base import Connector


def _open(account: AccountSettings) -> Connector:
    from crmlink.connectors.dynamics.connector import DynamicsConnector

    return DynamicsConnector(account)


SPEC = ConnectorSpec(
    type="dynamics",
    label="Dynamics 365",
    auth_methods={
        "client-secret": AuthRule(("tenant_id", "client_id", "client_secret")),
        "certificate": AuthRule(("tenant_id", "client_id", "private_key")),
        "password": AuthRule(
            ("tenant_id", "client_id", "username", "password"), ("client_secret",)
        ),
    },
    secret_fields=("password", "client_secret"),
    open=_open,
    type_map=TYPE_MAP,
    capabilities=Capabilities(
        deleted_retention=None,  # the org's ExpireChangeTrackingInDays
        first_deleted_lookback=dt.timedelta(days=29),
        case_insensitive_match=True,  # Dataverse compares text without case
        write_batch_size=1000,  # operations of one $batch
        max_read_page=5000,  # odata.maxpagesize
    ),
    sandbox_auth="client-secret",
)
