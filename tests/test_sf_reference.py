"""The sandbox answers like the real Salesforce: compared with recorded responses."""

from __future__ import annotations

import json

import httpx
import pytest

from crmlink.sandbox.salesforce.app import SalesforceSandbox
from tests.conftest import password_token, sf_client, tls
from tests.reference import recorded, reference_files, reference_path, shape_differences

RESTFORCE = ("salesforce", "restforce")


@pytest.fixture(scope="module")
def real_describes(tmp_path_factory):
    """A sandbox loaded with the real describe JSON recorded from an org."""
    folder = reference_path("salesforce", "describe")
    sandbox = SalesforceSandbox(
        state_dir=tmp_path_factory.mktemp("real"), describe_dir=folder, records=40, seed=2
    )
    with sandbox:
        yield sandbox


DESCRIBES = [p.name for p in reference_files("salesforce", "describe", pattern="*_describe.json")]


@pytest.mark.parametrize(
    "filename", [n for n in DESCRIBES if "Global" not in n and "PersonAccount" not in n]
)
def test_real_describe_loads_and_is_served_back_equal(real_describes, filename):
    expected = recorded("salesforce", "describe", filename)
    sf = sf_client(real_describes)
    served = getattr(sf, expected["name"]).describe()
    assert served == expected


def test_person_account_describe_alone(tmp_path):
    """A second Account describe (a Person Account org) cannot share an org with the
    first, so it is loaded on its own."""
    name = "cumulusci_Account_PersonAccount_describe.json"
    folder = tmp_path / "describes"
    folder.mkdir()
    (folder / name).write_bytes(reference_path("salesforce", "describe", name).read_bytes())
    with SalesforceSandbox(state_dir=tmp_path / "s", describe_dir=folder, records=20) as sandbox:
        sf = sf_client(sandbox)
        assert sf.Account.describe() == recorded("salesforce", "describe", name)
        assert sf.query("SELECT COUNT() FROM Account")["totalSize"] > 0


def test_real_global_describe_is_served_back_equal(real_describes):
    """Served as recorded, plus an entry for each described object it lacks (Custom__c)."""
    served = sf_client(real_describes).describe()
    real = recorded("salesforce", "describe", "cumulusci_Global_describe.json")
    assert served["sobjects"][: len(real["sobjects"])] == real["sobjects"]
    assert [e["name"] for e in served["sobjects"][len(real["sobjects"]) :]] == ["Custom__c"]


def test_real_describes_are_queryable(real_describes):
    sf = sf_client(real_describes)
    page = sf.query("SELECT Id, Name, Account.Name FROM Contact LIMIT 5")
    assert page["totalSize"] == 5
    assert set(page["records"][0]) == {"attributes", "Id", "Name", "Account"}


def test_default_describe_has_the_real_keys(sf):
    real = recorded("salesforce", "describe", "cumulusci_Contact_describe.json")
    ours = sf.Contact.describe()
    assert set(ours) == set(real)
    assert {k for f in ours["fields"] for k in f} == {k for f in real["fields"] for k in f}


def test_default_global_describe_has_the_real_keys(sf):
    real = recorded("salesforce", "describe", "cumulusci_Global_describe.json")
    ours = sf.describe()
    assert set(ours) == set(real)
    assert set(ours["sobjects"][0]) == set(real["sobjects"][0])


def test_token_response_shape(sf_sandbox):
    ours = password_token(sf_sandbox)
    for name in ("auth_success_response.json", "refresh_success_response.json"):
        real = recorded(*RESTFORCE, name)
        assert set(real) <= set(ours)
        assert shape_differences({k: ours[k] for k in real}, real) == []


def test_oauth_error_shape(sf_sandbox):
    response = httpx.post(
        f"{sf_sandbox.url}/services/oauth2/token",
        data={"grant_type": "password", "client_id": sf_sandbox.info()["client_id"],
              "client_secret": sf_sandbox.info()["client_secret"], "username": "x",
              "password": "y"},
        verify=tls(sf_sandbox),
    )  # fmt: skip
    real = recorded(*RESTFORCE, "auth_error_response.json")
    assert response.status_code == 400
    assert shape_differences(response.json(), real) == []


