"""The import's per-batch work, one column at a time: conversions (`conversions.py`,
one function chosen per column, none for a column whose values pass unchanged), the
checks of `gate.py` (text length and NUL, integer range, decimal precision: a refused
record is a reject naming its first bad field, in column order, as `Gate` does), then the
good rows as tuples to the fastest inserter (`inserts.py`).

    loader = Loader(writer, columns, fields, key, rejects, tz)
    loader.append(batch)                 # connector rows (dicts keyed by field name)

`fields` pairs each remote field name with its population column and conversion mode.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import operator
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Integer, Numeric, SmallInteger, String
from sqlalchemy.types import Float, TypeDecorator, TypeEngine

from crmlink.model import RemoteField
from crmlink.workflow.activities.convert import Invalid, converter
from crmlink.workflow.activities.crm import conversions
from crmlink.workflow.activities.crm.gate import Rejects
from crmlink.workflow.activities.crm.inserts import inserter_for
from crmlink.workflow.base import ColumnSpec, PopulationWriter

Check = Callable[[list[Any]], dict[int, str]]
Texts = dict[int, Sequence[str]]
Field = tuple[RemoteField, str, str]  # remote field, population column, conversion mode


_FIRST: Any = object()  # no key read yet


class Loader:
    def __init__(
        self,
        writer: PopulationWriter,
        columns: list[ColumnSpec],
        fields: list[Field],
        key: str,
        rejects: Rejects,
        tz: dt.tzinfo,
    ) -> None:
        self.names = [field.name for field, _, _ in fields]
        self.columns = [column for _, column, _ in fields]
        self.key = self.columns.index(key) if key in self.columns else None
        types = {c.name: c.type for c in columns}
        self.converts = [campaign_converter(field, mode, tz) for field, _, mode in fields]
        # default mode keeps an aware UTC datetime as it is: nothing to do for a column
        # the batch says holds only those (`ColumnBatch.utc`)
        self.keeps_utc = [
            mode == "default" and conversions.crossing(field) is conversions.Crossing.DATETIME
            for field, _, mode in fields
        ]
        self.checks = [column_check(types[c], c) for c in self.columns]
        self.lengths = [text_length(types[c]) for c in self.columns]
        self.rejects = rejects
        self.inserter = inserter_for(writer, self.columns)
        self._get = operator.itemgetter(*self.names)
        # every key read so far above the one before (so none came twice), and the last
        self.ascending, self._last_key = self.key is not None, _FIRST

    def hold(self, rows: int) -> None:
        """Let the inserter keep up to `rows` rows back (`Inserter.hold`) until `flush`."""
        self.inserter.hold(rows)

    def flush(self) -> None:
        """Every row appended so far is in the working table (in the transaction)."""
        self.inserter.flush()

    def append(self, batch: list[dict[str, Any]]) -> None:
        if not batch:
            return
        columns = self._converted(self._cells(batch), self._in_utc(batch))
        if self.ascending and self.key is not None:
            self._see_keys(columns[self.key])
        problems = self._problems(columns, self._passed(batch, columns))
        if problems:
            rows = list(zip(*columns, strict=True))
            self.rejects.add([self._refused(rows[i], *problems[i]) for i in sorted(problems)])
            self.inserter.insert([row for i, row in enumerate(rows) if i not in problems])
        else:
            self.inserter.insert_columns(columns, self._texts(batch, columns))

    def _see_keys(self, keys: list[Any]) -> None:
        """`ascending` stays true while each key is above the one before it, this batch's
        and the last batch's: a read in key order (a Bulk job's usually is) then holds
        no record twice, and the import needs no search for doubles (`_deduplicated`).
        One pass in C; None, or keys that do not compare, end it."""
        following = itertools.islice(keys, 1, None)
        try:
            ordered = self._last_key is _FIRST or self._last_key < keys[0]
            self.ascending = ordered and all(map(operator.lt, keys, following))
        except TypeError:
            self.ascending = False
        self._last_key = keys[-1]

    def _texts(self, batch: list[dict[str, Any]], columns: list[list[Any]]) -> Texts:
        """column index -> the CSV texts its values were read from (`ColumnBatch.texts`),
        for the columns that are still the batch's own (no conversion changed a value)."""
        texts, given = getattr(batch, "texts", None), getattr(batch, "columns", None)
        if not texts or given is None:
            return {}
        return {
            index: texts[name]
            for index, name in enumerate(self.names)
            if name in texts and columns[index] is given[name]
        }

    def _cells(self, batch: list[dict[str, Any]]) -> list[list[Any]]:
        """The batch as columns (a row lacking a field has None there); a batch that
        carries its columns (`batches.ColumnBatch`: a Bulk or Dataverse read's) gives
        them as they are."""
        given = getattr(batch, "columns", None)
        if given is not None:
            absent = [None] * len(batch)
            return [given.get(name, absent) for name in self.names]
        if len(self.names) == 1:
            return [[row.get(self.names[0]) for row in batch]]
        try:
            rows = list(map(self._get, batch))
        except KeyError:
            rows = [tuple(row.get(n) for n in self.names) for row in batch]
        return [list(cells) for cells in zip(*rows, strict=True)]

    def _in_utc(self, batch: list[dict[str, Any]]) -> set[int]:
        """The columns whose conversion would keep every value: the batch's own
        datetime columns of aware UTC values (`ColumnBatch.utc`), in default mode."""
        utc = getattr(batch, "utc", None)
        if not utc:
            return set()
        return {i for i, name in enumerate(self.names) if self.keeps_utc[i] and name in utc}

    def _converted(self, columns: list[list[Any]], kept: set[int]) -> list[list[Any]]:
        """Each column converted (but those in `kept`); a column whose every value came
        back as the very same object stays the list it was (so `_texts` knows it is
        unchanged)."""
        for index, convert in enumerate(self.converts):
            if convert is not None and index not in kept:
                cells = columns[index]
                changed = convert(cells)
                if not all(map(operator.is_, changed, cells)):
                    columns[index] = changed
        return columns

    def _passed(self, batch: list[dict[str, Any]], columns: list[list[Any]]) -> set[int]:
        """The text columns every value of which surely passes its check, known from the
        batch's own facts (`batches.ColumnBatch`): values that are the CSV texts themselves
        (`plain`: str or None), the longest no longer than the column, no NUL."""
        plain, given = getattr(batch, "plain", None), getattr(batch, "columns", None)
        if not plain or given is None:
            return set()
        longest: dict[str, int] = getattr(batch, "longest", {})
        texts, nul_free = getattr(batch, "texts", {}), getattr(batch, "nul_free", False)
        passed = set()
        for index, name in enumerate(self.names):
            most = self.lengths[index]
            if most is None or name not in plain or name not in longest:
                continue
            if columns[index] is not given[name]:
                continue
            if longest[name] <= most and (nul_free or "\x00" not in "".join(texts[name])):
                passed.add(index)
        return passed

    def _problems(self, columns: list[list[Any]], passed: set[int]) -> dict[int, tuple[str, str]]:
        """row index -> (column, message) of its first refused value (`passed`: columns
        known to hold none)."""
        found: dict[int, tuple[str, str]] = {}
        for column, (name, check, cells) in enumerate(
            zip(self.columns, self.checks, columns, strict=True)
        ):
            if check is not None and column not in passed:
                for row, message in check(cells).items():
                    found.setdefault(row, (name, message))
        return found

    def _refused(self, row: tuple[Any, ...], column: str, message: str) -> dict[str, Any]:
        record_id = row[self.key] if self.key is not None else None
        return self.rejects.refused(record_id, column, message)


