"""What a CRM is to crmlink, declared once: `ConnectorSpec`.

Each `crmlink/connectors/<crm>/spec.py` exports a `SPEC`; `crmlink.connectors.registry`
lists them, and every layer reads its CRM facts from there: the catalog its types, auth
methods and secret fields; the CLI its help texts; the workflow activities the CRM's
limits (`Capabilities`). A spec is cheap to import: `open` imports the connector only
when an account is opened.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from crmlink.model import AccountSettings, FieldKind

if TYPE_CHECKING:
    from crmlink.connectors.base import Connector

# The account settings an auth method may need (`AccountSettings` attributes, `--` flags).
SETTING_FIELDS = ("username", "client_id", "private_key", "tenant_id")


@dataclass(frozen=True)
class AuthRule:
    """What one auth method needs and accepts: settings (`SETTING_FIELDS`) and secrets."""

    needs: tuple[str, ...]  # settings (username, client_id, …) and secrets it requires
    accepts: tuple[str, ...] = ()  # optional ones; anything else is refused

    def secrets(self, optional: bool = False) -> tuple[str, ...]:
        """The secret names among `needs` (and `accepts` when `optional`)."""
        names = self.needs + (self.accepts if optional else ())
        return tuple(name for name in names if name not in SETTING_FIELDS)

    def settings(self, optional: bool = False) -> tuple[str, ...]:
        """The setting names among `needs` (and `accepts` when `optional`)."""
        names = self.needs + (self.accepts if optional else ())
        return tuple(name for name in names if name in SETTING_FIELDS)


@dataclass(frozen=True)
class Capabilities:
    """The CRM's limits and habits that code above the connector must respect."""

    # How long the CRM reports deletions (None: set per org, or unknown).
    deleted_retention: dt.timedelta | None
    # A first import_deleted run, with no cursor yet, starts this long before the run.
    first_deleted_lookback: dt.timedelta
    # `=` / `in` on text ignore case: match values are compared lower-cased.
    case_insensitive_match: bool
    write_batch_size: int  # records per write call
    max_read_page: int  # rows per read page, at most
    match_values_per_query: int = 200  # values of one `in (…)` look-up


@dataclass(frozen=True)
class ConnectorSpec:
    """One CRM: its type name, auth methods, secrets, native types, limits and opener."""

    type: str  # the account's --type, e.g. "salesforce"
    label: str  # e.g. "Salesforce"
    auth_methods: Mapping[str, AuthRule]  # --auth name -> rule, the default first
    secret_fields: tuple[str, ...]  # every secret name any of its auth methods uses
    open: Callable[[AccountSettings], Connector] = field(repr=False, compare=False)
    type_map: Mapping[str, FieldKind] = field(repr=False)  # native type name -> kind
    capabilities: Capabilities
    sandbox_auth: str = ""  # the auth method `account add --from-sandbox` uses by default
    empty_secrets: tuple[str, ...] = ()  # secrets that may be given empty

    def auth_rule(self, method: str) -> AuthRule:
        """The rule of `method`; KeyError when this CRM has no such auth method."""
        return self.auth_methods[method]
