"""CRM data is untrusted: an imported record whose value its column cannot hold (a NUL
character in text, text longer than the field's length, a number beyond the column's range
or precision) is a reject naming the field, not a database error that fails the run.

    rejects = Rejects(ctx, "Id")            # the reject output: the id column + the error
    gate = Gate(writer, columns, rejects)   # gate.append(rows): good rows to the writer
    result.outputs.update(rejects.finish())

Only the column types a database refuses values of are checked (text, integers,
decimals); the values written are the ones read, unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from sqlalchemy import BigInteger, Column, Float, Integer, Numeric, SmallInteger, String

from crmlink.workflow.activities.convert import Invalid, converter
from crmlink.workflow.activities.crm.common import reject_columns
from crmlink.workflow.base import REJECTS, ColumnSpec, Population, PopulationWriter, RunContext

ID_LENGTH = 255  # the reject output's id column
_INT_LIMIT = {SmallInteger: 2**15, BigInteger: 2**63}


class Rejects:
    """The import's reject output (made on first use): one row per refused record."""

    def __init__(self, ctx: RunContext, column: str) -> None:
        self.ctx, self.column = ctx, column
        self.writer: PopulationWriter | None = None
        self.count = 0

    def add(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if self.writer is None:
            specs = [ColumnSpec(self.column, String(ID_LENGTH)), *reject_columns(None)]
            self.writer = self.ctx.new_population(REJECTS, specs)
        self.writer.append(rows)
        self.count += len(rows)

    def refused(self, record_id: Any, field: str, message: str) -> dict[str, Any]:
        shown = None if record_id is None else str(record_id).replace("\x00", "")[:ID_LENGTH]
        return {
            self.column: shown,
            "error_code": "INVALID_VALUE",
            "error_symbol": field[:64],
            "error_message": f"{field}: {message}",
        }

    def finish(self) -> dict[str, Population]:
        if self.writer is None:
            return {}
        return {REJECTS: self.writer.finish()}


class Gate:
    """Appends the rows every checked column can hold; refuses the others to `rejects`."""

    def __init__(
        self, writer: PopulationWriter, columns: list[ColumnSpec], key: str, rejects: Rejects
    ) -> None:
        self.writer, self.key, self.rejects = writer, key, rejects
        self.checks: dict[str, tuple[Callable[[Any], bool], Callable[[Any], Any]]] = {
            c.name: (_fast(c), converter(Column(c.name, c.type))) for c in columns if _checked(c)
        }

    def append(self, rows: list[dict[str, Any]]) -> None:
        good, bad = [], []
        for row in rows:
            problem = self._problem(row)
            if problem is None:
                good.append(row)
            else:
                bad.append(self.rejects.refused(row.get(self.key), *problem))
        if good:
            self.writer.append(good)
        self.rejects.add(bad)

    def _problem(self, row: dict[str, Any]) -> tuple[str, str] | None:
        for name, (fine, check) in self.checks.items():
            value = row.get(name)
            if value is None or fine(value):
                continue
            try:
                check(value)  # the full check says why (or accepts, e.g. "12" as an integer)
            except Invalid as exc:
                return name, str(exc)
        return None


def _fast(column: ColumnSpec) -> Callable[[Any], bool]:
    """A cheap test that passes the common, plainly fine value (imports are a hot path)."""
    type_ = column.type
    if isinstance(type_, String):
        length = type_.length or float("inf")
        return lambda v: type(v) is str and len(v) <= length and "\x00" not in v
    if isinstance(type_, Integer):
        limit = _INT_LIMIT.get(type(type_), 2**31)
        return lambda v: type(v) is int and -limit <= v < limit
    if not isinstance(type_, Numeric) or type_.precision is None:
        return lambda v: type(v) in (int, float) and math.isfinite(v)
    bound = 10 ** (type_.precision - (type_.scale or 0))
    return lambda v: type(v) in (int, float) and math.isfinite(v) and abs(v) < bound


def _checked(column: ColumnSpec) -> bool:
    type_ = column.type
    return isinstance(type_, String | Integer) or (
        isinstance(type_, Numeric) and not isinstance(type_, Float)
    )
