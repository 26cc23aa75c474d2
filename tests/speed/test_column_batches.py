"""The import's column path: a Bulk batch carries its columns, the loader takes them as
they are and hands columns to the inserter, whose SQLite binds of datetimes, dates and
booleans are C methods. Each shortcut must store exactly what the slow path stores."""

from __future__ import annotations

import datetime as dt
import gc
import threading
from decimal import Decimal

import pytest
from sqlalchemy import Boolean, Date, DateTime, Integer, Numeric, String, Text
from sqlalchemy.dialects.sqlite import pysqlite

from crmlink.connectors.batches import ColumnBatch
from crmlink.connectors.salesforce import pages, values
from crmlink.model import FieldKind, RemoteField, RemoteTable
from crmlink.workflow.activities.crm import inserts, prefetch
from crmlink.workflow.activities.crm.gate import Rejects
from crmlink.workflow.activities.crm.loader import Loader
from tests.speed.test_loader import COLUMNS, HOSTILE, Ctx, fields, record, stored

K = FieldKind
DATETIMES = [
    "2024-05-01T10:30:15.123+0000",
    "2024-05-01T10:30:15.000Z",
    "2024-05-01T23:30:15.999+0100",  # another offset: read to UTC like values does
    "2024-05-01T10:30:15",  # no offset: whatever values makes of it
    "0999-01-02T03:04:05.006+0000",
]


def table() -> RemoteTable:
    fields = (
        RemoteField("Id", "Id", "id", K.ID),
        RemoteField("Name", "Name", "string", K.STRING),
        RemoteField("Stamp", "Stamp", "datetime", K.DATETIME),
        RemoteField("Flag", "Flag", "boolean", K.BOOLEAN),
        RemoteField("Day", "Day", "date", K.DATE),
        RemoteField("Score", "Score", "double", K.DOUBLE),
    )
    return RemoteTable("Thing", "Thing", False, "Id", "Stamp", fields)


def test_a_bulk_batch_carries_columns_equal_to_its_rows():
    header = ["Id", "Name", "Stamp", "Flag", "Day", "Score", "Extra"]
    cells = [
        ["1", "a", DATETIMES[0], "true", "2024-01-02", "1.5", "x"],
        ["2", "", "", "false", "", "", ""],
        ["3", "b", DATETIMES[2], "TRUE", "2024-01-03", "2", "y"],
    ]
    batch = pages.batch_reader(table(), header)(cells)
    assert isinstance(batch, list)
    assert set(batch.columns) == set(header)
    for name, column in batch.columns.items():
        assert column == [row[name] for row in batch]
    assert batch.columns["Flag"] == [True, False, True]  # TRUE as values reads it
    assert batch[1] == dict.fromkeys(header[1:], None) | {"Id": "2", "Flag": False}
    assert pages.batch_reader(table(), header)([]).columns == dict.fromkeys(header, [])


HEADER = ["Id", "Name", "Stamp", "Flag", "Day", "Score"]
CELLS = [
    ["1", "a", DATETIMES[0], "true", "2024-01-02", "1.5"],
    ["2", "", "", "false", "", ""],
    ["3", "b", DATETIMES[2], "TRUE", "2024-01-03", "2"],
]


def test_a_batch_made_without_its_dicts_fills_to_exactly_the_rows_of_one_made_with():
    eager = pages.batch_reader(table(), HEADER)(CELLS)
    lazy = pages.batch_reader(table(), HEADER, rows=False)(CELLS)
    assert (len(lazy), list.__len__(lazy)) == (3, 0)  # counted, no dicts made
    assert lazy.columns == eager.columns and lazy.texts == eager.texts
    lazy.fill()
    lazy.fill()  # once
    assert list(lazy) == list(eager) and list.__len__(lazy) == 3


