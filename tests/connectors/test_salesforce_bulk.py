"""The planner: Bulk 2.0 reads above the threshold, Bulk ingest writes joined back to
input positions."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from crmlink.connectors.salesforce import read as sf_read
from crmlink.filters import parse
from crmlink.model import OrderBy, WriteMode
from tests.connectors.conftest import connector

FIELDS = [
    "Id",
    "LastName",
    "Email",
    "Birthdate",
    "HasOptedOutOfEmail",
    "Loyalty_Points__c",
    "SystemModstamp",
    "Interests__c",
    "Description",
]


def _read(opened, **kw) -> list[dict]:
    return [r for b in opened.read("Contact", FIELDS, **kw) for r in b]


def test_bulk_read_above_threshold_equals_rest(sf_sandbox, monkeypatch):
    # an ordered read decides on the rows after its first page: pages of 200 leave 100+
    monkeypatch.setattr(sf_read, "_PAGE", {"Sforce-Query-Options": "batchSize=200"})
    with connector(sf_sandbox) as rest, connector(sf_sandbox, bulk_read_threshold=50) as bulk:
        order = [OrderBy("Id")]
        by_rest, by_bulk = _read(rest, order=order), _read(bulk, order=order)
        assert (rest.last_read_api, bulk.last_read_api) == ("rest", "bulk")
    assert len(by_bulk) >= 300
    assert by_bulk == by_rest


def test_bulk_read_below_threshold_stays_rest(sf_sandbox):
    with connector(sf_sandbox, bulk_read_threshold=100) as opened:
        rows = _read(opened, where=parse("LastName = 'nobody-by-this-name'"))
        assert (rows, opened.last_read_api) == ([], "rest")


def test_read_values_are_python_types(sf_sandbox):
    with connector(sf_sandbox, bulk_read_threshold=0) as opened:
        rows = _read(opened)
    assert all(isinstance(r["SystemModstamp"], dt.datetime) for r in rows)
    assert all(r["SystemModstamp"].utcoffset() == dt.timedelta(0) for r in rows)
    assert all(isinstance(r["HasOptedOutOfEmail"], bool) for r in rows)
    assert {type(r["Birthdate"]) for r in rows} <= {dt.date, type(None)}
    assert {type(r["Loyalty_Points__c"]) for r in rows} <= {float, type(None)}


def test_bulk_ingest_maps_rejects_to_input_positions(sf_writable):
    mark = uuid.uuid4().hex[:8]
    rows = []
    for i in range(60):
        row = {"LastName": f"bulk-{mark}-{i}", "Email": f"p{i}@example.com"}
        if i % 7 == 3:
            row["Email"] = f"broken-{i}"  # INVALID_EMAIL_ADDRESS
        if i % 11 == 5:
            row = {"Email": f"q{i}@example.com"}  # REQUIRED_FIELD_MISSING
        rows.append(row)
    with connector(sf_writable, bulk_write_threshold=50) as opened:
        results = list(opened.write("Contact", iter(rows), WriteMode.INSERT))
        ok = {r.index: r.id for r in results if r.success}
        back = [
            r for b in opened.read("Contact", ["Id", "LastName"], ids=list(ok.values())) for r in b
        ]
    assert [r.index for r in results] == list(range(60))
    for result, row in zip(results, rows, strict=True):
        bad = "LastName" not in row or row["Email"].startswith("broken")
        assert result.success is not bad, (result, row)
        if "LastName" not in row:
            assert result.error.code == "REQUIRED_FIELD_MISSING"
        elif bad:
            assert result.error.code == "INVALID_EMAIL_ADDRESS"
            assert result.error.fields == ("Email",)
    names = {r["Id"]: r["LastName"] for r in back}
    assert all(names[record_id] == rows[i]["LastName"] for i, record_id in ok.items())


def test_bulk_ingest_update_and_upsert(sf_writable):
    mark = uuid.uuid4().hex[:8]
    rows = [{"External_Id__c": f"{mark}-{i}", "LastName": f"u-{i}"} for i in range(12)]
    with connector(sf_writable, bulk_write_threshold=10) as opened:
        first = list(opened.write("Contact", rows, WriteMode.UPSERT, key="External_Id__c"))
        again = list(opened.write("Contact", rows, WriteMode.UPSERT, key="External_Id__c"))
        assert all(r.success and r.created for r in first)
        assert [r.id for r in again] == [r.id for r in first]
        assert not any(r.created for r in again)
        changes = [{"Id": r.id, "Title": None, "Loyalty_Points__c": Decimal("1.5")} for r in first]
        assert all(r.success for r in opened.write("Contact", changes, WriteMode.UPDATE))


def test_bulk_delete(sf_writable):
    with connector(sf_writable, bulk_write_threshold=5) as opened:
        made = list(opened.write("Contact", [{"LastName": f"d{i}"} for i in range(6)], "insert"))
        ids = [r.id for r in made]
        results = list(opened.delete("Contact", [*ids, "003000000000000AAA"]))
    assert [r.success for r in results] == [True] * 6 + [False]
    assert [r.index for r in results] == list(range(7))


def test_upsert_key_must_be_an_external_id(sf_writable):
    from crmlink.errors import UsageError

    with connector(sf_writable) as opened, pytest.raises(UsageError, match="external ID"):
        list(opened.write("Contact", [{"LastName": "x"}], WriteMode.UPSERT, key="LastName"))


def test_unknown_column_names_the_closest_field(sf_writable):
    from crmlink.errors import UsageError

    with connector(sf_writable) as opened, pytest.raises(UsageError, match="did you mean: Email"):
        list(opened.write("Contact", [{"LastName": "x", "Emial": "a@b.co"}], WriteMode.INSERT))
