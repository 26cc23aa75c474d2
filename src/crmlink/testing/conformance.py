"""What every connector must do, as pytest tests (in the manner of singer-sdk's
standard tests). Subclass `ConnectorConformance` and give two class-scoped fixtures:
`connector` (a connector opened on a sandbox) and `spec` (a `ConformanceSpec`)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from crmlink.connectors.base import Connector
from crmlink.errors import FilterError
from crmlink.filters import ast, parse
from crmlink.model import FieldKind, ReadCursor, RemoteTable, WriteMode


@dataclass(frozen=True)
class ConformanceSpec:
    table: str  # e.g. Contact
    text_field: str  # a createable, filterable text field, e.g. LastName
    bad_field: str  # a field that rejects `bad_value`, e.g. Email
    bad_value: object = "not-an-email"
    required: dict = field(default_factory=dict)  # other values a new row needs
    external_id: str | None = None  # an external ID field for upserts
    # Moves the CRM's clock (sandboxes): deletion windows close at the minute.
    advance_clock: Callable[[float], None] | None = None
    # Rows written in one call share one modified stamp (true of sObject Collections).
    one_write_one_stamp: bool = True


def _rows(
    connector: Connector, spec: ConformanceSpec, fields: list[str], **kw: Any
) -> list[dict[str, Any]]:
    return [row for batch in connector.read(spec.table, fields, **kw) for row in batch]


def _modified(table: RemoteTable) -> str:
    """The table's modified field, which every conformance table has."""
    assert table.modified_field is not None, f"{table.name} has no modified field"
    return table.modified_field


def _marker() -> str:
    return "conf-" + uuid.uuid4().hex[:12]


