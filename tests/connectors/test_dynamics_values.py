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