def campaign_converter(
    field: RemoteField, mode: str, tz: dt.tzinfo
) -> Callable[[list[Any]], list[Any]] | None:
    """`conversions.to_campaign` for one whole column, or None when it changes nothing
    there: mode `default` leaves every value but a datetime as it is (only date and
    datetime kinds carry datetimes), and an aware UTC datetime as it is too."""

    def convert(value: Any) -> Any:
        return conversions.to_campaign(value, mode, tz)

    if mode != "default":
        return lambda cells: [None if v is None else convert(v) for v in cells]
    if conversions.crossing(field) is conversions.Crossing.AS_IS:
        return None
    utc, moment, day = dt.UTC, dt.datetime, dt.date
    return lambda cells: [
        v
        if v is None or v.__class__ is day or (v.__class__ is moment and v.tzinfo is utc)
        else convert(v)
        for v in cells  # the tests inline: no call for the common values
    ]


def column_check(type_: TypeEngine[Any], name: str) -> Check | None:
    """The checks of `gate.py` for one column, as a function of the whole column: a
    cheap test per cell picks the suspects, the full check runs only on them."""
    base = type_.impl_instance if isinstance(type_, TypeDecorator) else type_
    if not _checked(base):
        return None
    full = converter(Column(name, type_))
    suspects = _suspects(base)

    def check(cells: list[Any]) -> dict[int, str]:
        problems = {}
        for index in suspects(cells):
            try:
                full(cells[index])
            except Invalid as exc:
                problems[index] = str(exc)
        return problems

    return check


