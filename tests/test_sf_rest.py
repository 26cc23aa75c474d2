"""The Salesforce sandbox's REST API through simple-salesforce, unchanged, over TLS."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceResourceNotFound

from crmlink.sandbox.salesforce.models.describes import METADATA_DIR

UNIQUE = iter(range(10**6))


def _contact(**extra) -> dict:
    n = next(UNIQUE)
    return {"LastName": f"Rest{n}", "Email": f"rest{n}@example.com", **extra}


def test_versions_and_resources(sf_http):
    versions = sf_http.get("/services/data/").json()
    assert {"label", "url", "version"} == set(versions[0])
    assert any(v["version"] == "59.0" for v in versions)
    resources = sf_http.get("/services/data/v59.0/").json()
    assert resources["query"] == "/services/data/v59.0/query"


def test_describe_global_lists_default_objects(sf):
    names = {o["name"] for o in sf.describe()["sobjects"]}
    assert names == {
        "Account", "Campaign", "CampaignMember", "Contact", "Lead", "Opportunity",
        "Subscription__c", "User",
    }  # fmt: skip
    assert sf.describe()["maxBatchSize"] == 200


def test_describe_is_served_back_equal(sf):
    shipped = json.loads((METADATA_DIR / "Contact.json").read_text())
    assert sf.Contact.describe() == shipped


def test_unknown_object_is_not_found(sf):
    with pytest.raises(SalesforceResourceNotFound):
        sf.Nope__c.describe()


def test_create_read_update_delete(sf):
    created = sf.Contact.create(_contact(FirstName="Zoë", Interests__c=None))
    assert created["success"] and created["id"].startswith("003") and len(created["id"]) == 18
    record = sf.Contact.get(created["id"])
    assert record["FirstName"] == "Zoë"
    assert record["Name"] == f"Zoë {record['LastName']}"
    assert record["CreatedDate"] == record["LastModifiedDate"] == record["SystemModstamp"]
    assert record["IsDeleted"] is False
    assert sf.Contact.update(created["id"], {"Title": "CMO"}) == 204
    updated = sf.Contact.get(created["id"])
    assert updated["Title"] == "CMO"
    assert updated["SystemModstamp"] >= record["SystemModstamp"]
    assert sf.Contact.delete(created["id"]) == 204
    with pytest.raises(SalesforceResourceNotFound):
        sf.Contact.get(created["id"])


def test_fifteen_character_id_is_accepted(sf):
    created = sf.Contact.create(_contact())
    assert sf.Contact.get(created["id"][:15])["Id"] == created["id"]


def test_upsert_by_external_id_creates_then_updates(sf):
    key = f"EXT-REST-{next(UNIQUE)}"
    assert sf.Contact.upsert(f"External_Id__c/{key}", _contact()) == 201
    assert sf.Contact.upsert(f"External_Id__c/{key}", {"Title": "Buyer"}) == 200
    found = sf.Contact.get_by_custom_id("External_Id__c", key)
    assert found["Title"] == "Buyer"
    matches = sf.query(f"SELECT Id FROM Contact WHERE External_Id__c = '{key}'")
    assert matches["totalSize"] == 1


def test_upsert_on_a_field_that_is_not_an_external_id(sf):
    with pytest.raises(SalesforceResourceNotFound) as caught:
        sf.Contact.upsert("Title/x", _contact())
    assert caught.value.content[0]["errorCode"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("record", "code", "fields"),
    [
        ({"FirstName": "NoLast"}, "REQUIRED_FIELD_MISSING", ["LastName"]),
        ({"LastName": "x" * 81}, "STRING_TOO_LONG", ["LastName"]),
        ({"LastName": "P", "Preferred_Channel__c": "Fax"},
         "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", ["Preferred_Channel__c"]),
        ({"LastName": "F", "Full_Name__c": "x"},
         "INVALID_FIELD_FOR_INSERT_UPDATE", ["Full_Name__c"]),
        ({"LastName": "U", "Bogus__c": 1}, "INVALID_FIELD", ["Bogus__c"]),
        ({"LastName": "E", "Email": "not-an-email"}, "INVALID_EMAIL_ADDRESS", ["Email"]),
        ({"LastName": "A", "AccountId": "nope"}, "MALFORMED_ID", ["AccountId"]),
        ({"LastName": "B", "Birthdate": "31/12/2000"}, "INVALID_TYPE_ON_FIELD_IN_RECORD",
         ["Birthdate"]),
    ],
)  # fmt: skip
def test_field_rules_give_real_error_codes(sf, record, code, fields):
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Contact.create(record)
    error = caught.value.content[0]
    assert error["errorCode"] == code
    assert error["fields"] == fields


def test_duplicate_external_id_value(sf):
    key = f"EXT-DUP-{next(UNIQUE)}"
    sf.Contact.create(_contact(External_Id__c=key))
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Contact.create(_contact(External_Id__c=key))
    assert caught.value.content[0]["errorCode"] == "DUPLICATE_VALUE"
    assert "duplicate value found: External_Id__c" in caught.value.content[0]["message"]


def test_update_of_deleted_record(sf):
    created = sf.Contact.create(_contact())
    sf.Contact.delete(created["id"])
    with pytest.raises(SalesforceResourceNotFound) as caught:
        sf.Contact.update(created["id"], {"Title": "x"})
    assert caught.value.content[0]["errorCode"] == "ENTITY_IS_DELETED"


def test_query_all_iter_follows_next_records_url(sf, sf_sandbox):
    before = sf_sandbox.stats.snapshot()["by_endpoint"].get("GET query more", 0)
    soql = "SELECT Id, LastName FROM Contact ORDER BY LastName, Id"
    rows = list(sf.query_all_iter(soql, headers={"Sforce-Query-Options": "batchSize=200"}))
    total = sf.query("SELECT COUNT() FROM Contact")["totalSize"]
    assert len(rows) == total >= 300
    assert len({r["Id"] for r in rows}) == total
    names = [(r["LastName"].lower(), r["Id"]) for r in rows]
    assert names == sorted(names, key=lambda n: n[0])  # ORDER BY kept across pages
    after = sf_sandbox.stats.snapshot()["by_endpoint"]["GET query more"]
    assert after - before == (total - 1) // 200


def test_first_page_shape(sf):
    page = sf.query("SELECT Id FROM Contact", headers={"Sforce-Query-Options": "batchSize=200"})
    assert page["done"] is False and len(page["records"]) == 200
    assert page["nextRecordsUrl"].startswith("/services/data/v59.0/query/01g")


def test_query_all_includes_deleted(sf):
    created = sf.Contact.create(_contact())
    sf.Contact.delete(created["id"])
    soql = f"SELECT Id, IsDeleted FROM Contact WHERE Id = '{created['id']}'"
    assert sf.query(soql)["totalSize"] == 0
    found = sf.query_all(soql, include_deleted=True)["records"]
    assert [r["IsDeleted"] for r in found] == [True]


def test_parent_relationship_and_compound_fields(sf):
    account = sf.Account.create({"Name": "Ünïcode & Co's"})
    created = sf.Contact.create(
        _contact(AccountId=account["id"], MailingCity="Lyon", MailingCountry="France")
    )
    soql = (
        "SELECT Account.Name, MailingAddress FROM Contact "
        f"WHERE Id = '{created['id']}' AND Account.Name = 'Ünïcode & Co\\'s'"
    )
    record = sf.query(soql)["records"][0]
    assert record["Account"]["Name"] == "Ünïcode & Co's"
    assert record["MailingAddress"]["city"] == "Lyon"
    assert record["MailingAddress"]["country"] == "France"


def test_query_errors(sf):
    with pytest.raises(SalesforceMalformedRequest) as bad_field:
        sf.query("SELECT Nope FROM Contact")
    assert bad_field.value.content[0]["errorCode"] == "INVALID_FIELD"
    with pytest.raises(SalesforceMalformedRequest) as bad_syntax:
        sf.query("SELECT Id FROM Contact WHERE")
    assert bad_syntax.value.content[0]["errorCode"] == "MALFORMED_QUERY"
    with pytest.raises(SalesforceMalformedRequest) as bad_type:
        sf.query("SELECT Id FROM Nope")
    assert bad_type.value.content[0]["errorCode"] == "INVALID_TYPE"


def test_expired_locator(sf_http):
    response = sf_http.get("/services/data/v59.0/query/01gFFFFFFFFFFFF-2000")
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_updated_and_deleted_windows(sf, sf_sandbox, sf_http):
    start = sf_sandbox.org.now() - dt.timedelta(minutes=1)
    created = sf.Contact.create(_contact())
    gone = sf.Contact.create(_contact())
    sf.Contact.delete(gone["id"])
    sf_http.post("/__sandbox__/clock", params={"advance": 120})
    end = sf_sandbox.org.now()
    updated = sf.Contact.updated(start, end)
    assert created["id"] in updated["ids"] and gone["id"] not in updated["ids"]
    deleted = sf.Contact.deleted(start, end)
    deleted_ids = [d["id"] for d in deleted["deletedRecords"]]
    assert gone["id"] in deleted_ids and created["id"] not in deleted_ids
    assert set(deleted) == {"deletedRecords", "earliestDateAvailable", "latestDateCovered"}
    assert updated["latestDateCovered"].endswith(":00.000+0000")


def test_updated_window_older_than_thirty_days(sf, sf_sandbox):
    now = sf_sandbox.org.now()
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Contact.updated(now - dt.timedelta(days=31), now)
    assert caught.value.content[0]["errorCode"] == "INVALID_REPLICATION_DATE"


def test_composite_collection_per_record_results(sf):
    records = [
        {"attributes": {"type": "Contact"}, **_contact()},
        {"attributes": {"type": "Contact"}, "FirstName": "missing last name"},
        {"attributes": {"type": "Contact"}, **_contact()},
    ]
    results = sf.restful("composite/sobjects", method="POST",
                         data=json.dumps({"allOrNone": False, "records": records}))  # fmt: skip
    assert [r["success"] for r in results] == [True, False, True]
    assert results[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert results[1]["id"] is None


def test_composite_all_or_none_rolls_back(sf):
    name = f"AllOrNone{next(UNIQUE)}"
    records = [
        {"attributes": {"type": "Contact"}, "LastName": name},
        {"attributes": {"type": "Contact"}, "FirstName": "missing last name"},
    ]
    results = sf.restful("composite/sobjects", method="POST",
                         data=json.dumps({"allOrNone": True, "records": records}))  # fmt: skip
    assert [r["success"] for r in results] == [False, False]
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert sf.query(f"SELECT COUNT() FROM Contact WHERE LastName = '{name}'")["totalSize"] == 0


def test_composite_upsert_and_delete(sf):
    keys = [f"EXT-COMP-{next(UNIQUE)}" for _ in range(3)]
    records = [
        {"attributes": {"type": "Contact"}, "External_Id__c": k, "LastName": k} for k in keys
    ]
    body = json.dumps({"allOrNone": False, "records": records})
    first = sf.restful("composite/sobjects/Contact/External_Id__c", method="PATCH", data=body)
    assert [r["created"] for r in first] == [True, True, True]
    again = sf.restful("composite/sobjects/Contact/External_Id__c", method="PATCH", data=body)
    assert [r["created"] for r in again] == [False, False, False]
    assert [r["id"] for r in again] == [r["id"] for r in first]
    ids = ",".join(r["id"] for r in first)
    deleted = sf.restful("composite/sobjects", method="DELETE", params={"ids": ids})
    assert all(r["success"] for r in deleted)


def test_composite_over_200_records_is_refused(sf_http):
    records = [{"attributes": {"type": "Contact"}, "LastName": "x"}] * 201
    response = sf_http.post(
        "/services/data/v59.0/composite/sobjects", json={"allOrNone": False, "records": records}
    )
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_invalid_json_body(sf_http):
    response = sf_http.post(
        "/services/data/v59.0/sobjects/Contact",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "JSON_PARSER_ERROR"


def test_record_count(sf_http):
    body = sf_http.get("/services/data/v59.0/limits/recordCount", params={"sObjects": "Account"})
    assert body.json()["sObjects"][0]["name"] == "Account"
    assert body.json()["sObjects"][0]["count"] >= 30


def test_metadata_folder_is_where_describe_reads(sf_sandbox):
    assert Path(METADATA_DIR, "Contact.json").exists()


def test_composite_delete_all_or_none_is_atomic(sf):
    kept = sf.Contact.create(_contact())
    missing = "003000000000000AAA"  # well formed, no such record
    results = sf.restful(
        "composite/sobjects",
        method="DELETE",
        params={"ids": f"{kept['id']},{missing}", "allOrNone": "true"},
    )
    assert [r["success"] for r in results] == [False, False]
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert sf.Contact.get(kept["id"])["Id"] == kept["id"]  # not deleted


def test_composite_delete_with_a_malformed_id(sf):
    results = sf.restful(
        "composite/sobjects", method="DELETE", params={"ids": "zzz,", "allOrNone": "true"}
    )
    assert results[0]["success"] is False
    assert results[0]["errors"][0]["statusCode"] == "MALFORMED_ID"