@pytest.mark.parametrize("columnar", [False, True])
def test_batches_fill_column_batches_unless_their_consumer_reads_only_columns(columnar):
    from crmlink.connectors.batches import Batches

    lazy = pages.batch_reader(table(), HEADER, rows=False)
    batches = Batches(lambda _: iter([lazy(CELLS), lazy(CELLS[:1])]))
    batches.columnar = columnar
    got = list(batches)
    assert [len(b) for b in got] == [3, 1]
    eager = pages.batch_reader(table(), HEADER)
    if columnar:
        assert [list.__len__(b) for b in got] == [0, 0]
    else:
        assert [list(b) for b in got] == [list(eager(CELLS)), list(eager(CELLS[:1]))]


@pytest.mark.parametrize("text", DATETIMES)
def test_bulk_datetimes_read_as_values_reads_them(text):
    read = pages.batch_reader(table(), ["Stamp"])
    expected = values.reader(K.DATETIME)(text)
    got = read([[text]])[0]["Stamp"]
    assert (got, got.tzinfo) == (expected, expected.tzinfo)


def test_a_bulk_datetime_values_cannot_read_is_refused_alike():
    with pytest.raises(ValueError):
        pages.batch_reader(table(), ["Stamp"])([["not a date"]])


SQLITE = pysqlite.dialect()
BINDS = [
    (
        DateTime(timezone=True),
        [
            dt.datetime(2024, 5, 1, 10, 30, 15, 123000, tzinfo=dt.UTC),
            dt.datetime(2024, 5, 1, 10, 30, 15),
            dt.datetime(999, 1, 2, 3, 4, 5, 6),
            dt.datetime(2024, 5, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            dt.date(2024, 5, 1),  # a date in a datetime column: SQLAlchemy's own path
            None,
        ],
    ),
    (Date(), [dt.date(2024, 5, 1), dt.date(5, 1, 2), dt.datetime(2024, 5, 1, 23, 59), None]),
    (Boolean(), [True, False, None, 1, 0]),
    (Numeric(8, 2), [Decimal("12.34"), None]),
    (Integer(), [1, None]),
]


@pytest.mark.parametrize(("type_", "cells"), BINDS, ids=lambda v: type(v).__name__)
def test_column_binds_are_exactly_sqlalchemys(type_, cells):
    impl = type_.dialect_impl(SQLITE)
    process = impl.bind_processor(SQLITE)
    column = inserts.column_processor(impl, SQLITE)
    if process is None:
        assert column is None
        return
    assert column is not None
    assert column(list(cells)) == [None if v is None else process(v) for v in cells]


def test_the_c_methods_are_taken_only_for_default_sqlite_storage():
    for type_ in (DateTime(timezone=True), Date(), Boolean()):
        assert inserts._sqlite_fast(type_.dialect_impl(SQLITE), SQLITE) is not None
    custom = pysqlite.DATETIME(storage_format="%(year)04d/%(month)02d/%(day)02d")
    assert inserts._sqlite_fast(custom, SQLITE) is None
    assert inserts._sqlite_fast(String(5), SQLITE) is None
    assert inserts._sqlite_fast(Text(), SQLITE) is None


@pytest.fixture
def two_loaders(database):
    with database.engine.connect() as conn:
        ctx = Ctx(conn)
        made = []
        for name in ("dicts", "columns"):
            writer = ctx.new_population(name, COLUMNS)
            rejects = Rejects(ctx, "Id")
            made.append((writer, rejects, Loader(writer, COLUMNS, fields(), "Id", rejects, dt.UTC)))
        yield conn, made


def column_batch(rows: list[dict]) -> ColumnBatch:
    batch = ColumnBatch(rows)
    names = {name for row in rows for name in row}
    batch.columns = {name: [row.get(name) for row in rows] for name in names}
    return batch


def test_a_column_batch_loads_exactly_as_its_rows_do_rejects_included(two_loaders):
    conn, [(plain, plain_rejects, by_rows), (columnar, col_rejects, by_columns)] = two_loaders
    rows = [record(n, text) for n, text in enumerate(HOSTILE)]
    rows += [record(90, "NUL\x00"), record(91, "x", Name="n" * 21), record(92, None, Day=None)]
    lacking = record(93, "no count")
    del lacking["Count"]
    rows.append(lacking)
    by_rows.append(rows)
    by_columns.append(column_batch(rows))
    conn.commit()
    assert stored(conn, columnar) == stored(conn, plain)
    assert len(stored(conn, plain)) == len(rows) - 2
    assert stored(conn, col_rejects.writer) == stored(conn, plain_rejects.writer)
    assert stored(conn, plain)[-1]["Count"] is None


def test_fewer_collections_raises_the_threshold_and_the_last_one_out_restores_it():
    before = gc.get_threshold()
    inside: list[tuple[int, ...]] = []
    entered, release = threading.Barrier(2), threading.Event()

    def other() -> None:
        with prefetch.fewer_collections(40_000):
            entered.wait(5)
            release.wait(5)

    thread = threading.Thread(target=other)
    thread.start()
    with prefetch.fewer_collections(40_000):
        entered.wait(5)
        inside.append(gc.get_threshold())
    inside.append(gc.get_threshold())  # the other import still loads
    release.set()
    thread.join(5)
    assert inside[0][0] == inside[1][0] == max(40_000, before[0])
    assert gc.get_threshold() == before


def test_fewer_collections_leaves_a_disabled_threshold_alone():
    before = gc.get_threshold()
    gc.set_threshold(0)
    try:
        with prefetch.fewer_collections():
            assert gc.get_threshold()[0] == 0
    finally:
        gc.set_threshold(*before)


@pytest.mark.parametrize("count", [49, 50, 51, 123, 1000])
def test_multi_row_inserts_keep_every_row_once_in_order(database, count):
    with database.engine.connect() as conn:
        ctx = Ctx(conn)
        writer = ctx.new_population("ok", COLUMNS)
        loader = Loader(writer, COLUMNS, fields(), "Id", Rejects(ctx, "Id"), dt.UTC)
        rows = [record(n, f"note {n}") for n in range(count)]
        loader.append(rows[:7])  # a short batch first: numbering goes on after it
        loader.append(column_batch(rows[7:]))
        conn.commit()
        kept = stored(conn, writer)
    assert [r["_wk_row"] for r in kept] == list(range(1, count + 1))
    assert [(r["Id"], r["Notes"], r["Count"]) for r in kept] == [
        (r["Id"], r["Notes"], r["Count"]) for r in rows
    ]


TEXTS = [
    ("2024-05-01T10:30:15.123+0000", "", "0999-01-02T03:04:05.006Z"),
    ("2024-05-01T10:30:15.123+0000", "2024-05-01T23:30:15.999+0100"),  # one not in UTC
    ("2024-05-01T10:30:15+0000",),  # no milliseconds: not Salesforce's own shape
    ("", ""),
]


@pytest.mark.parametrize("texts", TEXTS)
def test_datetimes_bound_from_their_bulk_text_are_exactly_the_values_binds(texts):
    impl = DateTime(timezone=True).dialect_impl(SQLITE)
    from_texts = inserts._texts_processor(impl, SQLITE)
    assert from_texts is not None
    cells = pages.batch_reader(table(), ["Stamp"])([[t] for t in texts]).columns["Stamp"]
    process = impl.bind_processor(SQLITE)
    assert from_texts(cells, texts) == [None if v is None else process(v) for v in cells]


WEB_API_TEXTS = [
    ("2024-05-01T10:30:15Z", "0999-01-02T03:04:05Z"),  # no null: one pass over the column
    ("2024-05-01T10:30:15Z", None, "2024-12-31T23:59:59Z"),
    ("2024-05-01T10:30:15Z", "2024-05-01T10:30:15.5Z"),  # a fraction: not one shape
    ("2024-05-01T10:30:15Z", "2024-05-01T10:30:15.123Z"),  # Salesforce's beside the Web API's
    ("2024-05-01T11:30:15+01:00",),  # not in UTC
]


@pytest.mark.parametrize("texts", WEB_API_TEXTS)
def test_datetimes_bound_from_their_web_api_text_are_exactly_the_values_binds(texts):
    from crmlink.connectors.dynamics.values import column_reader

    stamp = RemoteField("modifiedon", "Modified On", "datetime", FieldKind.DATETIME)
    dv_table = RemoteTable("contact", "Contact", False, "contactid", None, (stamp,))
    page = column_reader(dv_table, ["modifiedon"])([{"modifiedon": t} for t in texts])
    cells, given = page.columns["modifiedon"], page.texts["modifiedon"]
    impl = DateTime(timezone=True).dialect_impl(SQLITE)
    from_texts = inserts._texts_processor(impl, SQLITE)
    assert from_texts is not None
    process = impl.bind_processor(SQLITE)
    assert from_texts(cells, given) == [None if v is None else process(v) for v in cells]


def test_a_web_api_datetime_column_is_stored_without_a_call_per_value(monkeypatch):
    calls = []
    monkeypatch.setattr(inserts, "_datetime_text", lambda v: calls.append(v) or "")
    impl = DateTime(timezone=True).dialect_impl(SQLITE)
    from_texts = inserts._texts_processor(impl, SQLITE)
    assert from_texts is not None
    texts = ["2024-05-01T10:30:15Z", "2025-01-02T03:04:05Z"]
    moments = [dt.datetime.fromisoformat(t) for t in texts]
    stored = ["2024-05-01 10:30:15.000000", "2025-01-02 03:04:05.000000"]
    assert from_texts(moments, texts) == stored
    assert calls == []  # by the column's text, not the values' processor


def test_only_sqlite_datetimes_are_bound_from_text():
    assert inserts._texts_processor(Date().dialect_impl(SQLITE), SQLITE) is None
    assert inserts._texts_processor(String(5), SQLITE) is None


BULK_HEADER = ["Id", "Name", "Notes", "Stamp", "Day", "Amount", "Flag", "Count"]


def bulk_table() -> RemoteTable:
    return RemoteTable("Thing", "Thing", False, "Id", "Stamp", tuple(f for f, _, _ in fields()))


STAMPS = [
    "2024-05-01T10:30:15.123+0000",
    "",
    "2024-05-01T10:30:15.000Z",
    "2024-12-31T23:59:59.999+0000",
    "2024-05-01T10:00:00.000+0000",
    "0999-01-02T03:04:05.006+0000",
    "2024-05-01T10:30:15.123+0000",
    "",
]
MIXED = [*STAMPS[:4], "2024-05-01T12:00:00.000+0200", *STAMPS[5:]]  # the column's slow path


@pytest.mark.parametrize("stamps", [STAMPS, MIXED], ids=["utc", "mixed"])
@pytest.mark.parametrize("mode", ["default", "without_time_offset"])
def test_a_bulk_batch_with_its_texts_loads_exactly_as_its_rows_do(database, mode, stamps):
    csv_rows = [
        [f"003{n:015d}", f"n{n}", text, stamp, "2024-01-02", "12.34", "true", str(n)]
        for n, (text, stamp) in enumerate(zip(HOSTILE, stamps, strict=True))
    ]
    batch = pages.batch_reader(bulk_table(), BULK_HEADER)(csv_rows)
    assert batch.plain == {"Id", "Name", "Notes"}  # text kinds: their values are the texts
    assert set(batch.texts) == {"Stamp", *batch.plain}
    with database.engine.connect() as conn:
        ctx = Ctx(conn)
        stored_by = []
        for name, given in (("rows", list(batch)), ("columns", batch)):
            columns = COLUMNS
            if mode != "default":
                columns = [
                    c if c.name != "Stamp" else type(c)("Stamp", DateTime()) for c in COLUMNS
                ]
            writer = ctx.new_population(name, columns)
            chosen = [(f, c, mode if c == "Stamp" else "default") for f, c, _ in fields()]
            Loader(writer, columns, chosen, "Id", Rejects(ctx, "Id"), dt.UTC).append(given)
            conn.commit()
            raw = f'SELECT "Stamp", "Day", "Flag" FROM "{writer.table.name}" ORDER BY "_wk_row"'
            stored_by.append((stored(conn, writer), conn.exec_driver_sql(raw).all()))
    assert stored_by[0] == stored_by[1]  # the values, and what the database holds as such
    assert len(stored_by[0][0]) == len(csv_rows)
