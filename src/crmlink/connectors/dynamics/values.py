"""Dataverse values to Python and back: one converter per `FieldKind`.

Reads: JSON becomes bool, int, float, Decimal (money, decimal), `datetime.date`
(date-only columns), aware UTC `datetime.datetime`, str. A lookup is read from
`_x_value` and given under its logical name `x`. Choices (picklist, state, status) are
their integer value as a string (`"1"`); multi-select choices are their values joined
by `;` (`"100000000;100000002"`, Dataverse sends `"100000000,100000002"`), like
Salesforce multi-picklists, so campaign enumerations work the same for both CRMs.
Writes: the reverse; a lookup becomes `<nav>@odata.bind: "/<set>(<guid>)"`.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from crmlink.connectors.batches import ColumnBatch
from crmlink.connectors.columns import utc_moments
from crmlink.model import FieldKind, RemoteTable

K = FieldKind


def _datetime(value: Any) -> dt.datetime:
    return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(dt.UTC)


def _utc_datetime(value: Any) -> dt.datetime:
    """`_datetime`, without its string copy and `astimezone` for what the Web API sends
    (`2024-05-01T10:30:15Z`: already UTC); anything else goes the long way."""
    if type(value) is str and value.endswith("Z"):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return _datetime(value)
        if moment.tzinfo is dt.UTC:
            return moment
    return _datetime(value)


def _lower(value: Any) -> str:
    return value.lower() if type(value) is str else str(value).lower()


def _multi(value: Any) -> str:
    return ";".join(part.strip() for part in str(value).split(",") if part.strip())


def _same(value: Any) -> Any:
    return value


# kind -> the converter of its Web API (JSON) values; every kind is here.
READERS: dict[FieldKind, Callable] = {
    K.ID: _lower,
    K.STRING: _same,
    K.TEXT: _same,
    K.EMAIL: _same,
    K.PHONE: _same,
    K.URL: _same,
    K.PICKLIST: lambda v: str(int(v)),
    K.MULTIPICKLIST: _multi,
    K.REFERENCE: _lower,
    K.BOOLEAN: bool,
    K.INTEGER: int,
    K.BIGINT: int,
    K.DECIMAL: lambda v: Decimal(str(v)),
    K.DOUBLE: float,
    K.DATE: lambda v: dt.date.fromisoformat(str(v)[:10]),
    K.DATETIME: _utc_datetime,
    K.TIME: _same,
    K.BINARY: _same,
    K.COMPOUND: _same,
    K.UNSUPPORTED: _same,
}


def wire_name(table: RemoteTable, name: str) -> str:
    field = table.require_field(name)
    return f"_{field.name}_value" if field.kind == K.REFERENCE else field.name


def row_reader(table: RemoteTable, fields: list[str]) -> Callable[[dict], dict]:
    """Convert one Web API record into a row keyed by the fields' logical names (in the
    order of `fields`). Text columns are taken as they are, with no call per value: a
    page of 5,000 rows holds tens of thousands of values."""
    convert = [
        (name, wire_name(table, name), _converter(READERS, table.require_field(name).kind))
        for name in fields
    ]
    wires = [(name, wire) for name, wire, _ in convert]
    converted = [(name, conv) for name, _, conv in convert if conv is not _same]
    # a page's fractions come as Decimals (`pages.decode`); a field not decimal takes
    # them as the float `json.loads` would have made
    floats = [name for name in fields if table.require_field(name).kind != K.DECIMAL]

    def read(record: dict) -> dict:
        get = record.get
        out = {name: get(wire) for name, wire in wires}  # in field order, as they came
        for name in floats:
            if type(value := out[name]) is Decimal:
                out[name] = float(value)
        for name, conv in converted:  # a key set again keeps its place
            if (value := out[name]) is not None:
                out[name] = conv(value)
        return out

    return read


def column_reader(table: RemoteTable, fields: list[str]) -> Callable[..., ColumnBatch]:
    """Convert a page of Web API records into a `ColumnBatch`: the values `row_reader`
    gives, one whole column at a time (`COLUMN_READERS`), text columns taken as they are.
    `nul_free`: the page's bytes hold no NUL (`pages.decode`)."""
    kinds_of = [(name, table.require_field(name).kind) for name in fields]
    columns_of = [
        (name, wire, operator.itemgetter(wire), kind == K.DATETIME, kind == K.DECIMAL, column)
        for name, kind in kinds_of
        for wire, column in [(wire_name(table, name), _converter(COLUMN_READERS, kind))]
    ]
    names = tuple(fields)
    utc = frozenset(name for name, kind in kinds_of if kind == K.DATETIME)

    def read(records: list[dict], nul_free: bool = False) -> ColumnBatch:
        columns: dict[str, list] = {}
        page = ColumnBatch(names=names, columns=columns, size=len(records))
        for name, wire, get, moments, decimal, column in columns_of:
            try:
                cells = list(map(get, records))  # a C loop: half a comprehension's time
            except KeyError:  # a record without the field: None there
                cells = [record.get(wire) for record in records]
            kinds = set(map(type, cells))
            if Decimal in kinds and not decimal:  # fractions as `json.loads` makes them
                cells = [float(v) if type(v) is Decimal else v for v in cells]
                kinds = set(map(type, cells))
            if moments and kinds <= _TEXTS:
                page.texts[name] = _texts(cells, kinds)  # as sent, before they are parsed
            found = columns[name] = column(cells, kinds)
            held = kinds if found is cells else set(map(type, found))
            if not moments and held <= _TEXTS:  # text values: their own texts
                texts = page.texts[name] = _texts(found, held)
                page.longest[name] = max(map(len, texts), default=0)
        page.plain, page.utc, page.nul_free = frozenset(page.longest), utc, nul_free
        return page

    return read


