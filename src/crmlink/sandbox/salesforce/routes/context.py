"""`SandboxContext`: what the Salesforce routes are handed (no route imports the app).

The app builds one context from its models and passes it to every route module's
`routes(ctx)`; handlers reach the org, sessions, queries and Bulk jobs through it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from crmlink.sandbox.core.clock import SandboxClock
from crmlink.sandbox.salesforce.models.auth import AuthService
from crmlink.sandbox.salesforce.models.bulk import BulkService
from crmlink.sandbox.salesforce.models.org import SalesforceOrg
from crmlink.sandbox.salesforce.models.queries import QueryEngine


@dataclass(frozen=True)
class SandboxContext:
    org: SalesforceOrg
    auth: AuthService
    queries: QueryEngine
    bulk: BulkService
    clock: SandboxClock
    base_url: Callable[[], str]  # the server's URL, known once it listens

    @property
    def url(self) -> str:
        return self.base_url()
