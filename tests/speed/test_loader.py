"""The import's loader on a real database (SQLite: the DB-API `executemany`; PostgreSQL:
`COPY … FROM STDIN` through psycopg 3): hostile text arrives byte for byte, values keep
their types, and what a column cannot hold is a reject naming the field."""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal

import pytest
from sqlalchemy import Boolean, Date, DateTime, Integer, Numeric, String, Text, select

from crmlink.db import open_database
from crmlink.model import FieldKind, RemoteField
from crmlink.workflow import populations
from crmlink.workflow.activities.crm import inserts
from crmlink.workflow.activities.crm.gate import Rejects
from crmlink.workflow.activities.crm.loader import Loader
from crmlink.workflow.base import ColumnSpec

K = FieldKind
COLUMNS = [
    ColumnSpec("Id", String(18)),
    ColumnSpec("Name", String(20)),
    ColumnSpec("Notes", Text()),
    ColumnSpec("Stamp", DateTime(timezone=True)),
    ColumnSpec("Day", Date()),
    ColumnSpec("Amount", Numeric(8, 2)),
    ColumnSpec("Flag", Boolean()),
    ColumnSpec("Count", Integer()),
]
KINDS = [K.ID, K.STRING, K.TEXT, K.DATETIME, K.DATE, K.DECIMAL, K.BOOLEAN, K.INTEGER]
HOSTILE = [
    "tab\there",
    "new\nline and cr\r\nlf",
    "back\\slash \\N \\. \\t",
    "\\N",
    '"quoted", comma; semi',
    "ünïcödé ✓ \u2028 \U0001f600",
    "",
    "E'\\x41' $$ ); DROP TABLE x; --",
]
STAMP = dt.datetime(2024, 5, 1, 10, 30, 15, 123000, tzinfo=dt.UTC)


class Ctx:
    """The part of a RunContext the loader and its rejects use."""

    def __init__(self, conn) -> None:
        self.conn = conn

    def new_population(self, output: str, columns: list[ColumnSpec]):
        return populations.Writer(
            self.conn, populations.create(self.conn, f"wk_1_t_{output}", columns)
        )


def fields() -> list[tuple[RemoteField, str, str]]:
    return [
        (RemoteField(c.name, c.name, "t", k), c.name, "default")
        for c, k in zip(COLUMNS, KINDS, strict=True)
    ]


def record(n: int, notes, **changes) -> dict:
    row = {
        "Id": f"003{n:015d}",
        "Name": f"name {n}",
        "Notes": notes,
        "Stamp": STAMP + dt.timedelta(seconds=n),
        "Day": dt.date(2024, 1, 1) + dt.timedelta(days=n),
        "Amount": Decimal("12.34"),
        "Flag": n % 2 == 0,
        "Count": n,
    }
    return row | changes


@pytest.fixture
def loaded(database):
    with database.engine.connect() as conn:
        ctx = Ctx(conn)
        writer = ctx.new_population("ok", COLUMNS)
        rejects = Rejects(ctx, "Id")
        loader = Loader(writer, COLUMNS, fields(), "Id", rejects, dt.UTC)
        yield conn, writer, rejects, loader


def stored(conn, writer) -> list[dict]:
    table = writer.table
    rows = conn.execute(select(table).order_by(table.c["_wk_row"])).mappings()
    return [dict(r) for r in rows]


def test_hostile_text_arrives_byte_for_byte_with_types_kept(loaded):
    conn, writer, _, loader = loaded
    batch = [record(n, text) for n, text in enumerate(HOSTILE)] + [record(99, None, Name=None)]
    loader.append(batch[:3])
    loader.append(batch[3:])
    conn.commit()
    rows = stored(conn, writer)
    assert [r["_wk_row"] for r in rows] == list(range(1, len(batch) + 1))
    assert [r["Notes"] for r in rows] == [*HOSTILE, None]
    first = rows[0]
    assert first["Stamp"].replace(tzinfo=dt.UTC) == STAMP  # SQLite keeps no zone
    assert (first["Day"], first["Amount"], first["Flag"], first["Count"]) == (
        dt.date(2024, 1, 1),
        Decimal("12.34"),
        True,
        0,
    )
    assert rows[-1]["Name"] is None


def test_the_fast_path_of_each_database_is_taken(loaded, database_url):
    _, _, _, loader = loaded
    expected = inserts._Copy if database_url.startswith("postgresql") else inserts._Sqlite
    assert type(loader.inserter) is expected


