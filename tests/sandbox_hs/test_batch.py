"""Batch read/create/update/upsert/archive: 200/201 when all succeed, 207 with per-record
errors naming each input's objectWriteTraceId, at most 100 inputs, upsert by a unique
property only."""

from __future__ import annotations

BATCH = "/crm/v3/objects/contacts/batch"


def _emails(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i}@batch.example" for i in range(n)]


def test_create_read_update_archive_a_hundred(hs):
    emails = _emails("hundred", 100)
    inputs = [
        {"properties": {"email": e, "firstname": "B"}, "objectWriteTraceId": f"t{i}"}
        for i, e in enumerate(emails)
    ]
    created = hs.post(f"{BATCH}/create", json={"inputs": inputs})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "COMPLETE" and "errors" not in body
    assert [r["objectWriteTraceId"] for r in body["results"]] == [f"t{i}" for i in range(100)]
    ids = [r["id"] for r in body["results"]]
    read = hs.post(
        f"{BATCH}/read",
        json={
            "inputs": [{"id": e} for e in emails[:5]],
            "idProperty": "email",
            "properties": ["firstname"],
        },
    )
    assert read.status_code == 200
    assert {r["id"] for r in read.json()["results"]} == set(ids[:5])
    assert all(r["properties"] == {"firstname": "B"} for r in read.json()["results"])
    updated = hs.post(
        f"{BATCH}/update",
        json={"inputs": [{"id": i, "properties": {"lastname": "Batch"}} for i in ids]},
    )
    assert updated.status_code == 200
    assert all(r["properties"]["lastname"] == "Batch" for r in updated.json()["results"])
    archived = hs.post(f"{BATCH}/archive", json={"inputs": [{"id": i} for i in ids]})
    assert archived.status_code == 204
    gone = hs.post(f"{BATCH}/read", json={"inputs": [{"id": ids[0]}]}).json()
    assert gone["results"] == [] and gone["errors"][0]["context"]["ids"] == [ids[0]]


def test_more_than_100_inputs_is_a_400(hs):
    for op in ("read", "create", "update", "upsert", "archive"):
        response = hs.post(f"{BATCH}/{op}", json={"inputs": [{"id": str(i)} for i in range(101)]})
        assert response.status_code == 400, op
        assert response.json()["category"] == "VALIDATION_ERROR"


def test_207_names_the_failed_inputs(hs):
    inputs = [
        {"properties": {"email": "ok207@batch.example"}, "objectWriteTraceId": "good"},
        {"properties": {"email": "ok207@batch.example"}, "objectWriteTraceId": "duplicate"},
        {"properties": {"lifecyclestage": "nope"}, "objectWriteTraceId": "bad-option"},
    ]
    response = hs.post(f"{BATCH}/create", json={"inputs": inputs})
    assert response.status_code == 207
    body = response.json()
    assert [r["objectWriteTraceId"] for r in body["results"]] == ["good"]
    assert body["numErrors"] == 2
    by_trace = {e["context"]["objectWriteTraceId"][0]: e for e in body["errors"]}
    assert by_trace["duplicate"]["category"] == "CONFLICT"
    assert by_trace["duplicate"]["message"].startswith("Contact already exists. Existing ID: ")
    assert by_trace["bad-option"]["category"] == "VALIDATION_ERROR"
    assert by_trace["bad-option"]["errors"][0]["code"] == "INVALID_OPTION"
    good_id = body["results"][0]["id"]
    update = hs.post(
        f"{BATCH}/update",
        json={
            "inputs": [
                {"id": good_id, "properties": {"firstname": "G"}, "objectWriteTraceId": "u1"},
                {"id": "77777777", "properties": {"firstname": "G"}, "objectWriteTraceId": "u2"},
                {"id": good_id, "properties": {"hs_object_id": "1"}, "objectWriteTraceId": "u3"},
            ]
        },
    )
    assert update.status_code == 207
    errors = update.json()["errors"]
    assert any(
        e["category"] == "OBJECT_NOT_FOUND" and e["context"]["ids"] == ["77777777"] for e in errors
    )
    assert any(e["context"].get("objectWriteTraceId") == ["u3"] for e in errors)
    assert [r["objectWriteTraceId"] for r in update.json()["results"]] == ["u1"]


def test_upsert_by_email_creates_and_updates(hs):
    hs.post("/crm/v3/objects/contacts", json={"properties": {"email": "exists@upsert.example"}})
    response = hs.post(
        f"{BATCH}/upsert",
        json={
            "inputs": [
                {
                    "id": "EXISTS@upsert.example",
                    "idProperty": "email",
                    "properties": {"firstname": "Old"},
                },
                {
                    "id": "fresh@upsert.example",
                    "idProperty": "email",
                    "properties": {"firstname": "New"},
                },
            ]
        },
    )
    assert response.status_code == 200, response.text
    results = {r["properties"]["firstname"]: r for r in response.json()["results"]}
    assert results["Old"]["new"] is False and results["New"]["new"] is True
    fresh = hs.get("/crm/v3/objects/contacts/fresh@upsert.example", params={"idProperty": "email"})
    assert fresh.json()["id"] == results["New"]["id"]


def test_upsert_needs_a_unique_property(hs):
    response = hs.post(
        "/crm/v3/objects/companies/batch/upsert",
        json={
            "inputs": [
                {
                    "id": "a.example",
                    "idProperty": "domain",
                    "properties": {},
                    "objectWriteTraceId": "d",
                }
            ]
        },
    )
    assert response.status_code == 207
    error = response.json()["errors"][0]
    assert error["category"] == "VALIDATION_ERROR" and error["context"]["objectWriteTraceId"] == [
        "d"
    ]
    cards = hs.post(
        "/crm/v3/objects/loyalty_card/batch/upsert",
        json={
            "inputs": [
                {"id": "LC-UPSERT", "idProperty": "card_number", "properties": {"tier": "gold"}}
            ]
        },
    )
    assert (
        cards.status_code == 200
        and cards.json()["results"][0]["properties"]["card_number"] == "LC-UPSERT"
    )
