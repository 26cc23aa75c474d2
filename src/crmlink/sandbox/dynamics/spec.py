"""`crmlink sandbox dynamics`: the Dataverse sandbox as the command line knows it."""

from __future__ import annotations

from typing import Any

from crmlink.sandbox.core.spec import SandboxOption, SandboxSpec


def _make(**values: Any):
    from crmlink.sandbox.dynamics.app import DynamicsSandbox

    return DynamicsSandbox(**values)


SANDBOX = SandboxSpec(
    name="dynamics",
    help="Serve an emulated Dynamics 365 / Dataverse environment (Web API, Azure AD tokens).\n\n"
    "Prints one JSON line with the URL, authority, CA bundle and credentials once ready,\n"
    "then serves until interrupted.",
    factory=_make,
    options=(
        SandboxOption(
            "metadata_dir",
            "Load entity metadata from Dataverse EntityDefinitions JSON here.",
            "metadata JSON files",
        ),
    ),
)
