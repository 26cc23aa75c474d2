"""crmlink: link a marketing (campaign) database to CRMs.

The public API, for scripts, tests and notebooks (the CLI is built on the same calls):

    from crmlink import Settings, open_database, run_workflow, SalesforceSandbox

    with SalesforceSandbox(records=1000) as sandbox:
        ...

Names are imported on first use, so `import crmlink` stays cheap (the CLI starts fast).
Anything not listed in `__all__` is internal and may change without notice;
`tests/test_public_api.py` freezes this list.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> the module that defines it
_EXPORTS: dict[str, str] = {
    # the error tree
    "CrmlinkError": "crmlink.errors",
    "UsageError": "crmlink.errors",
    "NotFoundError": "crmlink.errors",
    "FilterError": "crmlink.errors",
    "RetryableError": "crmlink.errors",
    "JobFailed": "crmlink.errors",
    "AuthError": "crmlink.errors",
    "QuotaExhausted": "crmlink.errors",
    "RemoteError": "crmlink.errors",
    # the kernel's value types
    "AccountSettings": "crmlink.model",
    "FieldKind": "crmlink.model",
    "LocalType": "crmlink.model",
    "ReadCursor": "crmlink.model",
    "RemoteField": "crmlink.model",
    "RemoteTable": "crmlink.model",
    "WriteMode": "crmlink.model",
    "WriteResult": "crmlink.model",
    # settings, the campaign database
    "Settings": "crmlink.config",
    "Database": "crmlink.db",
    "open_database": "crmlink.db",
    # connectors
    "Connector": "crmlink.connectors.base",
    "open_connector": "crmlink.connectors.registry",
    # workflows
    "run_workflow": "crmlink.workflow.engine",
    "RunRecord": "crmlink.workflow.records",
    # the sandbox CRMs
    "SalesforceSandbox": "crmlink.sandbox.salesforce.app",
    "DynamicsSandbox": "crmlink.sandbox.dynamics.app",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'crmlink' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
