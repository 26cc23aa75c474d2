"""Batch writes and archives on a mock HubSpot: per-row results in input order, matched by
`objectWriteTraceId`; rows refused before any call; calls refused whole split until each
row has its answer; deletes that check existence first."""

from __future__ import annotations

import itertools

import httpx
import pytest

from crmlink.errors import AuthError, UsageError
from crmlink.model import WriteMode
from tests.connectors.test_hubspot_support import (
    FakeHubSpot,
    answer,
    body_of,
    connector,
    described,
    error,
)

BATCH = "/crm/v3/objects/contacts/batch/"


class Contacts:
    """Batch endpoints over a dict of records, answering as HubSpot does."""

    def __init__(self, fake: FakeHubSpot) -> None:
        self.records: dict[str, dict] = {"1": {"email": "old@x.org"}}
        self.ids = itertools.count(100)
        for action in ("create", "update", "upsert", "read", "archive"):
            fake.on("POST", BATCH + action, getattr(self, action))

    def _reply(self, results: list, errors: list) -> httpx.Response:
        if errors:
            body = {"status": "COMPLETE", "results": results, "numErrors": len(errors)}
            return answer(207, body | {"errors": errors})
        return answer(201 if results else 200, {"status": "COMPLETE", "results": results})

    def _invalid(self, item: dict) -> dict | None:
        if item["properties"].get("lastname") == "BAD":
            return {
                "status": "error",
                "category": "VALIDATION_ERROR",
                "message": "Property values were not valid",
                "context": {"objectWriteTraceId": [item["objectWriteTraceId"]]},
            }
        return None

    def create(self, request: httpx.Request) -> httpx.Response:
        inputs = body_of(request)["inputs"]
        if any(i["properties"].get("lastname") == "WHOLE" for i in inputs):
            return error(400, "VALIDATION_ERROR", "Invalid input (no context)")
        results, errors = [], []
        for item in reversed(inputs):  # HubSpot does not keep input order
            problem = self._invalid(item)
            if problem:
                errors.append(problem)
                continue
            record_id = str(next(self.ids))
            self.records[record_id] = dict(item["properties"])
            results.append({"id": record_id, "objectWriteTraceId": item["objectWriteTraceId"]})
        return self._reply(results, errors)

    def update(self, request: httpx.Request) -> httpx.Response:
        results, errors = [], []
        for item in body_of(request)["inputs"]:
            if item["id"] not in self.records:
                errors.append({"category": "OBJECT_NOT_FOUND", "message": "not found",
                               "context": {"ids": [item["id"]]}})  # fmt: skip
                continue
            self.records[item["id"]].update(item["properties"])
            results.append({"id": item["id"], "objectWriteTraceId": item["objectWriteTraceId"]})
        return self._reply(results, errors)

    def upsert(self, request: httpx.Request) -> httpx.Response:
        results = []
        for item in body_of(request)["inputs"]:
            assert item["idProperty"] == "email"
            found = next((k for k, r in self.records.items() if r.get("email") == item["id"]), None)
            new = found is None
            found = found or str(next(self.ids))
            self.records.setdefault(found, {"email": item["id"]}).update(item["properties"])
            results.append(
                {"id": found, "new": new, "objectWriteTraceId": item["objectWriteTraceId"]}
            )
        return self._reply(results, [])

    def read(self, request: httpx.Request) -> httpx.Response:
        asked = [i["id"] for i in body_of(request)["inputs"]]
        results = [{"id": i, "properties": {}} for i in asked if i in self.records]
        missing = [i for i in asked if i not in self.records]
        errors = [{"category": "OBJECT_NOT_FOUND", "context": {"ids": missing}}] if missing else []
        return self._reply(results, errors)

    def archive(self, request: httpx.Request) -> httpx.Response:
        for item in body_of(request)["inputs"]:
            self.records.pop(item["id"], None)
        return answer(204)


@pytest.fixture
def setup():
    fake = described(FakeHubSpot())
    store = Contacts(fake)
    with connector(fake) as hs:
        yield hs, fake, store


