"""THE list of CRMs crmlink speaks: one `ConnectorSpec` per type.

Adding a CRM is a folder `crmlink/connectors/<crm>/` with a `spec.py` exporting `SPEC`,
and one entry in `SPECS` below. Every other layer reads its CRM facts from here: the
catalog (types, auth rules, secret fields), the CLI (help texts), the workflow activities
(`Capabilities`).
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from crmlink.connectors.dynamics import spec as dynamics
from crmlink.connectors.hubspot import spec as hubspot
from crmlink.connectors.salesforce import spec as salesforce
from crmlink.connectors.spec import ConnectorSpec
from crmlink.errors import UsageError
from crmlink.model import AccountSettings

if TYPE_CHECKING:  # the protocol (and the filter AST it names) is not needed to read specs
    from crmlink.connectors.base import Connector

SPECS: dict[str, ConnectorSpec] = {
    spec.type: spec for spec in (salesforce.SPEC, dynamics.SPEC, hubspot.SPEC)
}


def crm_types() -> tuple[str, ...]:
    """The CRM types accounts may have, in registry order."""
    return tuple(SPECS)


def spec_for(crm_type: str) -> ConnectorSpec:
    """The spec of `crm_type`; a UsageError naming the close (or all) types otherwise."""
    found = SPECS.get(crm_type)
    if found is not None:
        return found
    close = difflib.get_close_matches(crm_type, list(SPECS), n=3, cutoff=0.6)
    if close:
        hint = "did you mean " + " or ".join(f"--type {name}" for name in close) + "?"
    else:
        flags = [f"--type {name}" for name in SPECS]
        hint = "use " + (", ".join(flags[:-1]) + " or " if len(flags) > 1 else "") + flags[-1]
    raise UsageError(f"unknown CRM type {crm_type!r}: {hint}")


def spec_of(connector: Connector) -> ConnectorSpec:
    """The spec of an opened connector: the type of the account it was opened for
    (`Connector.account`)."""
    return spec_for(connector.account.type)


def open_connector(account: AccountSettings) -> Connector:
    """The connector of `account`'s CRM type, opened for it."""
    try:
        spec = spec_for(account.type)
    except UsageError as exc:
        raise UsageError(exc.message, account=account.name) from None
    return spec.open(account)


def setting_users(name: str) -> str:
    """Which CRMs' auth methods need or accept account setting `name` (`SETTING_FIELDS`),
    e.g. "dynamics: client-secret, certificate"; empty when none does."""
    used = []
    for spec in SPECS.values():
        methods = [m for m, r in spec.auth_methods.items() if name in r.settings(optional=True)]
        if methods:
            used.append(f"{spec.type}: {', '.join(methods)}")
    return "; ".join(used)


def secret_fields() -> tuple[str, ...]:
    """Every secret name some CRM uses, in registry order (a union over the specs)."""
    names: dict[str, None] = {}
    for spec in SPECS.values():
        names.update(dict.fromkeys(spec.secret_fields))
    return tuple(names)
