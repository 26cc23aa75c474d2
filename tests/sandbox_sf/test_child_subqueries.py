"""SOQL parent-to-child relationship subqueries: `(SELECT … FROM Relationship)` answers each
parent's children as a nested query result, or null when it has none."""

from __future__ import annotations

import pytest

from tests.conftest import sf_client


@pytest.fixture
def sf(sf_fresh):
    return sf_client(sf_fresh)


def test_children_are_nested_per_parent(sf_fresh, sf):
    account = sf.Account.create({"Name": "Parent Co"})["id"]
    for last in ("Zed", "Abe", "Moe"):
        sf.Contact.create({"LastName": last, "AccountId": account})
    soql = (
        "SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName LIMIT 2) "
        f"FROM Account WHERE Id = '{account}'"
    )
    [record] = sf.query(soql)["records"]
    assert record["Name"] == "Parent Co"
    children = record["Contacts"]
    assert children["totalSize"] == 2 and children["done"] is True
    assert [c["LastName"] for c in children["records"]] == ["Abe", "Moe"]
    assert children["records"][0]["attributes"]["type"] == "Contact"


def test_a_parent_without_children_has_null(sf):
    account = sf.Account.create({"Name": "Lonely Co"})["id"]
    soql = f"SELECT Name, (SELECT Id FROM Contacts) FROM Account WHERE Id = '{account}'"
    assert sf.query(soql)["records"][0]["Contacts"] is None


def test_child_where_filters(sf):
    account = sf.Account.create({"Name": "Filter Co"})["id"]
    for last in ("Keep", "Drop"):
        sf.Contact.create({"LastName": last, "AccountId": account})
    soql = (
        "SELECT (SELECT LastName FROM Contacts WHERE LastName = 'Keep') "
        f"FROM Account WHERE Id = '{account}'"
    )
    found = sf.query(soql)["records"][0]["Contacts"]["records"]
    assert [c["LastName"] for c in found] == ["Keep"]


def test_unknown_relationship_is_invalid_type(sf_fresh):
    from simple_salesforce.exceptions import SalesforceMalformedRequest

    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf_client(sf_fresh).query("SELECT Name, (SELECT Id FROM Nope) FROM Account")
    [error] = caught.value.content
    assert error["errorCode"] == "INVALID_TYPE"
    assert "Didn't understand relationship 'Nope'" in error["message"]
