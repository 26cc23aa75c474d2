"""`dedup`: one row per key set, the first or the last by a field (set-based).

    type: dedup
    keys: [email]
    keep: last              # first (default) | last
    by: modified_at         # default: the input's order

`row_number() OVER (PARTITION BY keys ORDER BY by, arrival)`: nulls in `by` come last.
A row with a null key is nobody's duplicate (an unknown e-mail is not a shared one): it is
kept as it is, and an `update` matching on that key rejects it, naming the key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, field_validator
from sqlalchemy import Table, UnaryExpression, case, func, insert, or_, select

from crmlink.errors import UsageError
from crmlink.workflow.activities.targets import column, columns
from crmlink.workflow.base import OK, ActivityResult, ColumnSpec, Population, RunContext
from crmlink.workflow.config_base import ActivityConfig
from crmlink.workflow.populations import ROW

if TYPE_CHECKING:
    from crmlink.workflow.preflight import Checker, Problem


class DedupConfig(ActivityConfig):
    type: Literal["dedup"]
    keys: list[str] = Field(min_length=1)
    keep: Literal["first", "last"] = "first"
    by: str | None = None

    @field_validator("keys", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    def preflight(self, checker: Checker) -> list[Problem]:
        """Before the run: `keys` and `by` are input columns (when those are known)."""
        problems = checker.source("keys", self.keys)
        problems += checker.source("by", [self.by] if self.by else [])
        checker.produces(checker.input)  # the input's rows, fewer of them
        return problems


class DedupActivity:
    def __init__(self, config: DedupConfig) -> None:
        self.config = config

    def run(self, ctx: RunContext, source: Population | None) -> ActivityResult:
        if source is None:
            raise UsageError("a dedup activity needs an inbound population: put it after another")
        cfg, src = self.config, source.table
        keys = [column(src, k, "key") for k in cfg.keys]
        own = columns(src)
        alone = case((or_(*(k.is_(None) for k in keys)), src.c[ROW]), else_=None)
        rank = func.row_number().over(partition_by=[*keys, alone], order_by=self._order(src))
        ranked = select(*own, src.c[ROW].label("_wk_src"), rank.label("_wk_rn")).subquery()
        numbering = func.row_number().over(order_by=ranked.c._wk_src)
        query = select(*(ranked.c[c.name] for c in own), numbering).where(ranked.c._wk_rn == 1)
        writer = ctx.new_population(OK, [ColumnSpec(c.name, c.type) for c in own])
        ctx.connection().execute(
            insert(writer.table).from_select([c.name for c in own] + [ROW], query)
        )
        population = writer.finish()
        dropped = source.count - population.count
        ctx.log(f"{population.count} rows kept, {dropped} duplicates dropped")
        return ActivityResult(outputs={OK: population}, rows_out=population.count)

    def _order(self, src: Table) -> list[UnaryExpression[Any]]:
        last = self.config.keep == "last"
        arrival = src.c[ROW].desc() if last else src.c[ROW].asc()
        if not self.config.by:
            return [arrival]
        by = column(src, self.config.by, "field")
        return [(by.desc() if last else by.asc()).nulls_last(), arrival]


def build_dedup(config: ActivityConfig) -> DedupActivity:
    if not isinstance(config, DedupConfig):
        raise UsageError(f"not a dedup activity: {config.type}")
    return DedupActivity(config)
