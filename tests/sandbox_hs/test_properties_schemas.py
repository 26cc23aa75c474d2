"""Properties (types, field types, options, read-only and calculated ones, groups; create,
update, archive) and schemas (the pre-defined loyalty card, a POSTed custom object)."""

from __future__ import annotations

KEYS = {
    "name",
    "label",
    "type",
    "fieldType",
    "description",
    "groupName",
    "options",
    "displayOrder",
    "calculated",
    "externalOptions",
    "hasUniqueValue",
    "hidden",
    "hubspotDefined",
    "modificationMetadata",
    "formField",
    "createdAt",
    "updatedAt",
    "archived",
}


def _by_name(hs, object_type: str) -> dict[str, dict]:
    results = hs.get(f"/crm/v3/properties/{object_type}").json()["results"]
    return {p["name"]: p for p in results}


def test_standard_property_sets_look_like_hubspots(hs):
    for object_type, size in (("contacts", 25), ("companies", 25), ("deals", 25)):
        props = _by_name(hs, object_type)
        assert len(props) >= size
        assert {"hs_object_id", "createdate", "hs_lastmodifieddate"} <= set(props)
        assert all(set(p) >= KEYS for p in props.values())
    contacts = _by_name(hs, "contacts")
    stage = contacts["lifecyclestage"]
    assert (stage["type"], stage["fieldType"]) == ("enumeration", "radio")
    assert [o["value"] for o in stage["options"]][:3] == [
        "subscriber",
        "lead",
        "marketingqualifiedlead",
    ]
    assert stage["modificationMetadata"]["readOnlyDefinition"] is True
    assert (contacts["interests"]["type"], contacts["interests"]["fieldType"]) == (
        "enumeration",
        "checkbox",
    )
    assert contacts["email"]["hasUniqueValue"] is True
    assert contacts["hs_email_domain"]["calculated"] is True
    assert contacts["createdate"]["modificationMetadata"]["readOnlyValue"] is True
    kinds = {(p["type"], p["fieldType"]) for p in contacts.values()}
    assert {
        ("bool", "booleancheckbox"),
        ("number", "number"),
        ("date", "date"),
        ("datetime", "date"),
        ("phone_number", "phonenumber"),
    } <= kinds
    deals = _by_name(hs, "deals")
    assert {"dealstage", "pipeline", "amount", "closedate"} <= set(deals)
    assert "closedwon" in {o["value"] for o in deals["dealstage"]["options"]}
    assert _by_name(hs, "companies")["domain"]["hasUniqueValue"] is False


def test_create_update_archive_a_property(hs):
    made = hs.post(
        "/crm/v3/properties/contacts",
        json={
            "name": "favourite_colour",
            "label": "Favourite colour",
            "type": "enumeration",
            "fieldType": "select",
            "groupName": "contactinformation",
            "options": [{"label": "Red", "value": "red"}, {"label": "Blue", "value": "blue"}],
        },
    )
    assert made.status_code == 201, made.text
    assert made.json()["hubspotDefined"] is False
    again = hs.post("/crm/v3/properties/contacts", json=made.json())
    assert again.status_code == 409 and again.json()["category"] == "OBJECT_ALREADY_EXISTS"
    contact = hs.post("/crm/v3/objects/contacts", json={"properties": {"favourite_colour": "red"}})
    assert contact.status_code == 201
    patched = hs.patch(
        "/crm/v3/properties/contacts/favourite_colour",
        json={"label": "Colour", "options": [{"label": "Green", "value": "green"}]},
    )
    assert patched.json()["label"] == "Colour"
    refused = hs.patch(
        f"/crm/v3/objects/contacts/{contact.json()['id']}",
        json={"properties": {"favourite_colour": "red"}},
    )
    assert refused.status_code == 400
    assert hs.delete("/crm/v3/properties/contacts/favourite_colour").status_code == 204
    assert hs.get("/crm/v3/properties/contacts/favourite_colour").status_code == 404
    archived = hs.get("/crm/v3/properties/contacts", params={"archived": "true"}).json()["results"]
    assert [p["name"] for p in archived] == ["favourite_colour"] and archived[0]["archived"] is True
    assert hs.delete("/crm/v3/properties/contacts/email").status_code == 400  # HubSpot's own


