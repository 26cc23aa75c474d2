"""The functions clients call at start-up, in the Web API's shapes, and Dataverse's error
for a function or action the service does not have."""

from __future__ import annotations

import pytest

from tests.dynamics.refs import load
from tests.sandbox_dv.http_examples import example

ACCESS = "@p=Microsoft.Dynamics.CRM.EndpointAccessType'Default'"


def context_of(sandbox, name: str) -> str:
    return f"{sandbox.url}/api/data/v9.2/$metadata#Microsoft.Dynamics.CRM.{name}Response"


def test_retrieve_version(sandbox, web):
    body = web.get("RetrieveVersion()").json()
    assert body["@odata.context"] == context_of(sandbox, "RetrieveVersion")
    assert set(body) == {"@odata.context", "Version"}
    major, minor, *_ = body["Version"].split(".")
    assert (major, minor) == ("9", "2")


def test_retrieve_available_languages_as_dataverse_api_reads_it(sandbox, web):
    """`dataverse-api` reads `LocaleIds` (RetrieveAvailableLanguagesResponse)."""
    body = web.get("RetrieveAvailableLanguages").json()
    assert body == {
        "@odata.context": context_of(sandbox, "RetrieveAvailableLanguages"),
        "LocaleIds": [1033],
    }


def test_retrieve_provisioned_languages(web):
    body = web.get("RetrieveProvisionedLanguages()").json()
    assert body["RetrieveProvisionedLanguages"] == [1033]


@pytest.mark.parametrize(
    "url",
    [
        f"RetrieveCurrentOrganization(AccessType=@p)?{ACCESS}",
        "RetrieveCurrentOrganization(AccessType=Microsoft.Dynamics.CRM.EndpointAccessType'Internet')",
        "RetrieveCurrentOrganization(AccessType=@p)?@p=2",
    ],
)
def test_retrieve_current_organization(sandbox, web, url):
    response = web.get(url)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["@odata.context"] == context_of(sandbox, "RetrieveCurrentOrganization")
    detail = body["Detail"]
    assert {
        "OrganizationId",
        "FriendlyName",
        "OrganizationVersion",
        "UrlName",
        "UniqueName",
    } <= set(detail)
    assert {"EnvironmentId", "TenantId", "Geo", "State", "Endpoints"} <= set(detail)
    endpoints = detail["Endpoints"]
    assert endpoints["Count"] == len(endpoints["Keys"]) == len(endpoints["Values"])
    assert endpoints["Values"][endpoints["Keys"].index("WebApplication")] == f"{sandbox.url}/"


def test_organization_id_is_the_one_who_am_i_names(web):
    recorded = load("terraform-provider-power-platform/rest__Web_Apis_WhoAmI__get_whoami.json")
    who = web.get("WhoAmI()").json()
    assert set(who) == set(recorded)
    org = web.get(f"RetrieveCurrentOrganization(AccessType=@p)?{ACCESS}").json()["Detail"]
    assert org["OrganizationId"] == who["OrganizationId"]
    assert org["OrganizationVersion"] == web.get("RetrieveVersion").json()["Version"]


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("RetrieveCurrentOrganization()", "'AccessType'"),
        (
            "RetrieveCurrentOrganization(AccessType=@p)"
            "?@p=Microsoft.Dynamics.CRM.EndpointAccessType'Nowhere'",
            "'Nowhere'",
        ),
    ],
)
def test_retrieve_current_organization_checks_access_type(web, url, named):
    response = web.get(url)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "0x80040203" and named in error["message"]


def test_retrieve_organization_info(sandbox, web):
    body = web.get("RetrieveOrganizationInfo()").json()
    assert body["@odata.context"] == context_of(sandbox, "RetrieveOrganizationInfo")
    assert set(body["organizationInfo"]) >= {"InstanceType", "Solutions"}


def test_documented_who_am_i_with_parentheses(sandbox, web):
    recorded = example("webapi__use-web-api-functions.http", "GET", r"^WhoAmI\(\)$")
    response = web.get(recorded.path)
    assert response.status_code == recorded.status == 200
    assert set(response.json()) == set(recorded.response)


def test_functions_answer_get_only(web):
    response = web.post("RetrieveVersion", json={})
    assert response.status_code == 405


@pytest.mark.parametrize(
    ("path", "segment"),
    [
        ("RetrieveNoSuchThing()", "RetrieveNoSuchThing"),
        ("Microsoft.Dynamics.CRM.NoSuchFunction()", "Microsoft.Dynamics.CRM.NoSuchFunction"),
        ("accounts/Microsoft.Dynamics.CRM.NoSuchAction", "Microsoft.Dynamics.CRM.NoSuchAction"),
        (
            "GetTimeZoneCodeByLocalizedName(LocalizedStandardName=@p1)?@p1='x'",
            "GetTimeZoneCodeByLocalizedName",
        ),
    ],
)
def test_unknown_function_or_action_names_the_segment(web, path, segment):
    response = web.get(path) if "Action" not in path else web.post(path, json={})
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "0x8006088a",
            "message": f"Resource not found for the segment '{segment}'.",
        }
    }
