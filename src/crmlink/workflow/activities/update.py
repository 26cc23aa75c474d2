"""`update`: insert / update / upsert / delete rows of a campaign table by reconciliation keys.

    type: update
    table: recipient
    operation: upsert            # insert | update | upsert (default) | delete
    keys: [email]                # target columns that identify a row (mapped from the input)
    mapping: {email: Email, first_name: FirstName}   # target column: input column
    batch_size: 10000            # rows converted per batch
    empty_if_null: true          # a null source empties the target (false: keeps it)

1. Rows whose values fit their target columns as they are (`update_fits`: same types,
   checked in SQL) go to a staging table typed like the target by one `INSERT … SELECT`.
   The others are read in batches; each value is converted to its target column's type.
   Rows that do not fit (a bad date, a too-long string, an empty key, null in a NOT NULL
   column) go to the `rejects` output with `INVALID_VALUE` / `MISSING_KEY` and a message
   naming the column; the rest join the staging table.
2. Set-based SQL applies the staging table (`update_apply`): UPDATE … FROM, INSERT … SELECT,
   DELETE … WHERE EXISTS. Rows whose values are all unchanged are not rewritten.
3. The `ok` output holds the affected rows as the target now has them — its primary key
   (recipient `id`), the mapped columns — and `operation`: inserted / updated / unchanged /
   deleted. It is made only when a `next` transition takes it (the count is kept either way).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator
from sqlalchemy import Column, Connection, String, Table, case, insert, select
from sqlalchemy.sql.elements import ColumnElement

from crmlink.catalog.recipient import recipient
from crmlink.errors import UsageError
from crmlink.workflow import populations
from crmlink.workflow.activities import update_apply, update_fits
from crmlink.workflow.activities.convert import Invalid, converter
from crmlink.workflow.activities.crm import inserts
from crmlink.workflow.activities.targets import column, columns, resolve_table
from crmlink.workflow.base import (
    OK,
    REJECT_COLUMNS,
    REJECTS,
    ActivityResult,
    ColumnSpec,
    Population,
    PopulationWriter,
    RunContext,
)
from crmlink.workflow.config_base import ActivityConfig

if TYPE_CHECKING:
    from crmlink.workflow.preflight import Checker, Problem

Operation = Literal["insert", "update", "upsert", "delete"]


class UpdateConfig(ActivityConfig):
    type: Literal["update"]
    table: str = Field(min_length=1)
    operation: Operation = "upsert"
    keys: list[str] = Field(default_factory=list)
    mapping: dict[str, str] = Field(default_factory=dict)
    batch_size: int = Field(10_000, ge=1, le=1_000_000)
    empty_if_null: bool = True

    @model_validator(mode="after")
    def _keys_needed(self) -> UpdateConfig:
        if self.operation != "insert" and not self.keys:
            raise ValueError(f"keys: a {self.operation} needs reconciliation keys")
        return self

    def preflight(self, checker: Checker) -> list[Problem]:
        """Before the run: the table, its `keys` and `mapping` columns, the mapped input
        columns (when the input's columns are known), every key mapped."""
        if not checker.known(self.table):
            return []
        target = checker.table("table", self.table)
        if not isinstance(target, Table):
            return [target]
        problems = checker.columns("keys", target, self.keys)
        problems += checker.columns("mapping", target, self.mapping)
        problems += checker.source("mapping", self.mapping.values())
        mapped = self._mapped(target, checker.input)
        if mapped is None:
            checker.produces(None)
            return problems
        if not mapped and not self.mapping:
            message = f"no input column has the name of a column of {self.table}: give a mapping"
            return [*problems, checker.problem("mapping", message)]
        by_lower = {c.name.lower(): c.name for c in target.columns}
        keys = [by_lower[k.lower()] for k in self.keys if k.lower() in by_lower]
        for key in (k for k in keys if k not in mapped):
            message = f"the key {key!r} is not in the mapping: map it from the input"
            problems.append(checker.problem("keys", message))
        pk = [c.name for c in target.primary_key.columns if c.name not in mapped]
        checker.produces([*pk, *mapped, "operation"])
        return problems

    def _mapped(self, target: Table, given: list[str] | None) -> list[str] | None:
        """The target columns the run will write (None: known only when it runs)."""
        by_lower = {c.name.lower(): c.name for c in target.columns}
        if self.mapping:
            return [by_lower[t.lower()] for t in self.mapping if t.lower() in by_lower]
        if given is None:
            return None
        own = {c.lower() for c in given}
        return [name for lower, name in by_lower.items() if lower in own]


class UpdateActivity:
    def __init__(self, config: UpdateConfig) -> None:
        self.config = config

    def run(self, ctx: RunContext, source: Population | None) -> ActivityResult:
        if source is None:
            raise UsageError("an update activity needs an inbound population")
        cfg, conn = self.config, ctx.connection()
        target = resolve_table(conn, cfg.table)
        mapping = self._mapping(target, source.table)
        keys = self._keys(target, mapping)
        stage = self._stage_table(ctx, target, mapping)
        rejects = ctx.new_population(REJECTS, _reject_columns(source.table))
        plan = update_apply.Plan(
            conn, target, stage, keys, list(mapping), cfg.operation, cfg.empty_if_null,
            stamped=target is recipient,
        )  # fmt: skip
        copied = self._load(ctx, source, plan, mapping, rejects)
        # the `ok` output only when a transition takes it: a last step's would be a copy
        # of every row written, made to be dropped at the run's end
        writer = ctx.new_population(OK, plan.ok_columns()) if cfg.next else None
        summary = plan.apply(writer.table if writer else None)
        populations.drop(conn, stage.name)
        outputs = {REJECTS: rejects.finish()} | ({OK: writer.finish()} if writer else {})
        rejected = outputs[REJECTS].count
        ctx.log(
            f"{cfg.operation} into {cfg.table}: {summary.text}; {rejected} rejected; "
            f"{copied} of {source.count} input rows staged as they were, the others converted"
        )
        return ActivityResult(
            outputs=outputs,
            rows_in=source.count,
            rows_out=outputs[OK].count if writer else summary.affected,
            rows_rejected=rejected,
        )

    def _mapping(self, target: Table, src: Table) -> dict[str, str]:
        """target column -> input column."""
        if self.config.mapping:
            return {
                column(target, t).name: column(src, s, "input field").name
                for t, s in self.config.mapping.items()
            }
        own = {c.name.lower(): c.name for c in columns(src)}
        found = {c.name: own[c.name.lower()] for c in target.columns if c.name.lower() in own}
        if not found:
            raise UsageError(
                f"no input field has the name of a column of {target.name}: give a mapping"
            )
        return found

    def _keys(self, target: Table, mapping: dict[str, str]) -> list[str]:
        keys = [column(target, k, "key column").name for k in self.config.keys]
        for key in keys:
            if key not in mapping:
                raise UsageError(f"the key {key!r} is not in the mapping: map it from the input")
        return keys

    def _stage_table(self, ctx: RunContext, target: Table, mapping: dict[str, str]) -> Table:
        specs = [ColumnSpec(t, target.c[t].type) for t in mapping]
        specs.append(ColumnSpec("_wk_op", String(12)))
        name = populations.table_name(ctx.run_id, ctx.activity, "stage")
        return populations.create(ctx.connection(), name, specs, transient=True)

    def _load(
        self,
        ctx: RunContext,
        source: Population,
        plan: update_apply.Plan,
        mapping: dict[str, str],
        rejects: PopulationWriter,
    ) -> int:
        """Stage the input: the rows that fit as they are by one `INSERT … SELECT`
        (`update_fits`), the others (all of them, when a column must be converted)
        through the converter, in batches, their rejects to `rejects`. Returns how many
        rows were copied as they are."""
        conn, target, stage = ctx.connection(), plan.target, plan.stage
        # the target's columns, not the staging table's: they say which are NOT NULL
        checks = _Checks({t: target.c[t] for t in mapping}, mapping, plan.keys, plan.operation)
        columns = {t: source.table.c[s] for t, s in mapping.items()}  # target -> input
        pairs = [(column, stage.c[t]) for t, column in columns.items()]
        fit = update_fits.fits(pairs, conn.dialect, checks.required)
        if fit is None:
            staged, batches = _stager(conn, stage), ctx.rows(source, self.config.batch_size)
            copied = done = 0
        else:
            copied = done = _copy(conn, source.table, stage, columns, fit, plan.staged_op(columns))
            ctx.progress(done)
            staged = functools.partial(_insert_numbered, conn, stage)
            rest = case((fit, 0), else_=1) == 1  # a test SQL finds null converts too
            batches = (
                populations.iter_rows(conn, source, self.config.batch_size, where=rest)
                if done < source.count
                else iter(())
            )
        for batch in batches:
            good, bad = checks.split(batch)
            if good:
                staged(good)
            if bad:
                rejects.append(bad)
            done += len(batch)
            ctx.progress(done)
        return copied


def _copy(  # noqa: PLR0913 - the one statement's parts
    conn: Connection,
    source: Table,
    stage: Table,
    columns: dict[str, Column[Any]],
    fit: ColumnElement[bool],
    op: ColumnElement[str],
) -> int:
    """Copy the rows `fit` is true of into the (empty) staging table, keeping their
    `_wk_row`, with their class `op`; how many (counted: psycopg's rowcount of an
    `INSERT … SELECT` is -1)."""
    names = [populations.ROW, *columns, update_apply.OP]
    query = select(source.c[populations.ROW], *columns.values(), op).where(fit)
    conn.execute(insert(stage).from_select(names, query))
    return populations.count(conn, stage)


def _insert_numbered(conn: Connection, stage: Table, rows: list[dict[str, Any]]) -> None:
    """Converted rows beside copied ones: each keeps its input `_wk_row` (the apply step
    reads the input's order from it: the last of equal keys wins)."""
    conn.execute(insert(stage), rows)


def _stager(conn: Connection, stage: Table) -> Callable[[list[dict[str, Any]]], None]:
    """How converted rows go into the staging table: the import's inserter (`inserts`:
    the driver's `executemany` on SQLite, `COPY` on PostgreSQL, each column through the
    bind processor SQLAlchemy would apply), not SQLAlchemy's per-row statement machinery,
    which had taken 18 s of an update's 37 for 1,000,000 rows. It numbers `_wk_row`
    afresh, in the rows' order, which is all the apply step reads of it."""
    names = [c.name for c in stage.columns if c.name != populations.ROW]
    inserter = inserts.inserter_for(populations.Writer(conn, stage), names)

    def staged(rows: list[dict[str, Any]]) -> None:
        inserter.insert_columns([[row[name] for row in rows] for name in names])  # no hold

    return staged


class _Checks:
    def __init__(
        self,
        target: dict[str, Column[Any]],
        mapping: dict[str, str],
        keys: list[str],
        operation: str,
    ) -> None:
        self.mapping, self.keys = mapping, set(keys)
        self.convert = {t: converter(c) for t, c in target.items()}
        self.not_null = {t for t, c in target.items() if _required(c)}
        self.keyed = operation != "insert"
        self.required = self.not_null | (self.keys if self.keyed else set())

    def split(
        self, batch: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        good, bad = [], []
        for row in batch:
            try:
                good.append(self._convert(row))
            except _Rejected as exc:
                bad.append(_rejected(row, exc))
        return good, bad

    def _convert(self, row: dict[str, Any]) -> dict[str, Any]:
        values = {populations.ROW: row[populations.ROW], "_wk_op": None}
        for target, source in self.mapping.items():
            try:
                value = self.convert[target](row.get(source))
            except Invalid as exc:
                raise _Rejected("INVALID_VALUE", target, f"{target}: {exc}") from None
            if value is None and target in self.keys and self.keyed:
                raise _Rejected("MISSING_KEY", target, f"{target}: the key is empty")
            if value is None and target in self.not_null:
                raise _Rejected("INVALID_VALUE", target, f"{target}: cannot be empty")
            values[target] = value
        return values


class _Rejected(Exception):
    def __init__(self, code: str, column: str, message: str) -> None:
        super().__init__(message)
        self.code, self.column, self.message = code, column, message


def _required(col: Column[Any]) -> bool:
    return not col.nullable and not col.primary_key


def _rejected(row: dict[str, Any], exc: _Rejected) -> dict[str, Any]:
    out = {k: v for k, v in row.items() if not k.startswith("_wk_")}
    return out | dict(zip(REJECT_COLUMNS, (exc.code, exc.column, exc.message), strict=True))


def _reject_columns(src: Table) -> list[ColumnSpec]:
    specs = [ColumnSpec(c.name, c.type) for c in columns(src) if c.name not in REJECT_COLUMNS]
    return specs + [ColumnSpec(name, String(4000)) for name in REJECT_COLUMNS]


def build_update(config: ActivityConfig) -> UpdateActivity:
    if not isinstance(config, UpdateConfig):
        raise UsageError(f"not an update activity: {config.type}")
    return UpdateActivity(config)
