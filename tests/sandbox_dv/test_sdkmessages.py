"""`sdkmessages` / `sdkmessagefilters`: clients learn whether a table takes CreateMultiple
and UpdateMultiple from them, with exactly these queries."""

from __future__ import annotations

import pytest


def dataverse_api_params(table: str) -> dict[str, str]:
    """What the `dataverse-api` client (1.4.3, `Entity.__get_entity_sdk_messages`) sends."""
    actions = ["CreateMultiple", "UpdateMultiple"]
    either = " or ".join(f"sdkmessageid/name eq '{x}'" for x in actions)
    return {
        "$select": "sdkmessagefilterid",
        "$expand": "sdkmessageid($select=name)",
        "$filter": f"({either}) and primaryobjecttypecode eq '{table}'",
    }


@pytest.mark.parametrize("table", ["contact", "account", "cr7a3_loyaltycard"])
def test_dataverse_api_discovers_create_and_update_multiple(web, table):
    response = web.get("sdkmessagefilters", params=dataverse_api_params(table))
    assert response.status_code == 200, response.text
    rows = response.json()["value"]
    assert {row["sdkmessageid"]["name"] for row in rows} == {"CreateMultiple", "UpdateMultiple"}
    for row in rows:
        assert set(row) == {"@odata.etag", "sdkmessagefilterid", "sdkmessageid"}
        assert set(row["sdkmessageid"]) == {"@odata.etag", "name", "sdkmessageid"}


def test_filter_context_names_the_selection_and_expansion(sandbox, web):
    body = web.get("sdkmessagefilters", params=dataverse_api_params("contact")).json()
    assert body["@odata.context"] == (
        f"{sandbox.url}/api/data/v9.2/$metadata#sdkmessagefilters"
        "(sdkmessagefilterid,sdkmessageid(name))"
    )


def test_unknown_table_has_no_filters(web):
    rows = web.get("sdkmessagefilters", params=dataverse_api_params("nosuchtable")).json()
    assert rows["value"] == []


def test_message_with_its_filters_expanded(web):
    params = {
        "$select": "name",
        "$filter": "name eq 'CreateMultiple'",
        "$expand": "sdkmessageid_sdkmessagefilter($select=primaryobjecttypecode;"
        "$filter=primaryobjecttypecode eq 'contact')",
    }
    (message,) = web.get("sdkmessages", params=params).json()["value"]
    assert message["name"] == "CreateMultiple"
    filters = message["sdkmessageid_sdkmessagefilter"]
    assert [f["primaryobjecttypecode"] for f in filters] == ["contact"]


def test_every_table_has_a_filter_for_each_bulk_message(web):
    tables = {t["LogicalName"] for t in web.get("EntityDefinitions").json()["value"]}
    for message in ("CreateMultiple", "UpdateMultiple", "UpsertMultiple"):
        params = {"$filter": f"sdkmessageid/name eq '{message}'"}
        rows = web.get("sdkmessagefilters", params=params).json()["value"]
        assert {r["primaryobjecttypecode"] for r in rows} == tables, message


def test_the_advertised_message_works(web):
    """A table that lists CreateMultiple does take it."""
    rows = web.get("sdkmessagefilters", params=dataverse_api_params("contact")).json()["value"]
    assert "CreateMultiple" in {r["sdkmessageid"]["name"] for r in rows}
    body = {"Targets": [{"@odata.type": "Microsoft.Dynamics.CRM.contact", "lastname": "Bulk"}]}
    response = web.post("contacts/Microsoft.Dynamics.CRM.CreateMultiple", json=body)
    assert response.status_code == 200 and len(response.json()["Ids"]) == 1


def test_filter_row_by_id_and_lookup_value(web):
    (row,) = web.get(
        "sdkmessagefilters", params={**dataverse_api_params("lead"), "$top": "1"}
    ).json()["value"]
    one = web.get(f"sdkmessagefilters({row['sdkmessagefilterid']})").json()
    assert one["@odata.context"].endswith("$metadata#sdkmessagefilters/$entity")
    assert one["primaryobjecttypecode"] == "lead"
    assert one["_sdkmessageid_value"] == row["sdkmessageid"]["sdkmessageid"]


def test_unknown_column_is_the_services_error(web):
    response = web.get("sdkmessagefilters", params={"$select": "nosuchcolumn"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "0x80060888"
    assert "nosuchcolumn" in response.json()["error"]["message"]


def test_message_sets_are_read_only(web):
    response = web.post("sdkmessages", json={"name": "Mine"})
    assert response.status_code == 405


def test_top_limits_and_a_bad_top_is_refused(web):
    assert len(web.get("sdkmessages", params={"$top": "2"}).json()["value"]) == 2
    response = web.get("sdkmessages", params={"$top": "two"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "0x80040203"
