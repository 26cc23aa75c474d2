"""`operation: import`: CRM records into a population whose columns are the remote
fields' API names (so a later `update` maps `email: Email`), typed from the describe.

Modes: a filter (with order_by, query_all, limit), the automatic index (`incremental`),
or `ids_from` (exactly the records whose ids are in an upstream column). Batches stream
from the connector into the working table (read ahead in a thread, a bounded queue:
`prefetch.py`; converted, checked and inserted per column: `loader.py`): memory stays
flat.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select

from crmlink.connectors.base import Connector
from crmlink.model import FieldKind, OrderBy, RemoteField, RemoteTable
from crmlink.workflow.activities.crm import conversions
from crmlink.workflow.activities.crm.columns import population_columns, renamed
from crmlink.workflow.activities.crm.common import (
    remote_field,
    source_column,
    upstream,
)
from crmlink.workflow.activities.crm.config import CrmActivityConfig
from crmlink.workflow.activities.crm.gate import Rejects
from crmlink.workflow.activities.crm.incremental import Window
from crmlink.workflow.activities.crm.loader import Loader
from crmlink.workflow.activities.crm.prefetch import (
    COMMIT_ROWS,
    Commits,
    fewer_collections,
    read_ahead,
    stopping,
)
from crmlink.workflow.base import (
    OK,
    ActivityResult,
    ColumnSpec,
    Population,
    PopulationWriter,
    RunContext,
)
from crmlink.workflow.readable import cursor_text
from crmlink.workflow.records import PLAN_PREFIX
from crmlink.workflow.variables import bind_filter

IDS_PER_READ = 2000
READ_AHEAD = 2  # batches read ahead of the inserter (memory: a fixed number of batches)
HOLD_ROWS = 5_000  # rows a database may keep back to write them in one statement (COPY)


@dataclass
class Plan:
    table: RemoteTable
    fields: list[RemoteField]
    modes: dict[str, str]

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def column_names(self) -> dict[str, str]:
        """field -> population column (its name, unless that is crmlink's or taken)."""
        return population_columns(self.names)

    def columns(self) -> list[ColumnSpec]:
        named = self.column_names
        return [
            ColumnSpec(named[f.name], conversions.column_type(f, self.modes.get(f.name, "default")))
            for f in self.fields
        ]


def plan(config: CrmActivityConfig, table: RemoteTable) -> Plan:
    wanted = [table.key_field, table.modified_field, config.index_field, *config.fields]
    if not config.fields:
        wanted += [f.name for f in table.fields if _storable(f)]
    fields: dict[str, RemoteField] = {}
    for name in filter(None, wanted):
        field = remote_field(table, name, "fields")
        fields.setdefault(field.name, field)
    modes: dict[str, str] = {}
    for name, mode in config.conversions.items():
        field = remote_field(table, name, "conversions")
        modes[field.name] = mode
        fields.setdefault(field.name, field)
    return Plan(table, list(fields.values()), modes)


def _storable(field: RemoteField) -> bool:
    """Read when `fields` is omitted: not compounds (their parts are), not base64 (which
    Salesforce serves one record at a time)."""
    return conversions.local_type(field) is not None and field.kind != FieldKind.BINARY


def _log_unread(ctx: RunContext, table: RemoteTable) -> None:
    skipped = [f.name for f in table.fields if not _storable(f)]
    if skipped:
        ctx.log(
            f"fields omitted: every field of {table.name} is imported except "
            f"{', '.join(skipped)} (compound fields come as their parts; binary fields "
            "must be named in fields)"
        )


def run_import(
    config: CrmActivityConfig, ctx: RunContext, source: Population | None
) -> ActivityResult:
    connector = ctx.connector(config.account)
    calls = connector.api_calls
    table = connector.describe(config.object)
    spec = plan(config, table)
    if not config.fields:
        _log_unread(ctx, table)
    writer = ctx.new_population(OK, spec.columns())
    result = ActivityResult(rows_in=source.count if source else 0)
    key = spec.column_names[table.key_field]
    for line in renamed(spec.column_names):
        ctx.log(line, "warning")
    rejects = Rejects(ctx, _ids_column(config, source) or key)
    loader = _loader(writer, spec, config, rejects, key)
    if config.ids_from:
        batches = _by_ids(rejects, ctx, source, connector, spec)
        window = None
    else:
        window = Window(config, table, ctx) if config.incremental else None
        batches = _read(config, ctx, connector, spec, window)
    count = _load(batches, loader, config, ctx, window)
    if not config.ids_from:
        _log_plan(ctx, connector)
    population = writer.finish()
    if not loader.ascending:  # else no record came twice
        population = _deduplicated(population, key, ctx)
    result.outputs.update(rejects.finish())
    result.rows_rejected = rejects.count
    result.outputs[OK] = population
    result.rows_out = population.count
    if window is not None:
        _finish_window(window, ctx, population.count, count)
        result.variables.update(window.variables())
    result.api_calls = connector.api_calls - calls
    return result


def _log_plan(ctx: RunContext, connector: Connector) -> None:
    """The read planner's choice, its reason and the calls it spent, into the run log
    (`ActivityRecord.read_plan`, `workflow run-show`); connectors without a planner
    say nothing."""
    choice = getattr(connector, "last_read_plan", None)
    if choice is not None:
        ctx.log(f"{PLAN_PREFIX}{choice.text()}")


def _read(
    config: CrmActivityConfig,
    ctx: RunContext,
    connector: Connector,
    spec: Plan,
    window: Window | None,
) -> Iterator[list[dict[str, Any]]]:
    where = bind_filter(config.where, spec.table, ctx.variables, ctx.activity)
    fewest = config.read_plan == "fewest_calls"
    if window is not None:
        return window.read(connector, spec.names, where, config.query_all, config.limit, fewest)
    order = [OrderBy(remote_field(spec.table, f, "order_by").name, d) for f, d in config.order()]
    batches = connector.read(
        spec.table.name,
        spec.names,
        where=where,
        order=order or None,
        include_deleted=config.query_all,
        limit=config.limit,  # `_take` still cuts: a connector may give more
        fewest_calls=fewest,
    )
    if config.limit is None and hasattr(batches, "columnar"):
        batches.columnar = True  # `_load` and the loader read only len() and the columns
    return batches


def _load(
    batches: Iterator[list[dict[str, Any]]],
    loader: Loader,
    config: CrmActivityConfig,
    ctx: RunContext,
    window: Window | None,
) -> int:
    """Insert every batch; a plain read (no `limit`, no `ids_from`) is read ahead in a
    thread, committing every COMMIT_ROWS rows and before each wait for the CRM; the others
    commit after each batch, before the next CRM call."""
    ahead = config.limit is None and not config.ids_from
    commits = Commits(ctx.checkpoint, COMMIT_ROWS if ahead else 1)
    count = counted = 0
    ctx.checkpoint()  # no lock held while the CRM answers
    source = read_ahead(batches, READ_AHEAD, commits.idle) if ahead else batches
    loader.hold(HOLD_ROWS)
    with fewer_collections(), stopping(source):
        for batch in source:
            if config.limit is not None:
                batch, used = _take(batch, config.limit - counted, window)
                counted += used
            if window is not None:
                window.see(batch)
            loader.append(batch)
            count += len(batch)
            commits.added(len(batch))
            ctx.progress(count, total=getattr(batches, "total", None))
            if config.limit is not None and counted >= config.limit:
                break
        loader.flush()
    commits.idle()
    return count


def _loader(
    writer: PopulationWriter, spec: Plan, config: CrmActivityConfig, rejects: Rejects, key: str
) -> Loader:
    named = spec.column_names
    fields = [(f, named[f.name], spec.modes.get(f.name, "default")) for f in spec.fields]
    tz = conversions.zone(config.timezone)
    return Loader(writer, spec.columns(), fields, key, rejects, tz)


def _take(batch: list[dict], budget: int, window: Window | None) -> tuple[list[dict], int]:
    """The rows of `batch` up to `budget` new ones (overlap re-reads do not count)."""
    taken, used = [], 0
    for row in batch:
        new = window is None or window.is_new(row)
        if new and used >= budget:
            break
        taken.append(row)
        used += new
    return taken, used


def _finish_window(window: Window, ctx: RunContext, kept: int, read: int) -> None:
    staged = window.stage()
    where = f"at or after {window.variables()['crmStartImport']}"
    ctx.log(
        f"incremental import: read {read} rows {where} ({kept} after de-duplication); "
        f"cursor staged at {cursor_text(staged)} (committed when the run succeeds)"
    )


def _deduplicated(population: Population, key: str, ctx: RunContext) -> Population:
    """A record read twice in one run keeps its latest copy (the highest `_wk_row`)."""
    table = population.table
    column, row = table.c[key], table.c["_wk_row"]
    conn = ctx.connection()
    doubled = select(column).group_by(column).having(func.count() > 1)
    if conn.execute(doubled.limit(1)).first() is None:
        return population
    latest = select(func.max(row)).where(column.in_(doubled)).group_by(column)
    gone = conn.execute(delete(table).where(column.in_(doubled), row.not_in(latest))).rowcount
    ctx.log(f"{gone} rows read twice in this run were replaced by their latest copy")
    return Population(table, population.count - gone)


# -- ids_from: exactly the records of an upstream column -------------------------------
def _ids_column(config: CrmActivityConfig, source: Population | None) -> str | None:
    """The upstream column holding the ids (`ids_from`), checked; None without ids_from."""
    if not config.ids_from:
        return None
    return source_column(upstream(source, "ids_from"), config.ids_from, "ids_from")


def _by_ids(
    rejects: Rejects,
    ctx: RunContext,
    source: Population | None,
    connector: Connector,
    spec: Plan,
) -> Iterator[list[dict[str, Any]]]:
    source, column = upstream(source, "ids_from"), rejects.column
    missing = _Missing(rejects, spec.table.name)
    for chunk in _id_chunks(ctx, source, column):
        ctx.checkpoint()
        found: set[str] = set()
        for batch in connector.read(spec.table.name, spec.names, ids=chunk):
            found.update(row[spec.table.key_field] for row in batch)
            yield batch
        short = {f[:15] for f in found}
        missing.add([i for i in chunk if i not in found and i not in short])
    missing.finish()


def _id_chunks(ctx: RunContext, source: Population, column: str) -> Iterator[list[str]]:
    fresh = (
        str(row[column]).strip()
        for batch in ctx.rows(source)
        for row in batch
        if row.get(column) not in (None, "")
    )
    unique = _unique(fresh)
    while chunk := list(itertools.islice(unique, IDS_PER_READ)):
        yield chunk


def _unique(items: Iterator[str]) -> Iterator[str]:
    """`items` without repeats, first occurrence kept, lazily."""
    seen: set[str] = set()
    for item in items:
        if item not in seen:
            seen.add(item)
            yield item


class _Missing:
    """Requested ids the CRM did not return: rejects, code NOT_FOUND."""

    def __init__(self, rejects: Rejects, table: str) -> None:
        self.rejects, self.table = rejects, table
        self.count = 0

    def add(self, ids: list[str]) -> None:
        message = f"no {self.table} with this id (deleted, merged or not visible)"
        column = self.rejects.column
        self.rejects.add(
            [
                {
                    column: i,
                    "error_code": "NOT_FOUND",
                    "error_symbol": "not_found",
                    "error_message": message,
                }
                for i in ids
            ]
        )
        self.count += len(ids)

    def finish(self) -> None:
        if self.count:
            message = f"{self.count} ids of {self.rejects.column} were not found in {self.table}"
            self.rejects.ctx.log(message, "warning")
