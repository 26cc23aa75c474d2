"""The Organization sObject's one record, read by id.

Tools read it right after a login: CumulusCI's `OrgConfig` fetches
`GET /sobjects/Organization/<org id>` (the id from `/services/oauth2/userinfo`) for the
org's type, sandbox flag, instance and namespace before any task runs. Organization is not
one of the loaded describes (describeGlobal keeps listing the seeded objects only), so only
this read is served; any other id answers NOT_FOUND as for a missing record. When a
`--describe-dir` does describe Organization, its records are read like any object's.
"""

from __future__ import annotations

from crmlink.sandbox.core.routing import RouteSpec, route
from crmlink.sandbox.salesforce import errors
from crmlink.sandbox.salesforce.models.ids import normalize_id
from crmlink.sandbox.salesforce.routes.common import Call, api
from crmlink.sandbox.salesforce.routes.context import SandboxContext

PATH = "/services/data/v{version}/sobjects/Organization/{record_id}"

# What a Developer Edition org answers (a real org has ~100 more fields; tools read these).
FIELDS = {
    "Name": "crmlink sandbox",
    "OrganizationType": "Developer Edition",
    "IsSandbox": False,
    "InstanceName": "CRMLINK1",
    "NamespacePrefix": None,
    "TrialExpirationDate": None,
    "LanguageLocaleKey": "en_US",
    "DefaultLocaleSidKey": "en_US",
    "TimeZoneSidKey": "America/Los_Angeles",
}


def organization(call: Call):
    if call.ctx.org.catalog.get("Organization") is not None:
        return 200, call.ctx.org.retrieve("Organization", call.params["record_id"], None)
    org_id = call.ctx.org.org_id
    if normalize_id(call.params["record_id"]) != org_id:
        raise errors.NotFound("The requested resource does not exist")
    url = f"/services/data/v{call.version}/sobjects/Organization/{org_id}"
    return 200, {"attributes": {"type": "Organization", "url": url}, "Id": org_id, **FIELDS}


def routes(ctx: SandboxContext) -> list[RouteSpec]:
    """Before REST's generic `sobjects/{sobject}/{record_id}` in the table."""
    return [route("GET", PATH, api(ctx, organization), "organization")]