def test_bad_property_definitions(hs):
    base = {"name": "p1", "label": "P", "groupName": "contactinformation"}
    for bad in (
        {**base, "type": "string"},  # no field type
        {**base, "type": "text", "fieldType": "text"},
        {**base, "type": "number", "fieldType": "select"},
        {**base, "type": "enumeration", "fieldType": "select"},  # no options
        {**base, "type": "string", "fieldType": "text", "groupName": "nowhere"},
        {**base, "name": "Robert'); DROP TABLE records;--", "type": "string", "fieldType": "text"},
        {**base, "name": "1st", "type": "string", "fieldType": "text"},
    ):
        assert hs.post("/crm/v3/properties/contacts", json=bad).status_code == 400, bad


def test_property_groups(hs):
    groups = hs.get("/crm/v3/properties/contacts/groups").json()["results"]
    assert "contactinformation" in {g["name"] for g in groups}
    made = hs.post("/crm/v3/properties/deals/groups", json={"name": "extra", "label": "Extra"})
    assert made.status_code == 201
    assert (
        hs.patch("/crm/v3/properties/deals/groups/extra", json={"label": "More"}).json()["label"]
        == "More"
    )
    assert hs.get("/crm/v3/properties/deals/groups/extra").json()["label"] == "More"
    assert hs.delete("/crm/v3/properties/deals/groups/extra").status_code == 204
    assert hs.get("/crm/v3/properties/deals/groups/extra").status_code == 404


def test_the_loyalty_card_schema(hs, hs_sandbox):
    schemas = hs.get("/crm/v3/schemas").json()["results"]
    card = next(s for s in schemas if s["name"] == "loyalty_card")
    portal = hs_sandbox.portal.portal_id
    assert card["labels"] == {"singular": "Loyalty card", "plural": "Loyalty cards"}
    assert card["objectTypeId"].startswith("2-")
    assert card["fullyQualifiedName"] == f"p{portal}_loyalty_card"
    props = {p["name"]: p for p in card["properties"]}
    assert props["card_number"]["hasUniqueValue"] is True
    assert props["tier"]["type"] == "enumeration" and props["points"]["type"] == "number"
    assert props["issued"]["type"] == "date"
    assert card["associations"][0]["toObjectTypeId"] == "0-1"
    for segment in (card["objectTypeId"], card["fullyQualifiedName"], "loyalty_card"):
        assert hs.get(f"/crm/v3/schemas/{segment}").json()["name"] == "loyalty_card"
    assert hs.delete(f"/crm/v3/schemas/{card['objectTypeId']}").status_code == 400  # has records


