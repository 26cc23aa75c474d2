"""`crmlink sandbox salesforce`: the Salesforce sandbox as the command line knows it."""

from __future__ import annotations

from typing import Any

from crmlink.sandbox.core.spec import ConcurrencyLimit, SandboxOption, SandboxSpec

# "Production orgs and Sandboxes: 25" concurrent requests lasting 20 s or longer; shorter
# requests are not limited. Over it: 403 REQUEST_LIMIT_EXCEEDED.
CONCURRENCY = ConcurrencyLimit(
    requests=25,
    counted_after_s=20.0,
    per="org",
    source="https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/"
    "guide/salesforce-app-limits-platform-api.html",
)


def _make(**values: Any):
    from crmlink.sandbox.salesforce.app import SalesforceSandbox

    return SalesforceSandbox(**values)


SANDBOX = SandboxSpec(
    name="salesforce",
    help="Serve an emulated Salesforce org (REST, SOQL, Bulk 1.0/2.0, OAuth, SOAP login).\n\n"
    "Prints one JSON line with the URL, CA bundle and credentials once ready, then serves\n"
    "until interrupted.",
    factory=_make,
    options=(
        SandboxOption(
            "describe_dir",
            "Load object metadata from Salesforce describe JSON files here.",
            "describe JSON files",
        ),
    ),
    concurrency=CONCURRENCY,
)
