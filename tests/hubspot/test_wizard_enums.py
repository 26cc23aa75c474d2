"""The wizard and enumeration sync on a HubSpot account, through the CLI, on SQLite and
PostgreSQL: the object types listed (custom object included), schemas generated with
HubSpot's types mapped, and HubSpot enumerations (single select and multiple checkboxes)
synced into crmlink enumerations with HubSpot's labels and values."""

from __future__ import annotations

import json

from tests.hubspot.conftest import add_account


def cli_json(crmlink, *args: str):
    result = crmlink(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_wizard_lists_and_generates_contacts_and_the_custom_object(crmlink, hs_box):
    add_account(crmlink, hs_box)
    listed = crmlink("wizard", "hs", "--list")
    assert listed.exit_code == 0, listed.output
    for table in ("contacts", "companies", "deals", "loyalty_card", "Loyalty cards"):
        assert table in listed.output
    made = crmlink("wizard", "hs", "--tables", "contacts,loyalty_card")
    assert made.exit_code == 0, made.output
    contacts = cli_json(crmlink, "schema", "show", "hs_contacts")
    columns = {c["column"]: c for c in contacts["fields"]}
    assert contacts["remote_table"] == "contacts" and contacts["local_table"] == "crm_hs_contacts"
    expected = {  # property -> HubSpot type/fieldType, crmlink kind, local column type
        "hs_object_id": ("number/number", "id", "string(32)"),
        "hs_lastmodifieddate": ("datetime/date", "datetime", "datetime"),
        "date_of_birth": ("date/date", "date", "date"),
        "lifecyclestage": ("enumeration/radio", "picklist", "string(255)"),
        "interests": ("enumeration/checkbox", "multipicklist", "text"),
        "hs_email_optout": ("bool/booleancheckbox", "boolean", "boolean"),
        "annualrevenue": ("number/number", "decimal", "decimal(32,12)"),
        "phone": ("string/phonenumber", "phone", "text"),
        "message": ("string/textarea", "text", "text"),
        "email": ("string/text", "string", "text"),
    }
    for name, want in expected.items():
        column = columns[name]
        assert (column["remote_type"], column["kind"], column["type"]) == want, column
    cards = cli_json(crmlink, "schema", "show", "hs_loyalty_card")
    card_columns = {c["column"]: c for c in cards["fields"]}
    assert cards["label"] == "Loyalty cards"
    assert {"card_number", "tier", "points", "issued", "active"} <= set(card_columns)


def test_enum_sync_brings_hubspot_options_with_their_labels(crmlink, hs_box):
    add_account(crmlink, hs_box)
    assert crmlink("wizard", "hs", "--tables", "contacts").exit_code == 0
    offered = {p["name"]: p for p in cli_json(crmlink, "enum", "sync", "hs")}
    assert offered["contacts_lifecyclestage"]["multiple"] is False
    assert offered["contacts_interests"]["multiple"] is True
    synced = cli_json(
        crmlink, "enum", "sync", "hs",
        "--map", "contacts_lifecyclestage=lifecycle",
        "--map", "contacts_interests=interests:replace",
    )  # fmt: skip
    assert {r["enumeration"] for r in synced} == {"lifecycle", "interests"}
    catalog = hs_box.catalog.of("contacts")
    for name, prop in (("lifecycle", "lifecyclestage"), ("interests", "interests")):
        enumeration = cli_json(crmlink, "enum", "show", name)
        options = sorted(catalog[prop].options, key=lambda o: o.display_order)
        got = [(v["value"], v["label"]) for v in enumeration["values"]]
        assert got == [(o.value, o.label) for o in options]
        assert enumeration["multiple"] is (name == "interests")
    # The generated schema's field points to its enumeration.
    columns = {c["column"]: c for c in cli_json(crmlink, "schema", "show", "hs_contacts")["fields"]}
    assert columns["lifecyclestage"]["enumeration"] == "lifecycle"
    again = cli_json(crmlink, "enum", "sync", "hs", "--map", "contacts_lifecyclestage=lifecycle")
    assert again[0]["added"] == 0  # no duplicates on a second sync
