"""SOQL semi-joins and anti-joins: `Id [NOT] IN (SELECT one id or reference field FROM …)`."""

from __future__ import annotations

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from tests.conftest import sf_client


@pytest.fixture
def sf(sf_fresh):
    return sf_client(sf_fresh)


@pytest.fixture
def family(sf):
    """An account with one contact, named so the tests find them."""
    account = sf.Account.create({"Name": "Semi Join Co"})["id"]
    contact = sf.Contact.create({"LastName": "Semijoiner", "AccountId": account})["id"]
    return account, contact


def ids(sf, soql: str) -> list[str]:
    return [r["Id"] for r in sf.query_all(soql)["records"]]


def test_reference_in_ids_of_a_filtered_parent(sf, family):
    account, contact = family
    soql = (
        "SELECT Id FROM Contact WHERE AccountId IN "
        "(SELECT Id FROM Account WHERE Name = 'Semi Join Co')"
    )
    assert ids(sf, soql) == [contact]


def test_id_in_references_of_children(sf, family):
    account, _ = family
    soql = (
        "SELECT Id FROM Account WHERE Id IN "
        "(SELECT AccountId FROM Contact WHERE LastName = 'Semijoiner')"
    )
    assert ids(sf, soql) == [account]


def test_anti_join_leaves_out_what_the_inner_query_finds(sf_fresh, sf, family):
    _, contact = family
    soql = (
        "SELECT Id FROM Contact WHERE AccountId NOT IN "
        "(SELECT Id FROM Account WHERE Name = 'Semi Join Co')"
    )
    found = ids(sf, soql)
    assert contact not in found
    assert len(found) == sf_fresh.org.count("Contact") - 1


@pytest.mark.parametrize(
    ("soql", "message"),
    [
        ("SELECT Id FROM Contact WHERE LastName IN (SELECT Id FROM Account)", "Id or reference"),
        (
            "SELECT Id FROM Contact WHERE AccountId IN (SELECT Id, Name FROM Account)",
            "exactly one field",
        ),
    ],
)
def test_what_a_semi_join_may_not_be(sf, soql, message):
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query(soql)
    [error] = caught.value.content
    assert error["errorCode"] == "INVALID_QUERY_FILTER_OPERATOR"
    assert message in error["message"]
