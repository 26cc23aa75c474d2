"""The basic objects API over TLS: list, paging, properties, get/create/update/archive,
`idProperty`, HubSpot's validation errors and conflicts, server-kept stamps."""

from __future__ import annotations

import re

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _error(response, status: int, category: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "error"
    assert body["category"] == category
    assert re.match(r"^[0-9a-f-]{36}$", body["correlationId"])
    assert response.headers["X-HubSpot-Correlation-Id"] == body["correlationId"]
    return body


def test_list_pages_with_after_cursors_through_every_contact(hs):
    seen, after, pages = [], None, 0
    while True:
        params = {"limit": 100, **({"after": after} if after else {})}
        body = hs.get("/crm/v3/objects/contacts", params=params).json()
        seen += [r["id"] for r in body["results"]]
        pages += 1
        if "paging" not in body:
            break
        after = body["paging"]["next"]["after"]
        assert body["paging"]["next"]["link"].endswith(f"after={after}")
    assert len(seen) == len(set(seen)) and pages >= 3
    live = hs.get("/crm/v3/objects/contacts", params={"archived": "true", "limit": 100}).json()
    assert len(seen) + len(live["results"]) >= 300  # seeded, some archived


def test_a_limit_over_100_is_refused(hs):
    body = _error(
        hs.get("/crm/v3/objects/contacts", params={"limit": 101}), 400, "VALIDATION_ERROR"
    )
    assert "limit" in body["message"]


def test_default_and_requested_properties(hs):
    first = hs.get("/crm/v3/objects/contacts", params={"limit": 1}).json()["results"][0]
    assert set(first["properties"]) == {
        "firstname",
        "lastname",
        "email",
        "createdate",
        "lastmodifieddate",
        "hs_object_id",
    }
    assert first["properties"]["hs_object_id"] == first["id"]
    assert STAMP.match(first["createdAt"]) and STAMP.match(first["updatedAt"])
    assert first["archived"] is False
    asked = hs.get(
        f"/crm/v3/objects/contacts/{first['id']}",
        params={"properties": "city,lifecyclestage,no_such_property"},
    ).json()
    assert set(asked["properties"]) == {"city", "lifecyclestage"}


def test_create_get_update_archive_a_contact(hs):
    created = hs.post(
        "/crm/v3/objects/contacts",
        json={
            "properties": {
                "email": "Ada.Lovelace@Example.com",
                "firstname": "Ada",
                "interests": "events;webinars",
                "date_of_birth": "1815-12-10",
                "numemployees": "12.50",
                "hs_email_optout": True,
            }
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    props, record_id = body["properties"], body["id"]
    assert props["email"] == "ada.lovelace@example.com"  # HubSpot lower-cases e-mails
    assert props["numemployees"] == "12.5" and props["hs_email_optout"] == "true"
    assert props["hs_object_id"] == record_id
    assert props["createdate"] == props["lastmodifieddate"] == props["hs_lastmodifieddate"]
    got = hs.get(
        f"/crm/v3/objects/contacts/{record_id}",
        params={"properties": "interests,date_of_birth,hs_email_domain"},
    ).json()["properties"]
    assert got == {
        "interests": "events;webinars",
        "date_of_birth": "1815-12-10",
        "hs_email_domain": "example.com",
    }
    patched = hs.patch(
        f"/crm/v3/objects/contacts/{record_id}",
        json={"properties": {"firstname": "Augusta", "interests": ""}},
    )
    assert patched.status_code == 200
    after = patched.json()
    assert after["properties"]["firstname"] == "Augusta"
    assert after["properties"]["interests"] is None
    assert after["updatedAt"] >= body["updatedAt"]
    by_email = hs.get(
        "/crm/v3/objects/contacts/ADA.lovelace@example.com", params={"idProperty": "email"}
    )
    assert by_email.json()["id"] == record_id
    assert hs.delete(f"/crm/v3/objects/contacts/{record_id}").status_code == 204
    _error(hs.get(f"/crm/v3/objects/contacts/{record_id}"), 404, "OBJECT_NOT_FOUND")
    archived = hs.get(f"/crm/v3/objects/contacts/{record_id}", params={"archived": "true"}).json()
    assert archived["archived"] is True and STAMP.match(archived["archivedAt"])
    # an archived contact's e-mail is free again
    again = hs.post(
        "/crm/v3/objects/contacts", json={"properties": {"email": "ada.lovelace@example.com"}}
    )
    assert again.status_code == 201


def test_patch_by_id_property(hs):
    card = hs.post(
        "/crm/v3/objects/loyalty_card", json={"properties": {"card_number": "LC-PATCH-1"}}
    ).json()
    patched = hs.patch(
        "/crm/v3/objects/loyalty_card/LC-PATCH-1",
        params={"idProperty": "card_number"},
        json={"properties": {"points": "70"}},
    )
    assert patched.json()["id"] == card["id"] and patched.json()["properties"]["points"] == "70"
    body = _error(
        hs.get("/crm/v3/objects/companies/x", params={"idProperty": "domain"}),
        400,
        "VALIDATION_ERROR",
    )
    assert "not a unique property" in body["message"]


def test_validation_errors_name_every_property_with_hubspots_codes(hs):
    response = hs.post(
        "/crm/v3/objects/contacts",
        json={
            "properties": {
                "no_such_thing": "x",
                "createdate": "2024-01-01T00:00:00Z",
                "hs_email_domain": "a.com",
                "lifecyclestage": "champion",
                "email": "not-an-email",
                "numemployees": "a dozen",
                "date_of_birth": "1700000000123",
                "hs_email_optout": "maybe",
                "interests": "events;golf",
            }
        },
    )
    body = _error(response, 400, "VALIDATION_ERROR")
    assert body["message"].startswith("Property values were not valid: [")
    codes = {e["context"]["propertyName"][0]: e["code"] for e in body["errors"]}
    assert codes == {
        "no_such_thing": "PROPERTY_DOESNT_EXIST",
        "createdate": "READ_ONLY_VALUE",
        "hs_email_domain": "READ_ONLY_VALUE",
        "lifecyclestage": "INVALID_OPTION",
        "email": "INVALID_EMAIL",
        "numemployees": "INVALID_DOUBLE",
        "date_of_birth": "INVALID_DATE",
        "hs_email_optout": "INVALID_BOOLEAN",
        "interests": "INVALID_OPTION",
    }
    assert '"createdate\\" is a read only property' in body["message"]
    assert "golf was not one of the allowed options" in body["message"]


def test_a_second_contact_with_the_same_email_is_a_conflict(hs):
    first = hs.post("/crm/v3/objects/contacts", json={"properties": {"email": "twin@example.org"}})
    second = hs.post("/crm/v3/objects/contacts", json={"properties": {"email": "TWIN@example.org"}})
    body = _error(second, 409, "CONFLICT")
    assert body["message"] == f"Contact already exists. Existing ID: {first.json()['id']}"
    other = hs.post("/crm/v3/objects/contacts", json={"properties": {"email": "solo@example.org"}})
    clash = hs.patch(
        f"/crm/v3/objects/contacts/{other.json()['id']}",
        json={"properties": {"email": "twin@example.org"}},
    )
    _error(clash, 409, "CONFLICT")


def test_companies_domains_are_not_unique(hs):
    for _ in range(2):
        made = hs.post(
            "/crm/v3/objects/companies",
            json={"properties": {"name": "Same", "domain": "same.example"}},
        )
        assert made.status_code == 201


def test_object_type_segments_name_standard_and_custom_types(hs, hs_sandbox):
    custom = hs_sandbox.objects.resolve("loyalty_card")
    for segment in ("contacts", "0-1"):
        assert hs.get(f"/crm/v3/objects/{segment}", params={"limit": 1}).status_code == 200
    for segment in ("loyalty_card", custom.type_id, custom.fully_qualified_name):
        page = hs.get(
            f"/crm/v3/objects/{segment}", params={"limit": 1, "properties": "card_number"}
        )
        assert page.json()["results"][0]["properties"]["card_number"].startswith("LC-")
    body = _error(hs.get("/crm/v3/objects/unicorns"), 404, "OBJECT_NOT_FOUND")
    assert "unicorns" in body["message"]


def test_unknown_ids_paths_methods_and_tokens(hs, hs_sandbox):
    _error(hs.get("/crm/v3/objects/deals/999999999"), 404, "OBJECT_NOT_FOUND")
    _error(
        hs.patch("/crm/v3/objects/deals/999999999", json={"properties": {}}),
        404,
        "OBJECT_NOT_FOUND",
    )
    _error(hs.get("/crm/v3/nothing/here"), 404, "OBJECT_NOT_FOUND")
    not_allowed = hs.put("/crm/v3/objects/contacts")
    assert not_allowed.status_code == 405 and not_allowed.headers["Allow"] == "GET, HEAD, POST"
    bad_json = hs.post(
        "/crm/v3/objects/contacts", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    _error(bad_json, 400, "VALIDATION_ERROR")
    from tests.sandbox_hs.conftest import hs_client

    with hs_client(hs_sandbox, token="") as anonymous:
        body = _error(anonymous.get("/crm/v3/objects/contacts"), 401, "INVALID_AUTHENTICATION")
        assert body["message"].startswith("Authentication credentials not found.")
    with hs_client(hs_sandbox, token="pat-na1-wrong") as stranger:
        _error(stranger.get("/crm/v3/objects/contacts"), 401, "INVALID_AUTHENTICATION")


def test_associations_parameter_lists_seeded_links(hs):
    page = hs.get(
        "/crm/v3/objects/contacts", params={"limit": 20, "associations": "companies"}
    ).json()
    linked = [r for r in page["results"] if "associations" in r]
    assert linked, "seeded contacts are linked to companies"
    company_id = linked[0]["associations"]["companies"]["results"][0]["id"]
    assert hs.get(f"/crm/v3/objects/companies/{company_id}").status_code == 200


def test_create_with_associations_links_the_new_record(hs):
    company = hs.post("/crm/v3/objects/companies", json={"properties": {"name": "Linked"}}).json()
    to_company = [
        {
            "to": {"id": company["id"]},
            "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}],
        }
    ]
    made = hs.post(
        "/crm/v3/objects/contacts",
        json={"properties": {"email": "linked@assoc.example"}, "associations": to_company},
    )
    assert made.status_code == 201, made.text
    got = hs.get(
        f"/crm/v3/objects/contacts/{made.json()['id']}", params={"associations": "companies"}
    )
    assert got.json()["associations"]["companies"]["results"][0]["id"] == company["id"]
    batch = hs.post(
        "/crm/v3/objects/contacts/batch/create",
        json={
            "inputs": [
                {
                    "properties": {"email": "b1@assoc.example"},
                    "associations": to_company,
                    "objectWriteTraceId": "ok",
                },
                {
                    "properties": {"email": "b2@assoc.example"},
                    "associations": [{"to": {"id": "999999999"}, "types": to_company[0]["types"]}],
                    "objectWriteTraceId": "missing-target",
                },
            ]
        },
    )
    assert batch.status_code == 207
    assert batch.json()["errors"][0]["context"]["objectWriteTraceId"] == ["missing-target"]
    # the refused input was not written
    absent = hs.get("/crm/v3/objects/contacts/b2@assoc.example", params={"idProperty": "email"})
    assert absent.status_code == 404
    bad_type = hs.post(
        "/crm/v3/objects/contacts",
        json={
            "properties": {"email": "bad@assoc.example"},
            "associations": [
                {
                    "to": {"id": company["id"]},
                    "types": [
                        {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 4242}
                    ],
                }
            ],
        },
    )
    assert bad_type.status_code == 400


def test_hostile_ids_and_cursors_are_answers_not_crashes(hs):
    for record_id in ("99999999999999999999999", "²", "1%20OR%201=1", "-1"):
        _error(hs.get(f"/crm/v3/objects/contacts/{record_id}"), 404, "OBJECT_NOT_FOUND")
        assert hs.delete(f"/crm/v3/objects/contacts/{record_id}").status_code == 204
    _error(hs.get("/crm/v3/objects/contacts", params={"after": "9" * 30}), 400, "VALIDATION_ERROR")
    read = hs.post(
        "/crm/v3/objects/contacts/batch/read", json={"inputs": [{"id": "9" * 30}, {"id": "x"}]}
    )
    assert read.status_code == 207 and read.json()["errors"][0]["context"]["ids"] == ["9" * 30, "x"]
    link = hs.post(
        "/crm/v3/objects/contacts",
        json={
            "properties": {},
            "associations": [{"to": {"id": "9" * 30}, "types": [{"associationTypeId": 279}]}],
        },
    )
    assert link.status_code == 400


def test_an_unexpected_failure_is_hubspots_500_envelope(hs, hs_sandbox, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(hs_sandbox.records, "page", broken)
    body = _error(hs.get("/crm/v3/objects/contacts"), 500, "INTERNAL_ERROR")
    assert "disk on fire" not in body["message"]  # no internals in the answer