class ConnectorConformance:
    """The protocol, one behaviour per test."""

    def _insert(self, connector: Connector, spec: ConformanceSpec, values: list[str]) -> list[str]:
        rows = [{**spec.required, spec.text_field: v} for v in values]
        results = list(connector.write(spec.table, rows, WriteMode.INSERT))
        assert [r.success for r in results] == [True] * len(rows), results
        ids = [r.id for r in results if r.id is not None]
        assert len(ids) == len(rows), results
        return ids

    def _fields(self, connector: Connector, spec: ConformanceSpec) -> list[str]:
        table = connector.describe(spec.table)
        return [table.key_field, spec.text_field, _modified(table)]

    def test_identity(self, connector: Connector) -> None:
        who = connector.identity()
        assert who.org_id and who.user and who.api_version
        assert who.instance_url.startswith("https://")

    def test_list_tables_has_the_table(self, connector: Connector, spec: ConformanceSpec) -> None:
        names = {t.name for t in connector.list_tables()}
        assert spec.table in names

    def test_describe_has_key_modified_and_kinds(
        self, connector: Connector, spec: ConformanceSpec
    ) -> None:
        table = connector.describe(spec.table)
        assert table.require_field(table.key_field).kind == FieldKind.ID
        assert table.require_field(_modified(table)).kind == FieldKind.DATETIME
        assert table.field(spec.text_field) is not None
        assert all(isinstance(f.kind, FieldKind) for f in table.fields)

    def test_unknown_table_is_not_found(self, connector: Connector, spec: ConformanceSpec) -> None:
        from crmlink.errors import NotFoundError

        with pytest.raises(NotFoundError) as caught:
            connector.describe(spec.table + "x")
        assert spec.table in caught.value.message

    def test_read_returns_batches_with_python_types(
        self, connector: Connector, spec: ConformanceSpec
    ) -> None:
        fields = self._fields(connector, spec)
        batches = list(connector.read(spec.table, fields))
        rows = [row for batch in batches for row in batch]
        assert rows and all(isinstance(b, list) and b for b in batches)
        assert len({r[fields[0]] for r in rows}) == len(rows)
        for row in rows:
            assert set(row) == set(fields)
            assert isinstance(row[fields[0]], str)
            assert isinstance(row[fields[2]], dt.datetime) and row[fields[2]].tzinfo

    def test_filter_with_unknown_field_names_it(
        self, connector: Connector, spec: ConformanceSpec
    ) -> None:
        with pytest.raises(FilterError) as caught:
            list(connector.read(spec.table, self._fields(connector, spec), where=parse("Nope = 1")))
        assert "'Nope'" in caught.value.message

    def test_an_unbound_variable_is_refused_not_rendered(
        self, connector: Connector, spec: ConformanceSpec
    ) -> None:
        where = parse(f"{spec.text_field} = {{{{who}}}}")
        with pytest.raises(FilterError) as caught:
            list(connector.read(spec.table, self._fields(connector, spec), where=where))
        assert "{{who}}" in caught.value.message

    def test_read_by_ids(self, connector: Connector, spec: ConformanceSpec) -> None:
        ids = self._insert(connector, spec, [_marker(), _marker()])
        rows = _rows(connector, spec, self._fields(connector, spec), ids=ids)
        assert sorted(r[connector.describe(spec.table).key_field] for r in rows) == sorted(ids)

    def test_cursor_reads_strictly_after_and_keeps_ties(
        self, connector: Connector, spec: ConformanceSpec
    ) -> None:
        mark = _marker()
        self._insert(connector, spec, [mark] * 3)  # one call: one modified stamp
        table = connector.describe(spec.table)
        key, mod = table.key_field, _modified(table)
        where = ast.Comparison(spec.text_field, ast.Op.EQ, ast.String(mark))
        rows = _rows(connector, spec, self._fields(connector, spec), where=where)
        rows.sort(key=lambda r: (r[mod], r[key]))
        assert len(rows) == 3
        if spec.one_write_one_stamp:
            assert len({r[mod] for r in rows}) == 1, "the tie this test needs did not happen"
        first = rows[0]
        after = _rows(
            connector,
            spec,
            self._fields(connector, spec),
            where=where,
            cursor=ReadCursor(first[mod], first[key]),
        )
        assert [r[key] for r in after] == [r[key] for r in rows[1:]]
        at_start = ReadCursor(first[mod], "")
        every = _rows(connector, spec, self._fields(connector, spec), where=where, cursor=at_start)
        assert [r[key] for r in every] == [r[key] for r in rows]

    def test_write_results_in_input_order_with_rejects(
        self, connector: Connector, spec: ConformanceSpec
    ) -> None:
        good = {**spec.required, spec.text_field: _marker()}
        bad = {**good, spec.bad_field: spec.bad_value}
        results = list(connector.write(spec.table, [good, bad, good], WriteMode.INSERT))
        assert [r.index for r in results] == [0, 1, 2]
        assert [r.success for r in results] == [True, False, True]
        assert results[0].created and results[0].id
        error = results[1].error
        assert error is not None and error.code and error.message

    def test_update_changes_the_row(self, connector: Connector, spec: ConformanceSpec) -> None:
        (record_id,) = self._insert(connector, spec, [_marker()])
        new = _marker()
        key = connector.describe(spec.table).key_field
        rows = [{key: record_id, spec.text_field: new}, {spec.text_field: "no id"}]
        results = list(connector.write(spec.table, rows, WriteMode.UPDATE))
        assert [r.success for r in results] == [True, False]
        (row,) = _rows(connector, spec, [key, spec.text_field], ids=[record_id])
        assert row[spec.text_field] == new

    def test_upsert_creates_then_updates(self, connector: Connector, spec: ConformanceSpec) -> None:
        if not spec.external_id:
            pytest.skip("no external id field in the spec")
        row = {**spec.required, spec.external_id: _marker(), spec.text_field: _marker()}
        first = list(connector.write(spec.table, [row], WriteMode.UPSERT, spec.external_id))
        again = list(connector.write(spec.table, [row], WriteMode.UPSERT, spec.external_id))
        assert first[0].success and first[0].created
        assert again[0].success and not again[0].created
        assert again[0].id == first[0].id

    def test_delete_then_read_deleted(self, connector: Connector, spec: ConformanceSpec) -> None:
        start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        ids = self._insert(connector, spec, [_marker(), _marker()])
        results = list(connector.delete(spec.table, [*ids, ids[0]]))
        assert [r.success for r in results] == [True, True, False]
        assert [r.index for r in results] == [0, 1, 2]
        if spec.advance_clock:
            spec.advance_clock(120)
        window = connector.read_deleted(
            spec.table, start, dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
        )
        assert set(ids) <= {r.id for r in window.records}
        assert all(r.deleted_at.tzinfo for r in window.records)

    def test_usage_grows(self, connector: Connector, spec: ConformanceSpec) -> None:
        before = connector.usage()
        list(connector.read(spec.table, self._fields(connector, spec)))
        after = connector.usage()
        assert after.limit > 0 and after.used > before.used
