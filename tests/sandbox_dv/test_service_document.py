"""`GET /api/data/v9.2/`: the OData service document lists every entity set and function."""

from __future__ import annotations

import ssl
from xml.etree import ElementTree

import httpx


def _document(web: httpx.Client) -> dict:
    response = web.get("")
    assert response.status_code == 200, response.text
    return response.json()


def test_service_document_context_is_the_metadata_document(sandbox, web):
    body = _document(web)
    assert body["@odata.context"] == f"{sandbox.url}/api/data/v9.2/$metadata"
    assert set(body) == {"@odata.context", "value"}
    for item in body["value"]:
        assert set(item) == {"name", "kind", "url"}
        assert item["kind"] in ("EntitySet", "FunctionImport")


def test_service_document_lists_every_table_entity_set(web):
    sets = {i["name"] for i in _document(web)["value"] if i["kind"] == "EntitySet"}
    tables = web.get("EntityDefinitions?$select=EntitySetName").json()["value"]
    assert {t["EntitySetName"] for t in tables} <= sets
    assert {"accounts", "contacts", "sdkmessages", "sdkmessagefilters"} <= sets
    assert {"EntityDefinitions", "GlobalOptionSetDefinitions", "RelationshipDefinitions"} <= sets


def test_every_listed_entity_set_answers(web):
    for item in _document(web)["value"]:
        if item["kind"] != "EntitySet":
            continue
        metadata = item["name"].endswith("Definitions")  # the service refuses $top there
        response = web.get(item["url"], params={} if metadata else {"$top": "1"})
        assert response.status_code == 200, (item, response.text)
        assert isinstance(response.json()["value"], list)


def test_every_listed_function_answers(web):
    functions = [i for i in _document(web)["value"] if i["kind"] == "FunctionImport"]
    assert {"WhoAmI", "RetrieveVersion", "RetrieveAvailableLanguages"} <= {
        f["name"] for f in functions
    }
    for item in functions:
        url = item["url"]
        if item["name"] == "RetrieveCurrentOrganization":
            url += "(AccessType=@p)?@p=Microsoft.Dynamics.CRM.EndpointAccessType'Default'"
        response = web.get(url)
        assert response.status_code == 200, (item, response.text)
        assert response.json()["@odata.context"].endswith(f"{item['name']}Response")


def test_service_document_without_trailing_slash(sandbox, web):
    response = web.get(f"{sandbox.url}/api/data/v9.2")
    assert response.status_code == 200
    assert response.json()["value"] == _document(web)["value"]


def test_service_document_is_counted_by_name(sandbox, web):
    tls = ssl.create_default_context(cafile=str(sandbox.tls.ca_bundle))
    with httpx.Client(base_url=sandbox.url, verify=tls) as control:
        control.delete("/__sandbox__/stats").raise_for_status()
        _document(web)
        stats = control.get("/__sandbox__/stats").json()["by_endpoint"]
    assert stats == {"GET service document": 1}


def test_metadata_document_declares_everything_the_service_document_lists(web):
    """The CSDL parses and names each entity set and function import listed, with the
    entity type or function it points to declared in the schema."""
    ns = {
        "edmx": "http://docs.oasis-open.org/odata/ns/edmx",
        "edm": "http://docs.oasis-open.org/odata/ns/edm",
    }
    root = ElementTree.fromstring(web.get("$metadata").content)
    (schema,) = root.findall("edmx:DataServices/edm:Schema", ns)
    container = schema.find("edm:EntityContainer", ns)
    declared_types = {e.get("Name") for e in schema.findall("edm:EntityType", ns)}
    declared_functions = {f.get("Name") for f in schema.findall("edm:Function", ns)}
    declared_complex = {c.get("Name") for c in schema.findall("edm:ComplexType", ns)}
    sets = {s.get("Name"): s.get("EntityType") for s in container.findall("edm:EntitySet", ns)}
    imports = {f.get("Name") for f in container.findall("edm:FunctionImport", ns)}
    for item in _document(web)["value"]:
        if item["kind"] == "EntitySet":
            assert item["name"] in sets, item
            assert sets[item["name"]].removeprefix("Microsoft.Dynamics.CRM.") in declared_types
        else:
            assert item["name"] in imports and item["name"] in declared_functions, item
            assert f"{item['name']}Response" in declared_complex, item
