"""Dataverse values read from the Web API (`connectors/dynamics/values.py`): the row reader's
shortcuts (text taken as is, UTC datetimes without a conversion) give exactly what the
per-kind converters give."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from crmlink.connectors.dynamics import values
from crmlink.model import FieldKind, RemoteField, RemoteTable

K = FieldKind


@pytest.mark.parametrize(
    "text",
    [
        "2024-05-01T10:30:15Z",
        "2024-05-01T10:30:15.123Z",
        "2024-05-01T10:30:15+02:00",
        "2024-12-31T23:59:59-05:30",
        "2024-05-01T10:30:15.5+00:00",
    ],
)
def test_utc_datetimes_read_as_the_long_way_does(text):
    fast, slow = values._utc_datetime(text), values._datetime(text)
    assert fast == slow and fast.tzinfo is dt.UTC and fast.utcoffset() == dt.timedelta(0)


def test_a_datetime_that_is_not_iso_is_refused_as_before():
    with pytest.raises(ValueError):
        values._utc_datetime("yesterdayZ")


def _table() -> RemoteTable:
    kinds = {"contactid": K.ID, "lastname": K.STRING, "modifiedon": K.DATETIME,
             "gendercode": K.PICKLIST, "creditlimit": K.DECIMAL, "parentcustomerid": K.REFERENCE,
             "birthdate": K.DATE, "email": K.EMAIL}  # fmt: skip
    fields = [RemoteField(name, name, "x", kind) for name, kind in kinds.items()]
    return RemoteTable("contact", "Contact", False, "contactid", "modifiedon", tuple(fields))


def test_rows_have_every_field_converted_in_the_fields_order():
    table = _table()
    fields = ["lastname", "contactid", "modifiedon", "email", "gendercode", "creditlimit",
              "parentcustomerid", "birthdate"]  # fmt: skip
    record = {"lastname": "Ödön", "contactid": "ABCDEF00-0000-0000-0000-000000000001",
              "modifiedon": "2024-05-01T10:30:15Z", "email": None, "gendercode": 2,
              "creditlimit": 10.5, "birthdate": "1990-02-03",
              "_parentcustomerid_value": "0000000A-0000-0000-0000-00000000000B"}  # fmt: skip
    row = values.row_reader(table, fields)(record)
    assert list(row) == fields
    assert row == {
        "lastname": "Ödön",
        "contactid": "abcdef00-0000-0000-0000-000000000001",
        "modifiedon": dt.datetime(2024, 5, 1, 10, 30, 15, tzinfo=dt.UTC),
        "email": None,
        "gendercode": "2",
        "creditlimit": Decimal("10.5"),
        "parentcustomerid": "0000000a-0000-0000-0000-00000000000b",
        "birthdate": dt.date(1990, 2, 3),
    }
    assert values.row_reader(table, ["lastname"])({}) == {"lastname": None}


# -- whole columns (the import's column pages) --------------------------------------------
UTC_TEXTS = ["2024-05-01T10:30:15Z", "2024-05-01T10:30:15.123Z", "2024-05-01T10:30:15+00:00"]
COLUMNS = {
    K.ID: [["abcdef00-0000-0000-0000-000000000001"], ["ABCDEF00-0000-0000-0000-00000000000B",
           None], [None, None], [12]],
    K.REFERENCE: [["0000000a-0000-0000-0000-00000000000b", None], ["Ab\nCD", "x"]],
    K.PICKLIST: [[1, 2, 1, None], [1.0, "2"], [True]],
    K.DECIMAL: [[10.5, 3, 1e16, 0.1], [10.5, None], ["12.30"]],
    K.DATE: [["1990-02-03", "2000-12-31"], ["1990-02-03T00:00:00Z"], ["1990-02-03", None]],
    K.DATETIME: [UTC_TEXTS, ["2024-12-31T23:59:59-05:30", "2024-05-01T10:30:15Z"],
                 ["2024-05-01T10:30:15Z", None]],
    K.INTEGER: [[1, 2, None], [1.0, True]],
    K.BOOLEAN: [[True, False, None], [1, 0]],
    K.DOUBLE: [[1.5, None], [1, 2.5]],
    K.MULTIPICKLIST: [["100000000,100000002", None]],
    K.STRING: [["a", None, ""]],
}  # fmt: skip


def test_every_kind_has_a_column_converter():
    assert set(values.COLUMN_READERS) == set(FieldKind)


@pytest.mark.parametrize(
    ("kind", "cells"), [(k, c) for k, cs in COLUMNS.items() for c in cs], ids=repr
)
def test_a_column_reads_as_its_values_one_by_one(kind, cells):
    """The column converters' shortcuts (one test of the column, a C map) give the very
    values, types and zones the per-value converter gives, whatever the column holds."""
    one = values.READERS[kind]
    expected = [None if v is None else one(v) for v in cells]
    got = values.COLUMN_READERS[kind](list(cells), set(map(type, cells)))
    assert got == expected
    assert [type(v) for v in got] == [type(v) for v in expected]
    assert [getattr(v, "tzinfo", None) for v in got] == [
        getattr(v, "tzinfo", None) for v in expected
    ]


def test_a_column_the_per_value_converter_refuses_is_refused():
    for kind, cells in [(K.DATETIME, ["yesterdayZ"]), (K.DATE, ["1990-13-40"]),
                        (K.DECIMAL, [True]), (K.PICKLIST, ["one"])]:  # fmt: skip
        with pytest.raises((ValueError, ArithmeticError)):
            values.COLUMN_READERS[kind](cells, set(map(type, cells)))


def test_a_column_page_tells_the_loader_its_texts_and_their_facts():
    table = _table()
    fields = ["contactid", "lastname", "modifiedon", "gendercode", "creditlimit", "email"]
    records = [
        {"contactid": "abcdef00-0000-0000-0000-000000000001", "lastname": "Ödön",
         "modifiedon": "2024-05-01T10:30:15Z", "gendercode": 2, "creditlimit": 10.5},
        {"contactid": "abcdef00-0000-0000-0000-000000000002", "lastname": "Li",
         "modifiedon": None, "gendercode": None, "creditlimit": None, "email": "l@x.io"},
    ]  # fmt: skip
    page = values.column_reader(table, fields)(records, nul_free=True)
    rows = [values.row_reader(table, fields)(dict(r)) for r in records]
    page.fill()
    assert list(page) == rows
    assert page.plain == {"contactid", "lastname", "gendercode", "email"}
    assert page.texts["lastname"] is page.columns["lastname"]  # no null: its own texts
    assert page.texts["gendercode"] == ["2", ""] and page.texts["email"] == ["", "l@x.io"]
    assert page.longest == {"contactid": 36, "lastname": 4, "gendercode": 1, "email": 6}
    assert page.texts["modifiedon"] == ["2024-05-01T10:30:15Z", ""]  # as the Web API sent
    assert page.utc == {"modifiedon"} and page.nul_free
    assert "creditlimit" not in page.texts and len(page) == 2