def test_a_posted_schema_becomes_an_object_type(hs):
    made = hs.post(
        "/crm/v3/schemas",
        json={
            "name": "vehicle",
            "labels": {"singular": "Vehicle", "plural": "Vehicles"},
            "primaryDisplayProperty": "plate",
            "requiredProperties": ["plate"],
            "properties": [
                {
                    "name": "plate",
                    "label": "Plate",
                    "type": "string",
                    "fieldType": "text",
                    "hasUniqueValue": True,
                },
                {"name": "seats", "label": "Seats", "type": "number", "fieldType": "number"},
            ],
            "associatedObjects": ["CONTACT"],
        },
    )
    assert made.status_code == 201, made.text
    schema = made.json()
    record = hs.post(
        "/crm/v3/objects/vehicle", json={"properties": {"plate": "AB-123", "seats": "5"}}
    )
    assert record.status_code == 201
    assert (
        hs.post("/crm/v3/objects/vehicle", json={"properties": {"plate": "AB-123"}}).status_code
        == 409
    )
    by_id = hs.get(
        f"/crm/v3/objects/{schema['objectTypeId']}/{record.json()['id']}",
        params={"properties": "seats"},
    )
    assert by_id.json()["properties"]["seats"] == "5"
    assert "plate" in {p["name"] for p in hs.get("/crm/v3/properties/vehicle").json()["results"]}
    assert (
        hs.patch("/crm/v3/schemas/vehicle", json={"labels": {"plural": "Cars"}}).json()["labels"][
            "plural"
        ]
        == "Cars"
    )
    assert hs.post("/crm/v3/schemas", json={**schema, "properties": []}).status_code == 409
    hs.delete(f"/crm/v3/objects/vehicle/{record.json()['id']}")
    assert hs.delete("/crm/v3/schemas/vehicle").status_code == 400  # archived records remain
    bad = hs.post("/crm/v3/schemas", json={"name": "x", "labels": {"singular": "X"}})
    assert bad.status_code == 400
    hostile = hs.post(
        "/crm/v3/schemas",
        json={"name": "../contacts", "labels": {"singular": "X", "plural": "Xs"}},
    )
    assert hostile.status_code == 400 and "lower-case letter" in hostile.json()["message"]


def test_property_batch_read_create_archive(hs):
    read = hs.post(
        "/crm/v3/properties/contacts/batch/read",
        json={"inputs": [{"name": "email"}, {"name": "no_such"}], "archived": False},
    )
    assert read.status_code == 207
    assert [p["name"] for p in read.json()["results"]] == ["email"]
    assert read.json()["errors"][0]["context"]["name"] == ["no_such"]
    made = hs.post(
        "/crm/v3/properties/companies/batch/create",
        json={
            "inputs": [
                {
                    "name": f"batch_p{i}",
                    "label": f"P{i}",
                    "type": "number",
                    "fieldType": "number",
                    "groupName": "companyinformation",
                }
                for i in range(3)
            ]
        },
    )
    assert made.status_code == 201 and len(made.json()["results"]) == 3
    gone = hs.post(
        "/crm/v3/properties/companies/batch/archive", json={"inputs": [{"name": "batch_p0"}]}
    )
    assert gone.status_code == 204
    names = {p["name"] for p in hs.get("/crm/v3/properties/companies").json()["results"]}
    assert {"batch_p1", "batch_p2"} <= names and "batch_p0" not in names


def test_malformed_definitions_are_400s_in_hubspots_envelope(hs):
    cases = [
        (
            "post",
            "/crm/v3/properties/contacts",
            {
                "name": "p2",
                "label": "P",
                "type": "string",
                "fieldType": "text",
                "groupName": "contactinformation",
                "displayOrder": "first",
            },
        ),
        (
            "post",
            "/crm/v3/properties/contacts/groups",
            {"name": "g2", "label": "G", "displayOrder": [1]},
        ),
        (
            "post",
            "/crm/v3/schemas",
            {"name": "thing", "labels": {"singular": "T", "plural": "Ts"}, "requiredProperties": 7},
        ),
        ("patch", "/crm/v3/schemas/loyalty_card", {"labels": "Cards"}),
        (
            "post",
            "/crm/v3/objects/contacts/batch/read",
            {"inputs": [{"id": "1"}], "idProperty": ["email"]},
        ),
        ("post", "/crm/v3/objects/contacts/batch/read", {"inputs": [{"id": "1"}], "properties": 5}),
        ("post", "/crm/v3/objects/contacts/batch/create", {"inputs": "all"}),
        ("post", "/crm/v3/objects/contacts", [1, 2]),
    ]
    for method, path, body in cases:
        answer = getattr(hs, method)(path, json=body)
        assert answer.status_code == 400, (path, body, answer.text)
        assert answer.json()["category"] == "VALIDATION_ERROR"
