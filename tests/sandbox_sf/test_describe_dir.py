"""`--describe-dir` with a describeGlobal file: every object the sandbox serves is listed,
also those whose describe came without an entry in that global file."""

from __future__ import annotations

import json
import shutil

import pytest

from crmlink.sandbox.salesforce.app import SalesforceSandbox
from tests.conftest import sf_client
from tests.reference import recorded, reference_path

GLOBAL = "cumulusci_Global_describe.json"
FILES = [GLOBAL, "cumulusci_Contact_describe.json", "cumulusci_Custom__c_describe.json"]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    folder = tmp_path_factory.mktemp("describes")
    for name in FILES:
        shutil.copy(reference_path("salesforce", "describe", name), folder / name)
    with SalesforceSandbox(
        state_dir=tmp_path_factory.mktemp("sf"), describe_dir=folder, records=5
    ) as started:
        yield started


def test_the_recorded_global_lacks_the_custom_object():
    names = {e["name"] for e in recorded("salesforce", "describe", GLOBAL)["sobjects"]}
    assert "Custom__c" not in names and "Contact" in names  # the case this test is about


def test_every_served_object_is_listed(sandbox):
    listed = {e["name"] for e in sf_client(sandbox).describe()["sobjects"]}
    served = {o.name for o in sandbox.org.catalog.objects()}
    assert served == {"Contact", "Custom__c"}
    assert served <= listed


def test_the_added_entry_has_the_recorded_keys(sandbox):
    sobjects = sf_client(sandbox).describe()["sobjects"]
    recorded_keys = set(recorded("salesforce", "describe", GLOBAL)["sobjects"][0])
    added = next(e for e in sobjects if e["name"] == "Custom__c")
    assert set(added) == recorded_keys
    assert added["custom"] is True and added["queryable"] is True


def test_the_recorded_entries_are_served_unchanged(sandbox):
    served = sf_client(sandbox).describe()
    real = recorded("salesforce", "describe", GLOBAL)
    assert served["sobjects"][: len(real["sobjects"])] == real["sobjects"]
    assert {k: v for k, v in served.items() if k != "sobjects"} == {
        k: v for k, v in real.items() if k != "sobjects"
    }


def test_the_listed_custom_object_is_described_and_queryable(sandbox):
    sf = sf_client(sandbox)
    assert sf.Custom__c.describe()["name"] == "Custom__c"
    assert sf.query("SELECT COUNT() FROM Custom__c")["totalSize"] >= 0


def test_a_described_organization_is_read_from_the_store(tmp_path):
    """With an Organization describe loaded, its records are served like any object's
    (without one, the sandbox answers its built-in record for the org id)."""
    from tests.sandbox_sf.replay import scaffolds

    folder = tmp_path / "describes"
    folder.mkdir()
    shutil.copy(reference_path("salesforce", "describe", FILES[1]), folder / "Contact.json")
    (folder / "Organization.json").write_text(json.dumps(scaffolds()["Organization"]))
    with SalesforceSandbox(state_dir=tmp_path / "sf", describe_dir=folder, records=3) as sb:
        sf = sf_client(sb)
        [row] = sf.query("SELECT Id, Name FROM Organization LIMIT 1")["records"]
        served = sf.Organization.get(row["Id"])
        assert served["Id"] == row["Id"] and served["Name"] == row["Name"]
        assert set(served) == {
            "attributes",
            *(f["name"] for f in sb.org.object("Organization").raw["fields"]),
        }