_NONE = type(None)
_TEXTS = frozenset({str, _NONE})
Cells = list[Any]
Kinds = set[type]  # the exact types of a column's values, `set(map(type, cells))`


def _texts(cells: Cells, kinds: Kinds) -> Cells:
    """A column of text and None as texts, "" for None (the column itself when it has none)."""
    return cells if _NONE not in kinds else ["" if v is None else v for v in cells]


def _lower_column(cells: Cells, kinds: Kinds) -> Cells:
    """Ids and lookups as they came when none holds an upper-case letter (the Web API
    sends GUIDs in lower case): one test of the whole column, no call per value."""
    if kinds <= _TEXTS:
        joined = "\n".join(filter(None, cells))
        if joined == joined.lower():
            return cells
    return [None if v is None else _lower(v) for v in cells]


def _choice_column(cells: Cells, kinds: Kinds) -> Cells:
    """Choices' integers as text: one string per distinct value, shared by its cells."""
    if kinds <= {int, _NONE}:
        text = {v: None if v is None else str(v) for v in set(cells)}
        return list(map(text.__getitem__, cells))
    return [None if v is None else str(int(v)) for v in cells]


def _decimal_column(cells: Cells, kinds: Kinds) -> Cells:
    """Decimals: the page's own (`pages.decode` reads each from its text) kept as they
    are; integers and any other value by `Decimal(str(v))`."""
    if kinds <= {Decimal, _NONE}:
        return cells
    return [v if v is None or v.__class__ is Decimal else Decimal(str(v)) for v in cells]


def _date_column(cells: Cells, kinds: Kinds) -> Cells:
    """Dates; a column of only `YYYY-MM-DD` texts (what the Web API sends) by one C map."""
    if kinds == {str} and set(map(len, cells)) == {10}:
        return list(map(dt.date.fromisoformat, cells))  # = fromisoformat(text[:10])
    return [None if v is None else dt.date.fromisoformat(str(v)[:10]) for v in cells]


def _datetime_column(cells: Cells, kinds: Kinds) -> Cells:
    """Datetimes; a column of texts that all parse as UTC times (`…Z`, what the Web API
    sends) by one C map, else value by value the long way (`_utc_datetime`)."""
    if kinds == {str} and (moments := utc_moments(cells)) is not None:
        return moments
    return [None if v is None else _utc_datetime(v) for v in cells]


def _as_they_are(exact: type, convert: Callable) -> Callable[[Cells, Kinds], Cells]:
    """A column converter keeping a column of `exact` values (and None) as it is."""

    def column(cells: Cells, kinds: Kinds) -> Cells:
        if kinds <= {exact, _NONE}:
            return cells
        return [None if v is None else convert(v) for v in cells]

    return column


def _same_column(cells: Cells, kinds: Kinds) -> Cells:
    return cells


