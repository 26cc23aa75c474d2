"""`query`: rows of a campaign table, filtered in SQL, into a population.

    type: query
    table: recipient            # built-in, a generated schema's name, or a table name
    fields: [id, email]         # default: every column
    filter: "email like '%@example.com' and birth_date < 2000-01-01"
    order_by: [modified_at desc]
    limit: 1000

One set-based `INSERT INTO wk… SELECT …`: no row passes through Python. The filter is
parsed when the file is loaded; its `{{variables}}` are bound as values (SQL parameters).
"""

from __future__ import annotations

import re
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, field_validator
from sqlalchemy import Column, ColumnElement, Table, UnaryExpression, func, insert, select

from crmlink.errors import UsageError
from crmlink.workflow.activities.targets import column, columns, resolve_table
from crmlink.workflow.base import OK, ActivityResult, ColumnSpec, Population, RunContext
from crmlink.workflow.config_base import ActivityConfig
from crmlink.workflow.filter_option import FilteredConfig
from crmlink.workflow.populations import ROW
from crmlink.workflow.sql_filter import compile_filter
from crmlink.workflow.variables import unknown_variable

if TYPE_CHECKING:
    from crmlink.workflow.preflight import Checker, Problem

_ORDER = re.compile(r"^\s*(\w+)(?:\s+(asc|desc))?\s*$", re.IGNORECASE)


class QueryConfig(FilteredConfig):
    type: Literal["query"]
    table: str = Field(min_length=1)
    fields: list[str] = Field(default_factory=list)
    filter: str | None = None
    order_by: list[str] = Field(default_factory=list)
    limit: int | None = Field(None, ge=1)

    @field_validator("fields", "order_by", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("order_by")
    @classmethod
    def _orders(cls, value: list[str]) -> list[str]:
        for item in value:
            if not _ORDER.match(item):
                raise ValueError(f"{item!r} is not 'field' or 'field desc'")
        return value

    def preflight(self, checker: Checker) -> list[Problem]:
        """Before the run: the table, its `fields`, `order_by` and filter fields exist."""
        if not checker.known(self.table):
            return []
        table = checker.table("table", self.table)
        if not isinstance(table, Table):
            return [table]
        ordered = [found.group(1) for item in self.order_by if (found := _ORDER.match(item))]
        problems = checker.columns("fields", table, self.fields)
        problems += checker.columns("order_by", table, ordered)
        problems += checker.table_filter("filter", self.filter, table)
        checker.produces(self.fields or [c.name for c in columns(table)])
        return problems


class QueryActivity:
    def __init__(self, config: QueryConfig) -> None:
        self.config = config

    def run(self, ctx: RunContext, source: Population | None) -> ActivityResult:
        conn, cfg = ctx.connection(), self.config
        table = resolve_table(conn, cfg.table)
        chosen = [column(table, f, "field") for f in cfg.fields] or columns(table)
        order = self._order(table)
        inner = select(*chosen, *(col.label(f"_wk_o{i}") for i, (col, _) in enumerate(order)))
        if cfg.where is not None:
            unknown = partial(unknown_variable, variables=ctx.variables, activity=ctx.activity)
            inner = inner.where(compile_filter(cfg.where, table, ctx.variables, unknown=unknown))
        if cfg.limit:
            inner = inner.order_by(*(_sorted(col, desc) for col, desc in order)).limit(cfg.limit)
        sub = inner.subquery()
        by = [_sorted(sub.c[f"_wk_o{i}"], desc) for i, (_, desc) in enumerate(order)]
        numbering = func.row_number().over(order_by=by)
        query = select(*(sub.c[c.name] for c in chosen), numbering)
        writer = ctx.new_population(OK, [ColumnSpec(c.name, c.type) for c in chosen])
        conn.execute(insert(writer.table).from_select([c.name for c in chosen] + [ROW], query))
        population = writer.finish()
        ctx.log(f"{population.count} rows of {cfg.table}")
        return ActivityResult(outputs={OK: population}, rows_out=population.count)

    def _order(self, table: Table) -> list[tuple[Column[Any], bool]]:
        """(column, descending) pairs: the order_by option, else the primary key."""
        if not self.config.order_by:
            return [(c, False) for c in table.primary_key.columns]
        out = []
        for item in self.config.order_by:
            found = _ORDER.match(item)
            if found is None:  # the config's validation rejects these
                raise ValueError(f"{item!r} is not 'field' or 'field desc'")
            name, direction = found.groups()
            out.append((column(table, name, "field"), (direction or "").lower() == "desc"))
        return out


def _sorted(col: ColumnElement[Any], descending: bool) -> UnaryExpression[Any]:
    return col.desc().nulls_last() if descending else col.asc().nulls_last()


def build_query(config: ActivityConfig) -> QueryActivity:
    if not isinstance(config, QueryConfig):
        raise UsageError(f"not a query activity: {config.type}")
    return QueryActivity(config)
