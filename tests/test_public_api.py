"""The public API is `crmlink.__all__`: frozen here, every name resolves, import stays cheap."""

from __future__ import annotations

import subprocess
import sys

import crmlink

FROZEN = [
    "__version__",
    "CrmlinkError", "UsageError", "NotFoundError", "FilterError", "RetryableError",
    "JobFailed", "AuthError", "QuotaExhausted", "RemoteError",
    "AccountSettings", "FieldKind", "LocalType", "ReadCursor", "RemoteField", "RemoteTable",
    "WriteMode", "WriteResult",
    "Settings", "Database", "open_database",
    "Connector", "open_connector",
    "run_workflow", "RunRecord",
    "SalesforceSandbox", "DynamicsSandbox",
]  # fmt: skip


def test_the_public_names_are_frozen():
    """Changing the public API is a decision: update FROZEN and the changelog with it."""
    assert crmlink.__all__ == FROZEN


def test_every_public_name_resolves_to_what_its_module_defines():
    for name in FROZEN[1:]:
        value = getattr(crmlink, name)
        assert getattr(value, "__name__", name) == name, name


def test_an_unknown_name_is_an_attribute_error():
    try:
        crmlink.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("crmlink.no_such_thing resolved")


def test_importing_crmlink_loads_none_of_its_dependencies():
    code = (
        "import sys, crmlink; "
        "print(sorted(m for m in ('sqlalchemy', 'httpx', 'typer') if m in sys.modules))"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "[]"
