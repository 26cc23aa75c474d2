"""`operation: export`: population rows written to CRM records, each exactly once.

Write mode, per row:
- `key: <external ID field>` → upsert on it (a row without a key value is rejected,
  MISSING_KEY);
- the record id (`Id`) mapped, or `key: Id` → update the rows that have an id, insert
  the rows whose id is empty;
- neither → insert.

The connector batches (sObject Collections of 200 a call, several calls in flight; Bulk
2.0 ingest at or above its threshold, several jobs at once; Dataverse `$batch` calls in
parallel). The rows stream to it (`export_stream.py`): the population is read a page at a
time and handed over lazily, one connector call per write mode for each `batch_size` rows
(without `batch_size`, `EXPORT_BATCH`: in practice the whole population, so the
connector's parallel jobs never wait for a batch's last one), and no row is held while its
call is in flight, so memory does not grow with the row count. Results are journaled as
they come, so a rerun of a crashed run sends only what was not journaled. What a rerun
sends again is the calls that were in flight: for updates and upserts that is harmless
(same values, same records); a plain insert sent twice would create duplicates. Hence, for
inserts, give a `key` (an external ID: the export becomes an upsert, safe to repeat), or
`match_on: <mapped field>`: before inserting, crmlink looks the rows up by that field
(`MATCH_CHUNK` at a time) and does not insert those already present (reported OK with the
existing id, `created` false). With neither, a warning says that the rows of the calls in
flight may be duplicated by a rerun after a crash (`sink.py` says how many that can be).

An export that updates the rows with an id and inserts the others reads its population
twice (updates, then inserts): one stream per connector call.

The log says what the export did: `export to Contact: 3 inserted, 2 updated, 1 matched
(already present), 1 rejected` (`created` of each write result tells an insert from an
update; rows a resumed run replays from the journal are counted apart).
"""

from __future__ import annotations

import functools
import itertools
from collections import Counter, deque
from collections.abc import Iterator
from typing import Any

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
from crmlink.workflow.activities.crm.export_stream import StreamSink, Window
from crmlink.workflow.base import ActivityResult, Population, RunContext

EXPORT_BATCH = 1_000_000  # rows per connector call unless `batch_size` is given
MATCH_CHUNK = 2_000  # match_on: records looked up before they are handed on


def run_export(
    config: CrmActivityConfig, ctx: RunContext, source: Population | None
) -> ActivityResult:
    if source is None:
        raise UsageError("an export needs an upstream population: put it after a query")
    connector = ctx.connector(config.account)
    calls = connector.api_calls
    exporter = Exporter(config, ctx, source, connector)
    rejects_file = substitute(config.rejects_file, ctx.variables, "rejects_file")
    result = StreamSink(ctx, source, rejects_file).run(exporter.send, batch_rows(config))
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
        # fields whose values cross unchanged (as `to_crm` would pass them): no call per cell
        self.as_is = {
            f.name
            for f, _, _ in self.mapping
            if self.modes.get(f.name, "default") == "default"
            and conversions.crossing(f) is conversions.Crossing.AS_IS
        }
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

    @functools.cached_property  # asked once per row
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
    def send(self, window: Window) -> Iterator[tuple[int, Result]]:
        """The results of a window's rows, as (`_wk_row`, result): one connector call per
        write mode, each fed lazily from the window (read once per mode)."""
        for number, mode in enumerate(self._modes()):
            yield from self._pass(window, mode, first=number == 0)

    def _modes(self) -> list[WriteMode]:
        if self.key and self.key != self.table.key_field:
            return [WriteMode.UPSERT]
        if self.updates_by_id:
            return [WriteMode.UPDATE, WriteMode.INSERT]
        return [WriteMode.INSERT]

    def _pass(self, window: Window, mode: WriteMode, first: bool) -> Iterator[tuple[int, Result]]:
        """One connector call for the window's rows of `mode`. Results decided here (a
        conversion's reject, on the first pass; a match_on match) wait in `aside` and are
        given between the connector's, so none waits longer than a call's answer."""
        aside: deque[tuple[int, Result]] = deque()

        def records() -> Iterator[tuple[int, dict]]:
            for key, row in window:
                record = self._record(row)
                if isinstance(record, Reject):
                    if first:
                        aside.append((key, Result(0, None, False, error=record)))
                elif self._mode(record) == mode:
                    yield key, record

        stream = records()
        if mode == WriteMode.INSERT and self.match_on:
            stream = self._unmatched(stream, self.match_on, aside)
        numbered = _Numbered(stream, len(window))
        key = self.key if mode == WriteMode.UPSERT else None
        for result in self.connector.write(self.table.name, numbered, mode, key):
            yield from _drain(aside)
            if result.success:
                self.tally["inserted" if result.created else "updated"] += 1
            row = numbered.keys.pop(result.index)
            yield row, Result(result.index, result.id, result.success, result.created, result.error)
        yield from _drain(aside)

    def _unmatched(
        self, stream: Iterator[tuple[int, dict]], match_on: str, aside: deque[tuple[int, Result]]
    ) -> Iterator[tuple[int, dict]]:
        """The records no CRM record already holds the match_on value of, looked up
        `MATCH_CHUNK` at a time; the others are results (OK, the existing id, not created)."""
        while chunk := list(itertools.islice(stream, MATCH_CHUNK)):
            existing = self._existing(chunk, match_on)
            for key, record in chunk:
                found = existing.get(self._folded(record.get(match_on)))
                if found:
                    self.tally["matched"] += 1
                    aside.append((key, Result(0, found, True, False)))
                else:
                    yield key, record

    def _record(self, row: dict) -> dict | Reject:
        record = {}
        for field, column, aware in self.mapping:
            if field.name in self.as_is:
                record[field.name] = row.get(column)
                continue
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


class _Numbered:
    """The records of one connector call, sized for the connector's job sizing (`len` is
    an upper bound), remembering each input position's `_wk_row` until its result comes."""

    def __init__(self, stream: Iterator[tuple[int, dict]], size: int) -> None:
        self.stream, self.size = stream, size
        self.keys: dict[int, int] = {}  # input position -> _wk_row, while in flight

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[dict]:
        for position, (key, record) in enumerate(self.stream):
            self.keys[position] = key
            yield record


def _drain(aside: deque[tuple[int, Result]]) -> Iterator[tuple[int, Result]]:
    while aside:
        yield aside.popleft()
