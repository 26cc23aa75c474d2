"""`/composite/tree/{sobject}` on the Salesforce sandbox: nested parents and children created
all or nothing, results level by level, the error shape naming only the failed records."""

from __future__ import annotations

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

TREE = "/services/data/v59.0/composite/tree"


def _record(kind: str, ref: str, **fields) -> dict:
    return {"attributes": {"type": kind, "referenceId": ref}, **fields}


def _account_with_contacts(ref: str, *contacts: dict, **fields) -> dict:
    return _record("Account", ref, Contacts={"records": list(contacts)}, **fields)


def _counts(sandbox) -> tuple[int, int]:
    return sandbox.org.count("Account"), sandbox.org.count("Contact")


def test_a_tree_creates_parents_then_children_linked_to_them(sf_http, sf_sandbox):
    body = {
        "records": [
            _account_with_contacts(
                "ref1",
                _record("Contact", "ref2", LastName="First"),
                _record("Contact", "ref3", LastName="Second"),
                Name="Tree Corp",
            ),
            _record("Account", "ref4", Name="Tree Two"),
        ]
    }
    response = sf_http.post(f"{TREE}/Account", json=body)
    assert response.status_code == 201
    answer = response.json()
    assert answer["hasErrors"] is False
    # roots across all trees first, then the second level (as Salesforce documents)
    assert [r["referenceId"] for r in answer["results"]] == ["ref1", "ref4", "ref2", "ref3"]
    ids = {r["referenceId"]: r["id"] for r in answer["results"]}
    for child in ("ref2", "ref3"):
        assert (
            sf_sandbox.org.retrieve("Contact", ids[child], ["AccountId"])["AccountId"]
            == ids["ref1"]
        )


def test_a_failed_child_rolls_back_the_whole_tree(sf_http, sf_sandbox):
    before = _counts(sf_sandbox)
    body = {
        "records": [
            _account_with_contacts(
                "ref1",
                _record("Contact", "ref2", LastName="Fine"),
                _record("Contact", "ref3", LastName="Bad", Email="123"),
                Name="Never kept",
            )
        ]
    }
    response = sf_http.post(f"{TREE}/Account", json=body)
    assert response.status_code == 400
    assert response.json() == {
        "hasErrors": True,
        "results": [
            {
                "referenceId": "ref3",
                "errors": [
                    {
                        "statusCode": "INVALID_EMAIL_ADDRESS",
                        "message": "Email: invalid email address: 123",
                        "fields": ["Email"],
                    }
                ],
            }
        ],
    }
    assert _counts(sf_sandbox) == before


def test_duplicate_reference_ids_are_each_reported(sf_http, sf_sandbox):
    before = _counts(sf_sandbox)
    body = {"records": [_record("Account", "same", Name="A"), _record("Account", "same", Name="B")]}
    response = sf_http.post(f"{TREE}/Account", json=body)
    assert response.status_code == 400
    results = response.json()["results"]
    assert [r["referenceId"] for r in results] == ["same", "same"]
    assert {r["errors"][0]["statusCode"] for r in results} == {"INVALID_INPUT"}
    assert _counts(sf_sandbox) == before


def test_more_than_200_records_are_refused(sf_http, sf_sandbox):
    before = _counts(sf_sandbox)
    body = {"records": [_record("Account", f"r{i}", Name=f"N{i}") for i in range(201)]}
    response = sf_http.post(f"{TREE}/Account", json=body)
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_INPUT"
    assert _counts(sf_sandbox) == before


def test_200_records_are_accepted(sf_http, sf_sandbox):
    before = sf_sandbox.org.count("Account")
    body = {"records": [_record("Account", f"r{i}", Name=f"Bulk {i}") for i in range(200)]}
    response = sf_http.post(f"{TREE}/Account", json=body)
    assert response.status_code == 201
    assert sf_sandbox.org.count("Account") == before + 200


def test_a_tree_deeper_than_five_levels_is_refused(sf_http):
    record = _record("Account", "level6", Name="Deepest")
    for level in range(5, 0, -1):
        record = _record(
            "Account", f"level{level}", Name="Deep", ChildAccounts={"records": [record]}
        )
    response = sf_http.post(f"{TREE}/Account", json={"records": [record]})
    assert response.status_code == 400
    assert "5 levels" in response.json()[0]["message"]


def test_a_root_of_another_type_is_refused(sf_http):
    body = {"records": [_record("Contact", "c1", LastName="Wrong root")]}
    response = sf_http.post(f"{TREE}/Account", json=body)
    assert response.status_code == 400


def test_an_unknown_object_is_not_found(sf_http):
    response = sf_http.post(f"{TREE}/Nope", json={"records": []})
    assert response.status_code == 404
    assert response.json()[0]["errorCode"] == "NOT_FOUND"


def test_simple_salesforce_creates_a_tree(sf, sf_sandbox):
    body = {
        "records": [
            _account_with_contacts(
                "acc", _record("Contact", "con", LastName="Via tree"), Name="Via simple"
            )
        ]
    }
    answer = sf.restful("composite/tree/Account", method="POST", json=body)
    ids = {r["referenceId"]: r["id"] for r in answer["results"]}
    assert sf.Contact.get(ids["con"])["AccountId"] == ids["acc"]


def test_simple_salesforce_sees_a_failed_tree_as_a_400(sf):
    body = {"records": [_record("Account", "bad", Name="x", NoSuchField__c=1)]}
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.restful("composite/tree/Account", method="POST", json=body)
    assert raised.value.content["hasErrors"] is True
    assert raised.value.content["results"][0]["errors"][0]["statusCode"] == "INVALID_FIELD"
