"""One property of one record: `DELETE {set}({id})/{property}` clears it (204), lookups
also through `DELETE …/{navigation}/$ref`; GET and PUT of a single property; collection
navigation `$ref`s. The requests are the documented examples, replayed."""

from __future__ import annotations

import pytest

from tests.sandbox_dv.http_examples import example, with_id

UPDATE_PAGE = "webapi__update-delete-entities-using-web-api.http"
ASSOCIATE_PAGE = "webapi__associate-disassociate-entities-using-web-api.http"
BASIC_PAGE = "webapi__web-api-basic-operations-sample.http"


def new_account(web, **values) -> str:
    response = web.post("accounts", json={"name": "Clear Co", **values})
    assert response.status_code == 204, response.text
    return response.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")")


def account(web, account_id: str, select: str) -> dict:
    return web.get(f"accounts({account_id})", params={"$select": select}).json()


def test_documented_delete_of_one_property_clears_it(web):
    recorded = example(UPDATE_PAGE, "DELETE", r"/description$")
    account_id = new_account(web, description="to be cleared", telephone1="555 0100")
    response = web.delete(with_id(recorded.path, account_id))
    assert response.status_code == recorded.status == 204
    after = account(web, account_id, "description,telephone1,name")
    assert after["description"] is None
    assert after["telephone1"] == "555 0100" and after["name"] == "Clear Co"


def test_clearing_bumps_the_row_version(web):
    account_id = new_account(web, websiteurl="https://example.org")
    before = account(web, account_id, "websiteurl")["@odata.etag"]
    web.delete(f"accounts({account_id})/websiteurl").raise_for_status()
    assert account(web, account_id, "websiteurl")["@odata.etag"] != before


def test_documented_put_of_one_property_sets_it(web):
    recorded = example(UPDATE_PAGE, "PUT", r"/name$")
    account_id = new_account(web)
    response = web.put(with_id(recorded.path, account_id), json=recorded.body)
    assert response.status_code == recorded.status == 204
    assert account(web, account_id, "name")["name"] == recorded.body["value"]


def test_documented_get_of_one_property(sandbox, web):
    recorded = example(BASIC_PAGE, "GET", r"/telephone1$")
    contact = web.post("contacts", json={"lastname": "One", "telephone1": "555-0105"})
    contact_id = contact.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")")
    response = web.get(with_id(recorded.path, contact_id))
    assert response.status_code == recorded.status == 200
    body = response.json()
    assert set(body) == set(recorded.response)
    assert body["value"] == "555-0105"
    assert body["@odata.context"] == (
        f"{sandbox.url}/api/data/v9.2/$metadata#contacts({contact_id})/telephone1"
    )
    web.delete(f"contacts({contact_id})/telephone1").raise_for_status()
    assert web.get(f"contacts({contact_id})/telephone1").status_code == 204  # null: no content


def opportunity_with_customer(web) -> tuple[str, str]:
    customer = new_account(web)
    body = {"name": "Deal", "customerid_account@odata.bind": f"accounts({customer})"}
    response = web.post("opportunities", json=body)
    assert response.status_code == 204, response.text
    return response.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")"), customer


def customer_of(web, opportunity_id: str):
    row = web.get(f"opportunities({opportunity_id})?$select=_customerid_value").json()
    return row["_customerid_value"]


def test_documented_delete_ref_clears_a_lookup(web):
    recorded = example(ASSOCIATE_PAGE, "DELETE", r"/customerid_account/\$ref$")
    opportunity_id, customer = opportunity_with_customer(web)
    assert customer_of(web, opportunity_id) == customer
    response = web.delete(with_id(recorded.path, opportunity_id))
    assert response.status_code == recorded.status == 204
    assert customer_of(web, opportunity_id) is None


def test_delete_of_the_lookup_property_clears_it_too(web):
    opportunity_id, _ = opportunity_with_customer(web)
    web.delete(f"opportunities({opportunity_id})/_customerid_value").raise_for_status()
    assert customer_of(web, opportunity_id) is None


def test_documented_put_ref_sets_a_lookup(sandbox, web):
    recorded = example(ASSOCIATE_PAGE, "PUT", r"/customerid_account/\$ref$")
    opportunity_id, _ = opportunity_with_customer(web)
    other = new_account(web)
    ref = recorded.body["@odata.id"].replace("[Organization URI]", sandbox.url)
    response = web.put(
        with_id(recorded.path, opportunity_id), json={"@odata.id": with_id(ref, other)}
    )
    assert response.status_code == recorded.status == 204
    assert customer_of(web, opportunity_id) == other
    got = web.get(f"opportunities({opportunity_id})/customerid_account/$ref").json()
    assert got["@odata.id"] == f"{sandbox.url}/api/data/v9.2/accounts({other})"


def test_collection_navigation_ref_associates_and_disassociates(sandbox, web):
    recorded = example(BASIC_PAGE, "POST", r"/contact_customer_accounts/\$ref$")
    account_id = new_account(web)
    created = web.post("contacts", json={"lastname": "Linked"})
    contact_id = created.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")")
    ref = {"@odata.id": f"{sandbox.url}/api/data/v9.2/contacts({contact_id})"}
    response = web.post(with_id(recorded.path, account_id), json=ref)
    assert response.status_code == recorded.status == 204
    related = web.get(f"accounts({account_id})/contact_customer_accounts?$select=lastname")
    assert [c["lastname"] for c in related.json()["value"]] == ["Linked"]
    removed = web.delete(
        f"accounts({account_id})/contact_customer_accounts/$ref", params={"$id": ref["@odata.id"]}
    )
    assert removed.status_code == 204
    related = web.get(f"accounts({account_id})/contact_customer_accounts").json()["value"]
    assert related == []


@pytest.mark.parametrize("prop", ["accountid", "createdon", "versionnumber", "ownerid/$ref"])
def test_server_kept_columns_cannot_be_cleared(web, prop):
    account_id = new_account(web)
    response = web.delete(f"accounts({account_id})/{prop}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "0x80040203"


def test_unknown_property_and_action_name_the_segment(web):
    account_id = new_account(web)
    for segment in ("nosuchcolumn", "Microsoft.Dynamics.CRM.NoSuchAction"):
        response = web.delete(f"accounts({account_id})/{segment}")
        assert response.status_code == 404
        assert response.json() == {
            "error": {
                "code": "0x8006088a",
                "message": f"Resource not found for the segment '{segment}'.",
            }
        }


def test_clear_on_a_missing_record_is_not_found(web):
    missing = "00000000-0000-0000-0000-00000000beef"
    response = web.delete(f"accounts({missing})/description")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "0x80040217"


def test_clear_inside_a_batch_change_set(web):
    account_id = new_account(web, description="batched")
    request = (
        "--b\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n"
        "--c\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
        "Content-ID: 1\r\n\r\n"
        f"DELETE /api/data/v9.2/accounts({account_id})/description HTTP/1.1\r\n"
        "\r\n\r\n--c--\r\n--b--\r\n"
    )
    response = web.post(
        "$batch", content=request.encode(), headers={"Content-Type": "multipart/mixed; boundary=b"}
    )
    assert response.status_code == 200 and "HTTP/1.1 204 No Content" in response.text
    assert account(web, account_id, "description")["description"] is None
