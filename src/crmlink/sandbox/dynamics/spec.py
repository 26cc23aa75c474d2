"""`crmlink sandbox dynamics`: the Dataverse sandbox as the command line knows it."""

from __future__ import annotations

from typing import Any

from crmlink.sandbox.core.spec import ConcurrencyLimit, SandboxOption, SandboxSpec

# Service protection: 52 concurrent requests per user (per web server); over it, 429 with
# Retry-After and code 0x80072326.
CONCURRENCY = ConcurrencyLimit(
    requests=52,
    per="caller",
    source="https://learn.microsoft.com/power-apps/developer/data-platform/api-limits",
)


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
    concurrency=CONCURRENCY,
)