def _calls(fake: FakeHubSpot, action: str) -> list[httpx.Request]:
    return fake.sent("POST", BATCH + action)


def test_inserts_answer_in_input_order_with_rejects(setup):
    hs, fake, store = setup
    rows = [{"lastname": "A"}, {"lastname": "BAD"}, {"lastname": "C", "age": 41}]
    results = list(hs.write("contacts", rows, WriteMode.INSERT))
    assert [(r.index, r.success, r.created) for r in results] == [
        (0, True, True),
        (1, False, False),
        (2, True, True),
    ]
    assert results[1].error.code == "VALIDATION_ERROR"
    assert store.records[results[2].id] == {"lastname": "C", "age": "41"}
    (call,) = _calls(fake, "create")
    assert [i["objectWriteTraceId"] for i in body_of(call)["inputs"]] == ["0", "1", "2"]


def test_rows_are_sent_100_a_call(setup):
    hs, fake, _ = setup
    results = list(hs.write("contacts", ({"lastname": str(i)} for i in range(250)), "insert"))
    assert [r.index for r in results] == list(range(250)) and all(r.success for r in results)
    assert [len(body_of(c)["inputs"]) for c in _calls(fake, "create")] == [100, 100, 50]


def test_read_only_fields_and_bad_values_are_refused_before_sending(setup):
    hs, fake, _ = setup
    rows = [
        {"lastname": "A", "createdate": "2024-01-01T00:00:00Z"},
        {"lastname": "B", "score": 3},
        {"lastname": "C", "age": "forty"},
        {"lastname": "D"},
    ]
    results = list(hs.write("contacts", rows, WriteMode.INSERT))
    assert [r.success for r in results] == [False, False, False, True]
    assert [r.error.code for r in results[:3]] == ["READ_ONLY", "READ_ONLY", "INVALID_VALUE"]
    assert results[0].error.fields == ("createdate",)
    (call,) = _calls(fake, "create")
    assert [i["properties"] for i in body_of(call)["inputs"]] == [{"lastname": "D"}]


def test_an_unknown_field_fails_the_whole_write(setup):
    hs, fake, _ = setup
    with pytest.raises(UsageError, match="'nope'"):
        list(hs.write("contacts", [{"lastname": "A", "nope": 1}], WriteMode.INSERT))
    assert not _calls(fake, "create")


def test_update_without_an_id_fails_without_a_call(setup):
    hs, fake, store = setup
    rows = [{"hs_object_id": "1", "lastname": "New"}, {"lastname": "no id"}, {"hs_object_id": "x1"}]
    results = list(hs.write("contacts", rows, WriteMode.UPDATE))
    assert [(r.success, r.id) for r in results] == [(True, "1"), (False, None), (False, None)]
    assert [r.error.code for r in results[1:]] == ["MISSING_KEY", "INVALID_ID"]
    assert store.records["1"]["lastname"] == "New"
    (call,) = _calls(fake, "update")
    assert body_of(call)["inputs"] == [
        {"id": "1", "properties": {"lastname": "New"}, "objectWriteTraceId": "0"}
    ]


def test_update_of_a_missing_record_is_its_rows_failure(setup):
    hs, _, _ = setup
    rows = [{"hs_object_id": "999", "lastname": "x"}, {"hs_object_id": "1", "lastname": "y"}]
    results = list(hs.write("contacts", rows, WriteMode.UPDATE))
    assert [(r.success, r.id) for r in results] == [(False, "999"), (True, "1")]
    assert results[0].error.code == "OBJECT_NOT_FOUND"


def test_upsert_by_a_unique_property_creates_then_updates(setup):
    hs, fake, _ = setup
    row = {"email": "new@x.org", "lastname": "N"}
    first = list(hs.write("contacts", [row], WriteMode.UPSERT, "email"))
    again = list(hs.write("contacts", [row, {"email": "old@x.org"}], WriteMode.UPSERT, "email"))
    assert first[0].success and first[0].created
    assert [(r.success, r.created) for r in again] == [(True, False), (True, False)]
    assert again[0].id == first[0].id and again[1].id == "1"
    sent = body_of(_calls(fake, "upsert")[0])["inputs"][0]
    assert sent["idProperty"] == "email" and sent["id"] == "new@x.org"


