"""Describes from the properties API on a mock transport: kinds from type and fieldType,
enumerations with labels, read-only and unique properties, custom objects from the
schemas, untrusted metadata kept out or marked."""

from __future__ import annotations

import pytest

from crmlink.connectors.describe_guard import is_invalid
from crmlink.errors import NotFoundError
from crmlink.model import FieldKind
from tests.connectors.test_hubspot_support import (
    LOYALTY_PROPERTIES,
    FakeHubSpot,
    connector,
    described,
    prop,
)

K = FieldKind


@pytest.fixture
def contacts():
    with connector(described(FakeHubSpot())) as hs:
        yield hs, hs.object_info("contacts")


def test_kinds_come_from_type_and_field_type(contacts):
    _, info = contacts
    kinds = {f.name: f.kind for f in info.table.fields}
    assert kinds == {
        "hs_object_id": K.ID,
        "email": K.STRING,
        "lastname": K.STRING,
        "notes": K.TEXT,
        "phone": K.PHONE,
        "age": K.DECIMAL,
        "birthday": K.DATE,
        "createdate": K.DATETIME,
        "hs_lastmodifieddate": K.DATETIME,
        "opted_in": K.BOOLEAN,
        "score": K.DECIMAL,
        "lifecyclestage": K.PICKLIST,
        "interests": K.MULTIPICKLIST,
    }
    age = info.table.require_field("age")
    assert (age.precision, age.scale) == (32, 12)  # HubSpot numbers hold decimals
    assert info.table.require_field("interests").remote_type == "enumeration/checkbox"


def test_key_and_modified_fields(contacts):
    _, info = contacts
    assert info.table.key_field == "hs_object_id"
    assert info.table.modified_field == "hs_lastmodifieddate"
    assert info.path == "contacts" and info.table.label == "Contacts"


def test_enumerations_keep_labels_in_display_order(contacts):
    _, info = contacts
    stage = info.table.require_field("lifecyclestage")
    assert [(v.value, v.label) for v in stage.picklist] == [
        ("subscriber", "Subscriber"),
        ("lead", "Lead"),
    ]
    interests = info.table.require_field("interests")
    assert [(v.value, v.active) for v in interests.picklist] == [("golf", True), ("old", False)]
    assert stage.restricted and interests.restricted
    assert info.multi == frozenset({"interests"})


def test_read_only_and_calculated_properties_are_not_writable(contacts):
    _, info = contacts
    assert info.read_only == {"hs_object_id", "createdate", "hs_lastmodifieddate", "score"}
    score = info.table.require_field("score")
    assert score.calculated and not score.createable and not score.updateable
    assert info.table.require_field("lastname").createable


def test_unique_properties_are_upsert_keys(contacts):
    hs, info = contacts
    assert info.unique == ("email",)  # the contacts' email, by HubSpot's design
    assert info.table.require_field("email").external_id
    cards = hs.object_info("loyalty_card")
    assert cards.path == "2-7" and cards.unique == ("card_number",)
    assert cards.table.label == "Loyalty cards" and cards.table.custom


def test_list_tables_has_standard_and_custom_objects():
    fake = described(FakeHubSpot())
    with connector(fake) as hs:
        tables = {t.name: (t.label, t.custom) for t in hs.list_tables()}
    assert tables == {
        "contacts": ("Contacts", False),
        "companies": ("Companies", False),
        "deals": ("Deals", False),
        "loyalty_card": ("Loyalty cards", True),
    }


def test_hostile_schemas_are_left_out():
    fake = described(FakeHubSpot())
    hostile = [
        {"name": "../admin", "objectTypeId": "2-8"},
        {"name": "ok_name", "objectTypeId": "2-9/../x"},
        {"name": "contacts", "objectTypeId": "2-10"},  # may not shadow a standard object
        {"name": None, "objectTypeId": "2-11"},
        "not an object",
    ]
    fake.on("GET", "/crm/v3/schemas", {"results": hostile})
    with connector(fake) as hs:
        assert [t.name for t in hs.list_tables()] == ["contacts", "companies", "deals"]
        assert hs.object_info("contacts").path == "contacts"


def test_broken_properties_are_placeholders_and_bad_names_are_left_out():
    fake = described(FakeHubSpot())
    broken = [
        *LOYALTY_PROPERTIES,
        prop("colour", "enumeration", "select", options="red,green"),
        prop("has,comma"),
        prop("line\nbreak"),
        {"label": "no name"},
    ]
    fake.on("GET", "/crm/v3/properties/2-7", {"results": broken})
    with connector(fake) as hs:
        table = hs.describe("loyalty_card")
    names = [f.name for f in table.fields]
    assert names == ["hs_object_id", "card_number", "hs_lastmodifieddate", "colour"]
    assert is_invalid(table.require_field("colour"))


def test_a_table_without_hs_object_id_still_has_its_key():
    fake = described(FakeHubSpot())
    fake.on("GET", "/crm/v3/properties/2-7", {"results": [prop("card_number")]})
    with connector(fake) as hs:
        table = hs.describe("loyalty_card")
    assert table.require_field("hs_object_id").kind == K.ID


def test_an_unknown_table_is_not_found_with_close_names():
    fake = described(FakeHubSpot())
    with pytest.raises(NotFoundError) as caught, connector(fake) as hs:
        hs.describe("contactsx")
    assert caught.value.message == (
        "HubSpot has no object type 'contactsx'; did you mean: contacts?"
    )


def test_describes_are_cached_per_table():
    fake = described(FakeHubSpot())
    with connector(fake) as hs:
        hs.describe("CONTACTS")
        hs.describe("contacts")
    assert len(fake.sent("GET", "/crm/v3/properties/contacts")) == 1