# kind -> the converter of a whole column (`cells`, the exact types `kinds` of its values):
# the values `READERS` give, by a C-level pass over the column where the column allows.
COLUMN_READERS: dict[FieldKind, Callable[[Cells, Kinds], Cells]] = {
    **{kind: _same_column for kind, convert in READERS.items() if convert is _same},
    K.ID: _lower_column,
    K.REFERENCE: _lower_column,
    K.PICKLIST: _choice_column,
    K.MULTIPICKLIST: lambda cells, kinds: [None if v is None else _multi(v) for v in cells],
    K.BOOLEAN: _as_they_are(bool, bool),
    K.INTEGER: _as_they_are(int, int),
    K.BIGINT: _as_they_are(int, int),
    K.DECIMAL: _decimal_column,
    K.DOUBLE: _as_they_are(float, float),
    K.DATE: _date_column,
    K.DATETIME: _datetime_column,
}


PageReader = Callable[..., list[dict]]  # a page's records (and `nul_free=`) -> its batch


def page_reader(table: RemoteTable, fields: list[str], columnar: bool = False) -> PageReader:
    """How a page's records become a batch: a `ColumnBatch` for a consumer of columns, else
    the records converted in place into rows."""
    if columnar:
        return column_reader(table, fields)
    return functools.partial(converted, convert=row_reader(table, fields))


def converted(
    records: list[dict], convert: Callable[[dict], dict], nul_free: bool = False
) -> list[dict]:
    """A page's records converted in place: each raw record is freed as its row is made,
    so a page never holds both in full (several pages download at once). Rows carry no
    facts about their page: `nul_free` is not kept."""
    for index, record in enumerate(records):
        records[index] = convert(record)
    return records


def _converter(table: dict[FieldKind, Callable], kind: FieldKind) -> Callable:
    """The converter of `kind` in `table`; a kind without one is an error, never passed on."""
    try:
        return table[kind]
    except KeyError:
        raise ValueError(f"no Dataverse value converter for field kind {kind!r}") from None


def _plain(value: Any, date_only: bool = False) -> Any:
    """What every kind sends for Python's own types: datetimes (aware) in UTC, or their
    date for a date-only column; dates ISO; Decimals as whole numbers or floats."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError(f"datetime {value.isoformat()} has no time zone")
        if date_only:
            return value.date().isoformat()
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):  # sent as the number it is (`json_text.dumps`)
        return int(value) if value == value.to_integral_value() else value
    return value


def _choices(value: Any) -> str | None:
    parts = [p for p in str(value).replace(",", ";").split(";") if p.strip()]
    return ",".join(str(int(p)) for p in parts) or None


def _boolean(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return _plain(value)


def _whole(value: Any) -> Any:
    return int(value) if isinstance(value, str) else _plain(value)


def _fraction(value: Any) -> Any:
    return float(value) if isinstance(value, str) else _plain(value)


def _decimal(value: Any) -> Any:
    """A decimal or money column's value: a text as the Decimal it spells, every digit
    kept (a float would round a money value of 19 digits); anything else as `_plain`."""
    if not isinstance(value, str):
        return _plain(value)
    try:
        number = Decimal(value.strip())
    except ArithmeticError:  # decimal.InvalidOperation: float()'s error, as before
        raise ValueError(f"could not convert string to a decimal: {value!r}") from None
    if not number.is_finite():  # "nan", "inf": float() read them, JSON has no form
        raise ValueError(f"not a finite decimal: {value!r}")
    return _plain(number)


# kind -> how a Python value is sent to a column of that kind; every kind is here.
WRITERS: dict[FieldKind, Callable] = {
    K.ID: _plain,
    K.STRING: _plain,
    K.TEXT: _plain,
    K.EMAIL: _plain,
    K.PHONE: _plain,
    K.URL: _plain,
    K.PICKLIST: lambda v: int(str(v).strip()),
    K.MULTIPICKLIST: _choices,
    K.REFERENCE: _plain,
    K.BOOLEAN: _boolean,
    K.INTEGER: _whole,
    K.BIGINT: _whole,
    K.DECIMAL: _decimal,
    K.DOUBLE: _fraction,
    K.DATE: lambda v: _plain(v, date_only=True),
    K.DATETIME: _plain,
    K.TIME: _plain,
    K.BINARY: _plain,
    K.COMPOUND: _plain,
    K.UNSUPPORTED: _plain,
}


def to_json(value: Any, kind: FieldKind) -> Any:
    """A Python value as the Web API takes it for a column of `kind`."""
    if value is None:
        return None
    return _converter(WRITERS, kind)(value)
