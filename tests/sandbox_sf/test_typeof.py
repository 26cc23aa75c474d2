"""SOQL TYPEOF on polymorphic references (Event.Who, Event.What): each record's referenced
record with the fields of the branch of its type, ELSE's for other types, null if none."""

from __future__ import annotations

import shutil

import httpx
import pytest

from crmlink.sandbox.salesforce.app import SalesforceSandbox
from tests.conftest import password_token, sf_client, tls
from tests.reference import reference_path

OBJECTS = ("Event", "Contact", "Lead", "Account", "Opportunity")
TYPEOF = (
    "SELECT Id, TYPEOF Who WHEN Contact THEN LastName, Email WHEN Lead THEN LastName, Company "
    "END, TYPEOF What WHEN Account THEN Name ELSE Id END, Subject FROM Event WHERE Id = '{id}'"
)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    folder = tmp_path_factory.mktemp("describes")
    for name in OBJECTS:
        source = reference_path("salesforce", "describe", f"cumulusci_{name}_describe.json")
        shutil.copy(source, folder / f"{name}.json")
    state = tmp_path_factory.mktemp("sf")
    with SalesforceSandbox(state_dir=state, describe_dir=folder, records=3) as started:
        yield started


def event(sandbox, **refs) -> str:
    values = {"Subject": "Meet", "DurationInMinutes": 30}
    values["ActivityDateTime"] = "2024-01-01T10:00:00.000+0000"
    return sandbox.org.insert("Event", {**values, **refs})


def only(sandbox, event_id: str) -> dict:
    [record] = sf_client(sandbox).query(TYPEOF.format(id=event_id))["records"]
    return record


def test_each_type_gets_its_branch(sandbox):
    contact = sandbox.org.insert("Contact", {"LastName": "Who", "Email": "who@example.com"})
    account = sandbox.org.insert("Account", {"Name": "What Co"})
    record = only(sandbox, event(sandbox, WhoId=contact, WhatId=account))
    assert record["Who"] == {
        "attributes": {
            "type": "Contact",
            "url": f"/services/data/v59.0/sobjects/Contact/{contact}",
        },
        "LastName": "Who",
        "Email": "who@example.com",
    }
    assert record["What"]["Name"] == "What Co"
    assert record["Subject"] == "Meet"


def test_lead_branch_and_else(sandbox):
    lead = sandbox.org.insert("Lead", {"LastName": "Lee", "Company": "Lead Co"})
    opportunity = sandbox.org.insert(
        "Opportunity", {"Name": "Deal", "StageName": "Prospecting", "CloseDate": "2024-01-01"}
    )
    record = only(sandbox, event(sandbox, WhoId=lead, WhatId=opportunity))
    assert record["Who"]["attributes"]["type"] == "Lead"
    assert (record["Who"]["LastName"], record["Who"]["Company"]) == ("Lee", "Lead Co")
    assert set(record["What"]) == {"attributes", "Id"}  # ELSE Id
    assert record["What"]["Id"] == opportunity


def test_no_reference_is_null(sandbox):
    record = only(sandbox, event(sandbox))
    assert record["Who"] is None and record["What"] is None


def test_typeof_is_refused_in_bulk_queries(sandbox):
    token = password_token(sandbox)["access_token"]
    body = {"operation": "query", "query": TYPEOF.format(id="00U000000000000AAA")}
    answer = httpx.post(
        f"{sandbox.url}/services/data/v59.0/jobs/query",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        verify=tls(sandbox),
    )
    assert answer.status_code == 400
    assert answer.json()[0]["errorCode"] == "FUNCTIONALITY_NOT_ENABLED"
