"""Unbound functions clients call at start-up, in the Web API's response shapes:
WhoAmI, RetrieveVersion, RetrieveAvailableLanguages, RetrieveProvisionedLanguages,
RetrieveCurrentOrganization(AccessType=…) and RetrieveOrganizationInfo.

Function parameters come inline (`AccessType=Microsoft.Dynamics.CRM.EndpointAccessType'Default'`)
or as aliases (`AccessType=@p` with `?@p=…`). A name no function has falls through to the
entity sets, whose miss answers "Resource not found for the segment" naming it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from crmlink.sandbox.dynamics.errors import InvalidArgument, MethodNotAllowed
from crmlink.sandbox.dynamics.models.users import ADMIN_USER_ID
from crmlink.sandbox.dynamics.routes.http import ApiRequest, ApiResponse

ORGANIZATION_ID = "3f1b2c4d-0000-4000-8000-0000000000aa"
BUSINESS_UNIT_ID = "3f1b2c4d-0000-4000-8000-0000000000bb"
ENVIRONMENT_ID = "3f1b2c4d-0000-4000-8000-0000000000ee"
TENANT_ID = "3f1b2c4d-0000-4000-8000-0000000000ff"
VERSION = "9.2.24094.00207"
LANGUAGES = [1033]
UNIQUE_NAME = "crmlinksandbox"
_ACCESS_TYPES = {"default": "Default", "internet": "Internet", "intranet": "Intranet"}
_ACCESS_NUMBERS = {"0": "Default", "1": "Internet", "2": "Intranet"}
_PARAM = re.compile(r"\s*(\w+)\s*=\s*('(?:[^']|'')*'|[^,]+?)\s*(?:,|$)")
_ENUM = re.compile(r"^(?:Microsoft\.Dynamics\.CRM\.\w+)?'(.*)'$")

Function = Callable[[ApiRequest, dict[str, str]], dict]


def response(req: ApiRequest, name: str, body: dict) -> ApiResponse:
    ctx = f"{req.api}/$metadata#Microsoft.Dynamics.CRM.{name}Response"
    return ApiResponse.json({"@odata.context": ctx, **body})


def parameters(req: ApiRequest, text: str | None) -> dict[str, str]:
    """`A=@p,B='x'` → {"A": value}; `@p` aliases are read from the query string."""
    out: dict[str, str] = {}
    pos, text = 0, (text or "").strip()
    while pos < len(text):
        match = _PARAM.match(text, pos)
        if not match:
            raise InvalidArgument(f"The function parameters '{text}' cannot be read.")
        raw = match.group(2).strip()
        out[match.group(1)] = req.params.get(raw, "") if raw.startswith("@") else raw
        pos = match.end()
    return out


def _who_am_i(req: ApiRequest, params: dict[str, str]) -> dict:
    return {
        "BusinessUnitId": BUSINESS_UNIT_ID,
        "UserId": req.user.get("oid") or ADMIN_USER_ID,
        "OrganizationId": ORGANIZATION_ID,
    }


def _version(req: ApiRequest, params: dict[str, str]) -> dict:
    return {"Version": VERSION}


def _languages(req: ApiRequest, params: dict[str, str]) -> dict:
    return {"LocaleIds": list(LANGUAGES)}


def _provisioned(req: ApiRequest, params: dict[str, str]) -> dict:
    return {"RetrieveProvisionedLanguages": list(LANGUAGES)}


def access_type(params: dict[str, str]) -> str:
    """The `AccessType` parameter as its EndpointAccessType member name."""
    raw = params.get("AccessType")
    if raw is None:
        raise InvalidArgument(
            "The parameter 'AccessType' of RetrieveCurrentOrganization is missing."
        )
    match = _ENUM.match(raw.strip())
    value = match.group(1) if match else raw.strip()
    found = _ACCESS_TYPES.get(value.lower()) or _ACCESS_NUMBERS.get(value)
    if found is None:
        raise InvalidArgument(f"The value '{raw}' is not a valid EndpointAccessType.")
    return found


def _current_organization(req: ApiRequest, params: dict[str, str]) -> dict:
    access_type(params)
    keys = ["WebApplication", "OrganizationService", "OrganizationDataService"]
    values = [
        f"{req.base}/",
        f"{req.base}/XRMServices/2011/Organization.svc",
        f"{req.base}/XRMServices/2011/OrganizationData.svc",
    ]
    detail = {
        "OrganizationId": ORGANIZATION_ID,
        "FriendlyName": "crmlink sandbox",
        "OrganizationVersion": VERSION,
        "EnvironmentId": ENVIRONMENT_ID,
        "DatacenterId": "00000000-0000-0000-0000-000000000000",
        "Geo": "EU",
        "TenantId": TENANT_ID,
        "UrlName": UNIQUE_NAME,
        "UniqueName": UNIQUE_NAME,
        "Endpoints": {"Count": len(keys), "IsReadOnly": False, "Keys": keys, "Values": values},
        "State": "Enabled",
        "SchemaType": "Standard",
        "OrganizationType": "Customer",
    }
    return {"Detail": detail}


def _organization_info(req: ApiRequest, params: dict[str, str]) -> dict:
    info = {"InstanceType": "Production", "Solutions": [], "OrganizationId": ORGANIZATION_ID}
    return {"organizationInfo": info}


FUNCTIONS: dict[str, Function] = {
    "WhoAmI": _who_am_i,
    "RetrieveVersion": _version,
    "RetrieveAvailableLanguages": _languages,
    "RetrieveProvisionedLanguages": _provisioned,
    "RetrieveCurrentOrganization": _current_organization,
    "RetrieveOrganizationInfo": _organization_info,
}


def call(req: ApiRequest, name: str, key: str | None) -> ApiResponse:
    """Run the unbound function `name` (GET only, as the service requires)."""
    if req.method != "GET":
        raise MethodNotAllowed(f"The HTTP method '{req.method}' is not allowed on this resource.")
    function = FUNCTIONS[name]
    return response(req, name, function(req, parameters(req, key)))
