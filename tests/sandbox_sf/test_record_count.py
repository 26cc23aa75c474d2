"""`/limits/recordCount` on the Salesforce sandbox, compared with the recorded answers
(CumulusCI): counts by name, and names Salesforce has no count for simply absent."""

from __future__ import annotations

import httpx
import pytest

from crmlink.sandbox.salesforce.app import SalesforceSandbox
from tests.conftest import password_token, tls
from tests.reference import shape_differences
from tests.sandbox_sf.cassettes import interactions

RECORD_COUNT = "/services/data/v59.0/limits/recordCount"
RECORDED = "TestUpsert.test_upsert_complex_external_id_field__rest.yaml"


def _recorded(sobject: str):
    found = [
        r for r in interactions(RECORDED, "GET", "/limits/recordCount") if r.query.endswith(sobject)
    ]
    return found[0]


@pytest.fixture(scope="module")
def empty_org(tmp_path_factory):
    """A sandbox without records (objects with none are left out of the answer)."""
    sandbox = SalesforceSandbox(state_dir=tmp_path_factory.mktemp("sf-empty"), records=0)
    sandbox.start()
    token = password_token(sandbox)["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=sandbox.url, headers=headers, verify=tls(sandbox)) as client:
        yield sandbox, client
    sandbox.stop()


def test_a_known_object_is_counted_in_the_recorded_shape(sf_http, sf_sandbox):
    recorded = _recorded("sObjects=Account")
    response = sf_http.get(RECORD_COUNT, params={"sObjects": "Account"})
    assert response.status_code == recorded.status
    assert shape_differences(response.json(), recorded.answer) == []
    assert response.json() == {
        "sObjects": [{"count": sf_sandbox.org.count("Account"), "name": "Account"}]
    }


def test_an_unknown_object_is_absent_not_404(sf_http):
    recorded = _recorded("sObjects=Opportunity")  # the recorded `{"sObjects": []}`
    response = sf_http.get(RECORD_COUNT, params={"sObjects": "Unknown"})
    assert response.status_code == 200
    assert response.json() == recorded.answer == {"sObjects": []}


def test_unknown_names_leave_the_known_ones(sf_http):
    response = sf_http.get(RECORD_COUNT, params={"sObjects": "Unknown,Contact,Nope__c"})
    assert [o["name"] for o in response.json()["sObjects"]] == ["Contact"]


def test_an_object_without_records_is_absent_as_recorded(empty_org):
    sandbox, client = empty_org
    recorded = _recorded("sObjects=Opportunity")
    response = client.get(RECORD_COUNT, params={"sObjects": "Opportunity"})
    assert response.json() == recorded.answer


def test_an_object_counts_once_it_has_a_record(empty_org):
    sandbox, client = empty_org
    sandbox.org.insert("Lead", {"LastName": "Counted", "Company": "Acme"})
    response = client.get(RECORD_COUNT, params={"sObjects": "Lead"})
    assert response.json() == {"sObjects": [{"count": 1, "name": "Lead"}]}


def test_no_names_counts_every_object_with_records(empty_org):
    sandbox, client = empty_org
    sandbox.org.insert("Account", {"Name": "Alone"})
    names = {o["name"] for o in client.get(RECORD_COUNT).json()["sObjects"]}
    expected = {o.name for o in sandbox.org.catalog.objects() if sandbox.org.count(o.name)}
    assert names == expected
    assert "Account" in names
