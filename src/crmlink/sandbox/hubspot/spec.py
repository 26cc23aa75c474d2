"""`crmlink sandbox hubspot`: the HubSpot sandbox as the command line knows it."""

from __future__ import annotations

from typing import Any

from crmlink.sandbox.core.spec import SandboxSpec

# HubSpot documents no cap on requests in flight, only rate limits (requests per ten
# seconds, per day, searches per second: `models/limits.py`), so `--profile wan` adds
# round trips and bandwidth but no concurrency limit (`concurrency=N` in the faults sets one).
CONCURRENCY = None


def _make(**values: Any):
    from crmlink.sandbox.hubspot.app import HubSpotSandbox

    return HubSpotSandbox(**values)


SANDBOX = SandboxSpec(
    name="hubspot",
    help="Serve an emulated HubSpot portal (CRM API v3, associations v4, OAuth 2.0).\n\n"
    "Prints one JSON line with the URL, CA bundle, private-app token and OAuth app\n"
    "credentials once ready, then serves until interrupted.",
    factory=_make,
    concurrency=CONCURRENCY,
)
