"""HubSpot wire strings to Python values and back, for every field kind."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from crmlink.connectors.hubspot import values
from crmlink.model import FieldKind, RemoteField

K = FieldKind
UTC = dt.UTC


def _field(kind: FieldKind) -> RemoteField:
    return RemoteField(name="p", label="P", remote_type="x", kind=kind)


READS = [
    (K.ID, "123", "123"),
    (K.STRING, "Ann", "Ann"),
    (K.TEXT, "a\nb", "a\nb"),
    (K.EMAIL, "a@b.c", "a@b.c"),
    (K.PHONE, "+1 555", "+1 555"),
    (K.URL, "https://x", "https://x"),
    (K.PICKLIST, "lead", "lead"),
    (K.MULTIPICKLIST, "golf; tennis;;", "golf;tennis"),
    (K.REFERENCE, "77", "77"),
    (K.BOOLEAN, "true", True),
    (K.BOOLEAN, "false", False),
    (K.INTEGER, "12", 12),
    (K.BIGINT, "9007199254740993", 9007199254740993),
    (K.DECIMAL, "12.50", Decimal("12.50")),
    (K.DOUBLE, "0.25", 0.25),
    (K.DATE, "2024-02-29", dt.date(2024, 2, 29)),
    (K.DATE, "1709164800000", dt.date(2024, 2, 29)),  # midnight UTC, epoch ms
    (K.DATETIME, "2024-01-02T03:04:05.678Z", dt.datetime(2024, 1, 2, 3, 4, 5, 678000, UTC)),
    (K.DATETIME, "1704164645678", dt.datetime(2024, 1, 2, 3, 4, 5, 678000, UTC)),
    (K.TIME, "10:30:00", dt.time(10, 30)),
    (K.BINARY, "AAE=", "AAE="),
    (K.COMPOUND, "x", "x"),
    (K.UNSUPPORTED, '{"a":1}', '{"a":1}'),
]


@pytest.mark.parametrize(("kind", "wire", "expected"), READS, ids=lambda v: str(v))
def test_read_value_per_kind(kind, wire, expected):
    got = values.read_value(_field(kind), wire)
    assert got == expected and type(got) is type(expected)


def test_every_kind_is_read_and_written():
    assert {kind for kind, _, _ in READS} == set(FieldKind)
    assert set(values.READERS) == set(FieldKind) == set(values.WRITERS)


@pytest.mark.parametrize("kind", list(FieldKind))
def test_null_and_empty_read_as_none_and_none_clears(kind):
    assert values.read_value(_field(kind), None) is None
    assert values.read_value(_field(kind), "") is None
    assert values.write_value(_field(kind), None) == ""


WRITES = [
    (K.ID, 123, "123"),
    (K.STRING, "Ann", "Ann"),
    (K.STRING, 5, "5"),
    (K.MULTIPICKLIST, ["golf", "tennis"], "golf;tennis"),
    (K.MULTIPICKLIST, "golf; tennis", "golf;tennis"),
    (K.BOOLEAN, True, "true"),
    (K.BOOLEAN, "No", "false"),
    (K.BOOLEAN, 1, "true"),
    (K.INTEGER, Decimal("7"), "7"),
    (K.INTEGER, "12", "12"),
    (K.DECIMAL, Decimal("1E+3"), "1000"),
    (K.DECIMAL, Decimal("12.50"), "12.50"),
    (K.DECIMAL, 0.1, "0.1"),
    (K.DOUBLE, " 3.5 ", "3.5"),
    (K.DATE, dt.date(2024, 2, 29), "2024-02-29"),
    (
        K.DATE,
        dt.datetime(2024, 2, 29, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=-2))),
        "2024-03-01",
    ),
    (K.DATE, "2024-02-29", "2024-02-29"),
    (K.DATETIME, dt.datetime(2024, 1, 2, 3, 4, 5, 678901, UTC), "2024-01-02T03:04:05.678Z"),
    (
        K.DATETIME,
        dt.datetime(2024, 1, 2, 5, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        "2024-01-02T03:04:05.000Z",
    ),
    (K.DATETIME, dt.date(2024, 1, 2), "2024-01-02T00:00:00.000Z"),
    (K.DATETIME, "2024-01-02T03:04:05Z", "2024-01-02T03:04:05.000Z"),
    (K.TIME, dt.time(10, 30), "10:30:00"),
]


@pytest.mark.parametrize(("kind", "value", "wire"), WRITES, ids=lambda v: str(v))
def test_write_value_per_kind(kind, value, wire):
    assert values.write_value(_field(kind), value) == wire


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (K.DATETIME, dt.datetime(2024, 1, 2, 3, 4, 5)),  # no time zone
        (K.DATE, dt.datetime(2024, 1, 2, 3, 4, 5)),
        (K.DECIMAL, "twelve"),
        (K.DECIMAL, "NaN"),
        (K.DECIMAL, True),
        (K.INTEGER, "1.5"),
        (K.BOOLEAN, "maybe"),
        (K.STRING, dt.date(2024, 1, 1)),
        (K.DATE, "yesterday"),
    ],
    ids=str,
)
def test_values_a_kind_cannot_take_are_value_errors(kind, value):
    with pytest.raises(ValueError):
        values.write_value(_field(kind), value)


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (K.DATETIME, dt.datetime(2023, 12, 31, 23, 59, 59, 999000, UTC)),
        (K.DATE, dt.date(2023, 12, 31)),
        (K.DECIMAL, Decimal("-0.000000000001")),
        (K.MULTIPICKLIST, "a;b"),
        (K.BOOLEAN, False),
    ],
    ids=str,
)
def test_written_values_read_back_equal(kind, value):
    field = _field(kind)
    assert values.read_value(field, values.write_value(field, value)) == value