def test_expired_session_body_is_identical(sf_sandbox):
    response = httpx.get(
        f"{sf_sandbox.url}/services/data/v59.0/sobjects",
        headers={"Authorization": "Bearer 00Dxx!AQexpired"},
        verify=tls(sf_sandbox),
    )
    assert response.json() == recorded(*RESTFORCE, "expired_session_response.json")


def test_versions_shape(sf_http):
    real = recorded(*RESTFORCE, "services_data_success_response.json")
    assert shape_differences(sf_http.get("/services/data/").json(), real) == []


def test_paginated_query_shape(sf):
    page = sf.query("SELECT Id FROM Contact", headers={"Sforce-Query-Options": "batchSize=200"})
    real = recorded(*RESTFORCE, "sobject_query_paginated_first_page_response.json")
    assert set(page) == set(real)
    assert set(page["records"][0]["attributes"]) == set(real["records"][0]["attributes"])


def test_aggregate_query_shape(sf):
    page = sf.query("SELECT COUNT(Id) FROM Contact")
    real = recorded(*RESTFORCE, "sobject_query_aggregate_success_response.json")
    assert set(page) == set(real)
    assert page["records"][0]["attributes"] == {"type": "AggregateResult"}
    assert page["records"][0]["expr0"] == sf.query("SELECT COUNT() FROM Contact")["totalSize"]


def test_create_and_composite_result_shapes(sf):
    created = sf.Contact.create({"LastName": "Shape"})
    real = recorded(*RESTFORCE, "sobject_create_success_response.json")
    assert shape_differences(created, real) == []
    body = json.dumps({"records": [{"attributes": {"type": "Contact"}, "LastName": "Shape"}]})
    results = sf.restful("composite/sobjects", method="POST", data=body)
    real = recorded(*RESTFORCE, "sobject_composite_sobjects_create_success_response.json")
    assert shape_differences(results, real) == []
    deleted = sf.restful("composite/sobjects", method="DELETE", params={"ids": results[0]["id"]})
    real = recorded(*RESTFORCE, "sobject_composite_sobjects_destroy_success_response.json")
    assert shape_differences(deleted, real) == []


def test_composite_delete_without_ids_is_identical(sf_http):
    response = sf_http.delete("/services/data/v59.0/composite/sobjects")
    real = recorded(*RESTFORCE, "sobject_composite_sobjects_destroy_bad_request_response.json")
    assert response.status_code == 400
    assert response.json() == real


def test_not_found_bodies_match(sf_http):
    response = sf_http.get("/services/data/v59.0/sobjects/Contact/23foo")
    assert response.status_code == 404
    real = recorded(*RESTFORCE, "sobject_sobject_find_error_response.json")
    assert response.json() == real
    response = sf_http.patch(
        "/services/data/v59.0/sobjects/Contact/Namez/x", json={"LastName": "x"}
    )
    real = recorded(*RESTFORCE, "sobject_upsert_error_response.json")
    assert response.json() == real


def test_write_error_message_format(sf_http):
    response = sf_http.post("/services/data/v59.0/sobjects/Contact", json={"foo": 1})
    real = recorded(*RESTFORCE, "sobject_write_error_response.json")
    error = response.json()[0]
    assert error["message"] == real[0]["message"].replace("foo", "foo").replace("Bar", "Contact")
    assert error["errorCode"] == real[0]["errorCode"]


def test_updated_and_deleted_shapes(sf, sf_sandbox):
    import datetime as dt

    start = sf_sandbox.org.now() - dt.timedelta(days=2)
    created = sf.Contact.create({"LastName": "Gone"})
    sf.Contact.delete(created["id"])
    end = sf_sandbox.org.now() + dt.timedelta(minutes=5)
    updated = sf.Contact.updated(start, end)
    assert (
        shape_differences(
            updated, recorded(*RESTFORCE, "sobject_get_updated_success_response.json")
        )
        == []
    )
    deleted = sf.Contact.deleted(start, end)
    real = recorded(*RESTFORCE, "sobject_get_deleted_success_response.json")
    assert set(deleted) == set(real)
    assert set(real["deletedRecords"][0]) == {"id", "deletedDate"}
