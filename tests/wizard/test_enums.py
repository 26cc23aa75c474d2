"""`crmlink enum sync|list|show` against the sandbox, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from crmlink.catalog.enums import EnumStore, EnumValue
from crmlink.db import open_database
from tests.wizard.conftest import run_json


@pytest.fixture
def contact_schema(sfdc):
    run_json(sfdc, "wizard", "sfdc", "--tables", "Contact,Lead")
    return sfdc


def test_sync_lists_picklists_with_names_and_labels(contact_schema, sf_sandbox):
    picklists = {p["name"]: p for p in run_json(contact_schema, "enum", "sync", "sfdc")}
    assert picklists["Contact_LeadSource"]["label"] == "List of 'Lead Source' from 'Contact'"
    assert picklists["Contact_Interests__c"]["multiple"] is True
    assert "Lead_Status" in picklists
    only_contact = run_json(contact_schema, "enum", "sync", "sfdc", "--tables", "Contact")
    assert all(p["name"].startswith("Contact_") for p in only_contact)


def test_add_keeps_existing_values_and_order(contact_schema, database_url):
    with open_database(database_url) as database, database.transaction() as conn:
        EnumStore(conn).sync(
            "leadSource", [EnumValue("Fax", "Fax"), EnumValue("Web", "Web")],
            label="Lead source", multiple=False, source="hand", replace=False,
        )  # fmt: skip
    results = run_json(
        contact_schema, "enum", "sync", "sfdc", "--map", "Contact_LeadSource=leadSource"
    )
    assert results[0]["created"] is False
    shown = run_json(contact_schema, "enum", "show", "leadSource")
    values = [v["value"] for v in shown["values"]]
    assert values[:2] == ["Fax", "Web"]  # kept, first, in their order
    assert values.count("Web") == 1  # no duplicate
    assert "Partner Referral" in values and "Trade Show 2019" in values


def test_inactive_picklist_values_are_kept_inactive(contact_schema):
    run_json(contact_schema, "enum", "sync", "sfdc", "--map", "Contact_LeadSource=leadSource")
    values = {
        v["value"]: v for v in run_json(contact_schema, "enum", "show", "leadSource")["values"]
    }
    assert values["Trade Show 2019"]["active"] is False
    assert values["Web"]["active"] is True


def test_replace_makes_the_crm_values_the_only_ones(contact_schema, database_url):
    with open_database(database_url) as database, database.transaction() as conn:
        EnumStore(conn).sync(
            "source", [EnumValue("Fax", "Fax")],
            label="x", multiple=False, source="hand", replace=False,
        )  # fmt: skip
    run_json(contact_schema, "enum", "sync", "sfdc", "--map", "Contact_LeadSource=source:replace")
    values = [v["value"] for v in run_json(contact_schema, "enum", "show", "source")["values"]]
    assert "Fax" not in values
    assert values == ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other",
                      "Trade Show 2019"]  # fmt: skip


def test_multi_select_picklist_is_synced_and_marked_multiple(contact_schema):
    run_json(contact_schema, "enum", "sync", "sfdc", "--map", "Contact_Interests__c=interests")
    shown = run_json(contact_schema, "enum", "show", "interests")
    assert shown["multiple"] is True
    assert len(shown["values"]) >= 5


def test_schema_field_points_to_its_enumeration(contact_schema):
    run_json(contact_schema, "enum", "sync", "sfdc", "--map", "Contact_LeadSource=leadSource")
    fields = {
        f["remote_name"]: f
        for f in run_json(contact_schema, "schema", "show", "sfdc_contact")["fields"]
    }
    assert fields["LeadSource"]["enumeration"] == "leadSource"


def test_all_syncs_every_picklist_under_its_own_name(contact_schema):
    results = run_json(contact_schema, "enum", "sync", "sfdc", "--all", "--tables", "Contact")
    names = {r["enumeration"] for r in results}
    assert {"Contact_LeadSource", "Contact_Interests__c", "Contact_Salutation"} <= names
    listed = {e["name"] for e in run_json(contact_schema, "enum", "list")}
    assert names <= listed


BAD_MAPS = [
    (["--map", "Contact_LeadSource"],
     "--map 'Contact_LeadSource' is not PICKLIST=ENUMERATION[:replace]"),
    (["--map", "Contact_LeadSorce=x"],
     "no picklist named 'Contact_LeadSorce'; did you mean: Contact_LeadSource, "),
]  # fmt: skip


@pytest.mark.parametrize(("args", "message"), BAD_MAPS)
def test_bad_mapping_is_refused_and_nothing_changes(contact_schema, args, message):
    result = contact_schema("enum", "sync", "sfdc", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert run_json(contact_schema, "enum", "list") == []


def test_show_unknown_enumeration(contact_schema):
    result = contact_schema("enum", "show", "nope")
    assert result.exit_code == 2
    assert "no enumeration named 'nope'" in result.stderr