def test_upsert_by_a_property_that_is_not_unique_is_refused(setup):
    hs, fake, _ = setup
    with pytest.raises(UsageError, match="unique property"):
        list(hs.write("contacts", [{"lastname": "x"}], WriteMode.UPSERT, "lastname"))
    assert not _calls(fake, "upsert")


def test_a_key_repeated_in_one_upsert_goes_to_the_next_call(setup):
    hs, fake, _ = setup
    rows = [{"email": "a@x.org"}, {"email": "b@x.org"}, {"email": "A@x.org"}]
    results = list(hs.write("contacts", rows, WriteMode.UPSERT, "email"))
    assert all(r.success for r in results)
    assert [len(body_of(c)["inputs"]) for c in _calls(fake, "upsert")] == [2, 1]


def test_a_call_refused_whole_is_split_until_each_row_has_its_answer(setup):
    hs, fake, _ = setup
    rows = [{"lastname": n} for n in ("a", "b", "WHOLE", "d", "e")]
    results = list(hs.write("contacts", rows, WriteMode.INSERT))
    assert [r.success for r in results] == [True, True, False, True, True]
    assert results[2].error.code == "VALIDATION_ERROR"
    assert "Invalid input" in results[2].error.message
    assert len(_calls(fake, "create")) <= 7  # halves, not one call a row


def test_an_auth_failure_is_not_turned_into_row_results(setup):
    hs, fake, _ = setup
    fake.on("POST", BATCH + "create", lambda r: error(401, "INVALID_AUTHENTICATION", "expired"))
    with pytest.raises(AuthError):
        list(hs.write("contacts", [{"lastname": "x"}], WriteMode.INSERT))


def test_delete_checks_existence_and_refuses_a_repeated_id(setup):
    hs, fake, store = setup
    store.records["5"] = {}
    results = list(hs.delete("contacts", ["1", "5", "1", "404", "abc"]))
    assert [(r.index, r.success) for r in results] == [
        (0, True),
        (1, True),
        (2, False),
        (3, False),
        (4, False),
    ]
    assert [r.error.code for r in results[2:]] == [
        "OBJECT_NOT_FOUND",
        "OBJECT_NOT_FOUND",
        "INVALID_ID",
    ]
    assert "1" not in store.records and "5" not in store.records
    (archive,) = _calls(fake, "archive")
    assert body_of(archive)["inputs"] == [{"id": "1"}, {"id": "5"}]


def test_delete_of_nothing_that_exists_archives_nothing(setup):
    hs, fake, _ = setup
    results = list(hs.delete("contacts", ["404"]))
    assert not results[0].success and not _calls(fake, "archive")


def test_property_validation_details_become_the_rejects_code_and_fields(setup):
    hs, fake, _ = setup
    detail = (
        'Property values were not valid: [{"isValid":false,"message":"x was not one of the '
        'allowed options","error":"INVALID_OPTION","name":"lifecyclestage"}]'
    )

    def create(request: httpx.Request) -> httpx.Response:
        item = body_of(request)["inputs"][0]
        problem = {
            "status": "error",
            "category": "VALIDATION_ERROR",
            "message": detail,
            "context": {"objectWriteTraceId": [item["objectWriteTraceId"]]},
        }
        return answer(207, {"status": "COMPLETE", "results": [], "errors": [problem]})

    fake.on("POST", BATCH + "create", create)
    (result,) = hs.write("contacts", [{"lifecyclestage": "x"}], WriteMode.INSERT)
    assert result.error.code == "INVALID_OPTION"
    assert result.error.fields == ("lifecyclestage",)
    assert result.error.message == "lifecyclestage: x was not one of the allowed options"
