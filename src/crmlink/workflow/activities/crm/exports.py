"""`operation: export`: population rows written to CRM records, each exactly once.

Write mode, per row:
- `key: <external ID field>` → upsert on it (a row without a key value is rejected,
  MISSING_KEY);
- the record id (`Id`) mapped, or `key: Id` → update the rows that have an id, insert
  the rows whose id is empty;
- neither → insert.

The connector batches (sObject Collections of 200 a call, several calls in flight; Bulk
2.0 ingest at or above its threshold, several jobs at once; Dataverse `CreateMultiple`
batches in parallel). Without an explicit `batch_size`, an export hands the connector
`EXPORT_BATCH` rows a call (not the 10,000 of `batch_size`'s default), so that its
parallel jobs each get a useful share. Results are journaled as they come (`sink.py`), so
a rerun of a crashed run sends only what was not journaled. What a rerun sends again is
the calls that were in flight: for updates and upserts that is harmless (same values,
same records); a plain insert sent twice would create duplicates. Hence, for inserts,
give a `key` (an external ID: the export becomes an upsert, safe to repeat), or
`match_on: <mapped field>`: before inserting a batch, crmlink looks its rows up by that
field and does not insert those already present (reported OK with the existing id,
`created` false). With neither, a warning says that the rows of the calls in flight may
be duplicated by a rerun after a crash (`sink.py` says how many that can be).

The log says what the export did: `export to Contact: 3 inserted, 2 updated, 1 matched
(already present), 1 rejected` (`created` of each write result tells an insert from an
update; rows a resumed run replays from the journal are counted apart).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any, cast

from crmlink.connectors.base import Connector
from crmlink.connectors.registry import spec_of
from crmlink.errors import UsageError
from crmlink.filters import ast
from crmlink.filters.validate import TEXT_KINDS
from crmlink.model import Reject, RemoteField, RemoteTable, WriteMode
from crmlink.model import WriteResult as Result
from crmlink.workflow.activities.crm import conversions
from crmlink.workflow.activities.crm.common import remote_field, source_column, substitute
from crmlink.workflow.activities.crm.config import CrmActivityConfig
from crmlink.workflow.activities.crm.sink import Sink
from crmlink.workflow.base import ActivityResult, Population, RunContext

EXPORT_BATCH = 100_000  # rows per connector call unless `batch_size` is given


def run_export(
    config: CrmActivityConfig, ctx: RunContext, source: Population | None
) -> ActivityResult:
    if source is None:
        raise UsageError("an export needs an upstream population: put it after a query")
    connector = ctx.connector(config.account)
    calls = connector.api_calls
    exporter = Exporter(config, ctx, source, connector)
    rejects_file = substitute(config.rejects_file, ctx.variables, "rejects_file")
    result = Sink(ctx, source, rejects_file).run(exporter.send, batch_rows(config))
    result.api_calls = connector.api_calls - calls
    ctx.log(exporter.summary(result.rows_out, result.rows_rejected))
    return result


def batch_rows(config: CrmActivityConfig) -> int:
    """Rows per connector call: `batch_size` when given, else `EXPORT_BATCH`."""
    if "batch_size" in config.model_fields_set:
        return config.batch_size
    return max(config.batch_size, EXPORT_BATCH)


class Exporter:
    def __init__(
        self, config: CrmActivityConfig, ctx: RunContext, source: Population, connector: Connector
    ) -> None:
        self.connector: Connector = connector
        self.capabilities = spec_of(connector).capabilities
        self.table: RemoteTable = connector.describe(config.object)
        self.tz = conversions.zone(config.timezone)
        self.mapping = self._mapping(config, source)
        self.modes = {
            remote_field(self.table, n, "conversions").name: m
            for n, m in config.conversions.items()
        }
        for name, mode in self.modes.items():
            conversions.check(self.table.require_field(name), mode)
        self.key = self._key(config)
        self.match_on = self._match_on(config.match_on)
        self.tally: Counter[str] = Counter()  # inserted / updated / matched, this attempt
        self._warn_in_doubt(ctx)

    def _mapping(
        self, config: CrmActivityConfig, source: Population
    ) -> list[tuple[RemoteField, str, bool]]:
        mapped = []
        for remote, column in config.mapping.items():
            field = remote_field(self.table, remote, "mapping")
            name = source_column(source, column, f"mapping of {field.name}")
            aware = bool(getattr(source.table.c[name].type, "timezone", True))
            mapped.append((field, name, aware))
        return mapped

    def _name(self, given: str | None, option: str) -> str | None:
        return remote_field(self.table, given, option).name if given else None

    def _match_on(self, given: str | None) -> str | None:
        name = self._name(given, "match_on")
        field = self.table.field(name) if name else None
        if field and (field.kind not in TEXT_KINDS or not field.filterable):
            raise UsageError(
                f"match_on {name} must be a filterable text field (it is {field.kind})", field=name
            )
        return name

    def _key(self, config: CrmActivityConfig) -> str | None:
        if not config.key:
            return None
        field = remote_field(self.table, config.key, "key")
        key = field.name
        if key != self.table.key_field and not field.external_id:
            raise UsageError(
                f"key {key} on {self.table.name} is not an external ID field: "
                f"use one, or {self.table.key_field}"
            )
        return key

    @property
    def updates_by_id(self) -> bool:
        id_mapped = any(f.name == self.table.key_field for f, _, _ in self.mapping)
        return self.key == self.table.key_field or (self.key is None and id_mapped)

    def _warn_in_doubt(self, ctx: RunContext) -> None:
        if (self.key and self.key != self.table.key_field) or self.match_on:
            return
        ctx.log(
            "export inserts without a key or match_on: if the run crashes while calls "
            "are in flight, rerunning it may insert their rows twice; map an "
            "external ID as key, or set match_on",
            "warning",
        )

    def summary(self, succeeded: int, rejected: int) -> str:
        """The log line: what this export inserted, updated, matched and rejected."""
        done = self.tally["inserted"] + self.tally["updated"] + self.tally["matched"]
        text = (
            f"export to {self.table.name}: {self.tally['inserted']} inserted, "
            f"{self.tally['updated']} updated, {self.tally['matched']} matched "
            f"(already present), {rejected} rejected"
        )
        replayed = succeeded - done
        if replayed > 0:
            text += f"; {replayed} more written by an earlier attempt (from the journal)"
        return text

    # -- sending ----------------------------------------------------------------------
    def send(self, rows: list[dict]) -> Iterator[Result]:
        records, groups = self._records(rows)
        for index, record in enumerate(records):
            if isinstance(record, Reject):
                yield Result(index, None, False, error=record)
        for mode, positions in groups.items():
            # a grouped position holds a record, never a Reject
            grouped = [(p, cast("dict[str, Any]", records[p])) for p in positions]
            yield from self._write(mode, grouped)

    def _records(
        self, rows: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any] | Reject], dict[WriteMode, list[int]]]:
        records: list = []
        groups: dict[WriteMode, list[int]] = {}
        for index, row in enumerate(rows):
            record = self._record(row)
            records.append(record)
            if not isinstance(record, Reject):
                groups.setdefault(self._mode(record), []).append(index)
        return records, groups

    def _record(self, row: dict) -> dict | Reject:
        record = {}
        for field, column, aware in self.mapping:
            mode = self.modes.get(field.name, "default")
            try:
                value = conversions.to_crm(row.get(column), field, mode, self.tz, aware)
            except conversions.ConversionFailed as exc:
                return Reject("CONVERSION_ERROR", str(exc), (field.name,))
            record[field.name] = value
        return record

    def _mode(self, record: dict) -> WriteMode:
        if self.key and self.key != self.table.key_field:
            return WriteMode.UPSERT
        if self.updates_by_id and record.get(self.table.key_field):
            return WriteMode.UPDATE
        record.pop(self.table.key_field, None)
        return WriteMode.INSERT

    def _write(self, mode: WriteMode, items: list[tuple[int, dict]]) -> Iterator[Result]:
        match_on = self.match_on
        if mode == WriteMode.INSERT and match_on:
            existing = self._existing(items, match_on)
            present = [(p, existing.get(self._folded(r.get(match_on)))) for p, r in items]
            matched = [Result(p, found, True, False) for p, found in present if found]
            self.tally["matched"] += len(matched)
            yield from matched
            items = [item for item, (_, found) in zip(items, present, strict=True) if not found]
        if not items:
            return
        key = self.key if mode == WriteMode.UPSERT else None
        results = self.connector.write(self.table.name, [r for _, r in items], mode, key)
        for result in results:
            position = items[result.index][0]
            if result.success:
                self.tally["inserted" if result.created else "updated"] += 1
            yield Result(position, result.id, result.success, result.created, result.error)

    def _folded(self, value: Any) -> str:
        """A match_on value as `_existing` keys it: lower-cased when the CRM compares
        text without case (`case_insensitive_match`), as it is otherwise."""
        text = str(value)
        return text.lower() if self.capabilities.case_insensitive_match else text

    def _existing(self, items: list[tuple[int, dict]], match_on: str) -> dict:
        """match_on value (`_folded`) -> the id of a record already holding it."""
        values = sorted({str(r[match_on]) for _, r in items if r.get(match_on)})
        found: dict = {}
        key = self.table.key_field
        per_query = self.capabilities.match_values_per_query
        for start in range(0, len(values), per_query):
            chunk = values[start : start + per_query]
            where = ast.InList(match_on, tuple(ast.String(v) for v in chunk))
            for batch in self.connector.read(self.table.name, [key, match_on], where=where):
                found.update((self._folded(row[match_on]), row[key]) for row in batch)
        return found