def text_length(type_: TypeEngine[Any]) -> int | None:
    """The most characters a text column's check lets through (None: not a checked
    text column)."""
    base = type_.impl_instance if isinstance(type_, TypeDecorator) else type_
    if not isinstance(base, String):
        return None
    return base.length if base.length is not None else sys.maxsize


def _suspects(type_: TypeEngine[Any]) -> Callable[[list[Any]], list[int]]:
    """The cells that may fail the column's check (every other one surely passes)."""
    if (most := text_length(type_)) is not None:
        return lambda cells: _text_suspects(cells, most)
    if isinstance(type_, Integer):
        bound = 2**15 if isinstance(type_, SmallInteger) else 2**31  # within every range
        return lambda cells: [
            i
            for i, v in enumerate(cells)
            if v is not None and not (type(v) is int and -bound <= v < bound)
        ]
    if isinstance(type_, Numeric) and (type_.precision or 0) >= (type_.scale or 0):
        return functools.partial(_number_suspects, _whole_digits_bound(type_))
    return lambda cells: [i for i, v in enumerate(cells) if v is not None]


def _whole_digits_bound(type_: Numeric[Any]) -> Decimal | None:
    """The least magnitude with too many whole digits for the column (`decimal(p,s)`,
    s <= p: 10 ** (p - s)); None when the column sets no precision (every number passes)."""
    if type_.precision is None:
        return None
    return Decimal(10) ** (type_.precision - (type_.scale or 0))


def _number_suspects(bound: Decimal | None, cells: list[Any]) -> list[int]:
    """Decimals and integers all below the bound in magnitude (one C pass: `max` of
    `abs`; None and zeros, which always pass, left out by `filter`) surely pass; any
    other column cell by cell (`_decimal`'s test: whole digits of a finite number)."""
    if set(map(type, cells)) <= _EXACT_NUMBERS:
        if bound is None:
            return []
        try:
            if max(map(abs, filter(None, cells)), default=0) < bound:
                return []
        except ArithmeticError:  # a NaN among them: the cells' own checks decide
            pass
    return [i for i, v in enumerate(cells) if v is not None]


_EXACT_NUMBERS = {Decimal, int, type(None)}


def _text_suspects(cells: list[Any], most: int) -> list[int]:
    """Whole-column tests first (C loops: types, longest length, one NUL search); cell by
    cell only when one fails."""
    if set(map(type, cells)) <= _TEXT_TYPES:  # filter(None, …): the non-empty texts
        longest = max(map(len, filter(None, cells)), default=0)
        if longest <= most and "\x00" not in "".join(filter(None, cells)):
            return []
    return [
        i
        for i, v in enumerate(cells)
        if v is not None and (type(v) is not str or len(v) > most or "\x00" in v)
    ]


_TEXT_TYPES = {str, type(None)}


def _checked(type_: TypeEngine[Any]) -> bool:
    return isinstance(type_, String | Integer) or (
        isinstance(type_, Numeric) and not isinstance(type_, Float)
    )
