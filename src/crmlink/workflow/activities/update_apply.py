"""The set-based half of `update`: a typed staging table applied to the target in SQL.

Staging rows are first classified (`_wk_op`): `new` (no target row has their keys),
`match` (those staged by SQL come with it: `staged_op`), then `unchanged` (a match whose
mapped values are all equal already). Then:

    insert   INSERT INTO target … SELECT … FROM stage WHERE _wk_op = 'new'
    update   UPDATE target SET … FROM stage WHERE keys match AND _wk_op = 'match'
    upsert   both
    delete   DELETE FROM target WHERE EXISTS (stage row with the keys)

When the same keys occur several times in the input, the last row wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    String,
    Table,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from crmlink.db.types import UTCDateTime, utcnow
from crmlink.workflow.base import ColumnSpec
from crmlink.workflow.populations import ROW

OP = "_wk_op"
SHOWN = {"new": "inserted", "match": "updated"}
OUTPUT = {  # operation -> stage classes that reach the ok output
    "insert": ("new",),
    "update": ("match", "unchanged"),
    "upsert": ("new", "match", "unchanged"),
    "delete": ("match",),
}
STAMPS = ("created_at", "modified_at")


class Plan:
    def __init__(
        self,
        conn: Connection,
        target: Table,
        stage: Table,
        keys: list[str],
        mapped: list[str],
        operation: str,
        empty_if_null: bool,
        stamped: bool = False,
    ) -> None:
        self.conn, self.target, self.stage = conn, target, stage
        self.keys, self.mapped, self.operation = keys, mapped, operation
        self.empty_if_null = empty_if_null
        self.stamps = [s for s in STAMPS if stamped and s in target.c and s not in mapped]
        self.values = [c for c in mapped if c not in keys]

    def ok_columns(self) -> list[ColumnSpec]:
        pk = [c for c in self.target.primary_key.columns if c.name not in self.mapped]
        cols = [*pk, *(self.target.c[c] for c in self.mapped)]
        return [ColumnSpec(c.name, c.type) for c in cols] + [ColumnSpec("operation", String(12))]

    def apply(self, ok: Table | None) -> Summary:
        """Apply the staging table to the target; the affected rows into `ok`, if given."""
        self._dedupe()
        self._classify()
        if self.operation == "delete":
            if ok is not None:
                self._output(ok, from_target=True)
            self.conn.execute(delete(self.target).where(exists().where(*self._match())))
        else:
            if self.operation in ("update", "upsert"):
                self._update()
            if self.operation in ("insert", "upsert"):
                self._insert()
            if ok is not None:
                self._output(ok, from_target=bool(self.keys))
        return self._summary()

    def _match(self) -> list[ColumnElement[bool]]:
        return [self.target.c[k] == self.stage.c[k] for k in self.keys]

    def _dedupe(self) -> None:
        if not self.keys:
            return
        last = select(func.max(self.stage.c[ROW])).group_by(*(self.stage.c[k] for k in self.keys))
        self.conn.execute(
            delete(self.stage).where(self.stage.c[ROW].not_in(last.scalar_subquery()))
        )

    def staged_op(self, values: Mapping[str, ColumnElement[Any]]) -> ColumnElement[str]:
        """The class of a staged row whose key values are `values` (target column -> SQL):
        `new` or `match`. Staging by SQL writes it with the row; rewriting every staged
        row to classify it afterwards took 5 s of 1,000,000 on PostgreSQL."""
        if not self.keys:
            return literal("new")
        found = exists().where(*(self.target.c[k] == values[k] for k in self.keys))
        return case((found, "match"), else_="new")

    def _classify(self) -> None:
        stage = self.stage
        unclassified = stage.c[OP].is_(None)  # the rows staged without their class
        op = self.staged_op({k: stage.c[k] for k in self.keys})
        self.conn.execute(update(stage).where(unclassified).values({OP: op}))
        if not self.keys or self.operation not in ("update", "upsert"):
            return
        differs = exists().where(*self._match(), or_(*self._differences()))
        self.conn.execute(
            update(stage).where(stage.c[OP] == "match", ~differs).values({OP: "unchanged"})
        )

    def _new_value(self, name: str) -> ColumnElement[Any]:
        staged = self.stage.c[name]
        return staged if self.empty_if_null else func.coalesce(staged, self.target.c[name])

    def _differences(self) -> list[ColumnElement[bool]]:
        return [self.target.c[c].is_distinct_from(self._new_value(c)) for c in self.values] or [
            literal(False)
        ]

    def _update(self) -> None:
        values = {self.target.c[c]: self._new_value(c) for c in self.values}
        if "modified_at" in self.stamps:
            values[self.target.c.modified_at] = literal(utcnow(), UTCDateTime())
        if not values:
            return
        where = and_(*self._match(), self.stage.c[OP] == "match")
        self.conn.execute(update(self.target).values(values).where(where))

    def _insert(self) -> None:
        now = [literal(utcnow(), UTCDateTime()).label(s) for s in self.stamps]
        query = select(*(self.stage.c[c] for c in self.mapped), *now).where(
            self.stage.c[OP] == "new"
        )
        self.conn.execute(insert(self.target).from_select([*self.mapped, *self.stamps], query))

    def _output(self, ok: Table, from_target: bool) -> None:
        stage, classes = self.stage, OUTPUT[self.operation]
        shown = "deleted" if self.operation == "delete" else None
        op = literal(shown) if shown else case(SHOWN, value=stage.c[OP], else_=stage.c[OP])
        names = [c.name for c in ok.columns if c.name not in (ROW, "operation")]
        source = self.target if from_target else stage
        cols = [self._pick(source, n) for n in names]
        number = func.row_number().over(order_by=stage.c[ROW])
        query = select(*cols, op, number).where(stage.c[OP].in_(classes))
        if from_target:
            query = query.select_from(stage.join(self.target, and_(*self._match())))
        self.conn.execute(insert(ok).from_select([*names, "operation", ROW], query))

    def _pick(self, source: Table, name: str) -> ColumnElement[Any]:
        if name in source.c:
            return source.c[name]
        return literal(None, self.target.c[name].type).label(name)

    def _summary(self) -> Summary:
        rows = self.conn.execute(
            select(self.stage.c[OP], func.count()).group_by(self.stage.c[OP])
        ).all()
        seen = {op: n for op, n in rows}
        used = OUTPUT[self.operation]
        parts = [f"{n} {_word(op, self.operation)}" for op, n in sorted(seen.items()) if op in used]
        skipped = sum(n for op, n in seen.items() if op not in used)
        if skipped:
            why = "already existed" if self.operation == "insert" else "matched no row"
            parts.append(f"{skipped} skipped ({why})")
        affected = sum(n for op, n in seen.items() if op in used)
        return Summary(", ".join(parts) or "nothing to do", affected)


class Summary(NamedTuple):
    text: str  # "2 inserted, 1 updated, 3 skipped (matched no row)"
    affected: int  # the rows the `ok` output holds (or would hold)


def _word(op: str, operation: str) -> str:
    return "deleted" if operation == "delete" else SHOWN.get(op, op)