def test_values_a_column_cannot_hold_are_rejects_naming_the_first_bad_field(loaded):
    conn, writer, rejects, loader = loaded
    batch = [
        record(1, "fine"),
        record(2, "NUL \x00 inside"),
        record(3, "x", Name="n" * 21),
        record(4, "x", Count=2**40),
        record(5, "x", Amount=Decimal("1234567.5")),
        record(6, "NUL\x00", Name="n" * 21),  # both bad: the first column in order wins
        record(7, "also fine"),
    ]
    loader.append(batch)
    conn.commit()
    assert [r["Id"] for r in stored(conn, writer)] == [batch[0]["Id"], batch[6]["Id"]]
    refused = stored(conn, rejects.writer)
    assert [(r["Id"], r["error_symbol"]) for r in refused] == [
        (batch[1]["Id"], "Notes"),
        (batch[2]["Id"], "Name"),
        (batch[3]["Id"], "Count"),
        (batch[4]["Id"], "Amount"),
        (batch[5]["Id"], "Name"),
    ]
    assert refused[0]["error_message"] == (
        "Notes: a NUL character at position 5, which no text column holds"
    )
    assert refused[1]["error_message"] == "Name: 21 characters, more than the column's 20"
    assert rejects.count == 5


def test_rows_lacking_a_field_load_it_as_null(loaded):
    conn, writer, _, loader = loaded
    row = record(1, "x")
    del row["Count"]
    loader.append([row])
    conn.commit()
    assert stored(conn, writer)[0]["Count"] is None


def test_sqlite_batches_cut_into_statements_keep_every_row_in_order(tmp_path):
    """A batch goes in as statements of `per` rows and one statement of the rows left
    over; `per` fits the connection's variable limit (999 before SQLite 3.32)."""
    with open_database(f"sqlite:///{tmp_path / 'cut.db'}") as db, db.engine.connect() as conn:
        conn.connection.driver_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
        ctx = Ctx(conn)
        writer = ctx.new_population("cut", COLUMNS)
        loader = Loader(writer, COLUMNS, fields(), "Id", Rejects(ctx, "Id"), dt.UTC)
        assert loader.inserter.per == 999 // (len(COLUMNS) + 1)  # `_wk_row` is bound too
        loader.inserter.per = 4
        sizes = [11, 3, 4, 1, 250]
        start = 0
        for size in sizes:
            loader.append([record(n, f"n{n}") for n in range(start, start + size)])
            start += size
        conn.commit()
        rows = stored(conn, writer)
    assert [r["_wk_row"] for r in rows] == list(range(1, sum(sizes) + 1))
    assert [r["Notes"] for r in rows] == [f"n{n}" for n in range(sum(sizes))]
    assert [r["Count"] for r in rows] == list(range(sum(sizes)))


@pytest.mark.parametrize(
    ("ids", "ascending"),
    [
        ([[1, 2, 3], [4, 5], [9]], True),
        ([[1, 2, 3], [3, 4]], False),  # the last key of a batch comes again
        ([[1, 2, 2], [4]], False),  # twice within a batch
        ([[1, 3, 2]], False),  # out of order: doubles can no longer be ruled out
        ([[5], [4]], False),
        ([[1], [None], [2]], False),  # a key that does not compare
    ],
)
def test_keys_read_in_ascending_order_rule_out_records_read_twice(loaded, ids, ascending):
    """`Loader.ascending`: every key above the one before, so the import skips its
    search for records read twice; anything else keeps the search."""
    _, _, _, loader = loaded
    for batch in ids:
        loader.append([record(0, None, Id=None if i is None else f"003{i:015d}") for i in batch])
    assert loader.ascending is ascending


def test_held_rows_are_written_in_one_go_in_order_and_flush_writes_the_rest(loaded, database_url):
    """`Loader.hold`: PostgreSQL keeps rows back until enough for one COPY (or `flush`);
    SQLite, whose statements cost no round trip, writes each batch at once."""
    conn, writer, _, loader = loaded
    loader.hold(10)
    keeps_back = database_url.startswith("postgresql")

    def count() -> int:
        return len(stored(conn, writer))

    loader.append([record(n, f"n{n}") for n in range(4)])
    loader.append([record(n, f"n{n}") for n in range(4, 8)])
    assert count() == (0 if keeps_back else 8)
    loader.append([record(n, f"n{n}") for n in range(8, 12)])  # 12 rows: past the 10
    assert count() == 12
    loader.append([record(n, f"n{n}") for n in range(12, 14)])
    assert count() == (12 if keeps_back else 14)
    loader.flush()
    conn.commit()
    rows = stored(conn, writer)
    assert [r["_wk_row"] for r in rows] == list(range(1, 15))
    assert [r["Notes"] for r in rows] == [f"n{n}" for n in range(14)]


def test_rows_left_over_go_in_statements_of_a_few_sizes_only():
    """The driver keeps every statement text it prepared: leftovers a power of two at a
    time, so batches of any size share at most log2(per) + 1 statements."""
    assert inserts._powers_of_two(137) == [128, 8, 1]
    assert inserts._powers_of_two(0) == [] and inserts._powers_of_two(256) == [256]
    sizes = {part for n in range(1, 500) for part in inserts._powers_of_two(n)}
    assert sizes == {1, 2, 4, 8, 16, 32, 64, 128, 256}
