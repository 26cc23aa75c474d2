"""The facts a Bulk batch carries about its columns (`plain`, `longest`, `utc`,
`nul_free`) and the whole-column shortcuts that use them: each shortcut must give exactly
what the cell-by-cell path gives, and a fact that does not hold must never let a bad value
through (a text longer than its column, a NUL)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3

import pytest
from sqlalchemy import DateTime

from crmlink.connectors.salesforce import pages, values
from crmlink.model import FieldKind, RemoteField, RemoteTable
from crmlink.workflow.activities.crm import inserts
from crmlink.workflow.activities.crm.gate import Rejects
from crmlink.workflow.activities.crm.loader import Loader
from tests.speed.test_column_batches import SQLITE
from tests.speed.test_loader import COLUMNS, Ctx, fields, stored

K = FieldKind
HEADER = ["Id", "Name", "Notes", "Stamp", "Day", "Amount", "Flag", "Count"]


def table() -> RemoteTable:
    return RemoteTable("Thing", "Thing", False, "Id", "Stamp", tuple(f for f, _, _ in fields()))


def csv_row(n: int, name: str = "", notes: str = "x", **cells: str) -> list[str]:
    row = {
        "Id": f"003{n:015d}",
        "Name": name or f"n{n}",
        "Notes": notes,
        "Stamp": "2024-05-01T10:30:15.123+0000",
        "Day": "2024-01-02",
        "Amount": "12.34",
        "Flag": "true",
        "Count": str(n),
    }
    return list((row | cells).values())


def load(database, batch) -> tuple[list[dict], list[dict]]:
    with database.engine.connect() as conn:
        ctx = Ctx(conn)
        writer, rejects = ctx.new_population("ok", COLUMNS), Rejects(ctx, "Id")
        Loader(writer, COLUMNS, fields(), "Id", rejects, dt.UTC).append(batch)
        conn.commit()
        return stored(conn, writer), stored(conn, rejects.writer) if rejects.count else []


# -- the facts ------------------------------------------------------------------------
def test_a_batch_says_its_text_columns_longest_text_and_datetime_columns():
    rows = [csv_row(1, name="abc"), csv_row(2, name="a" * 7, notes=""), csv_row(3, notes="yz")]
    batch = pages.batch_reader(table(), HEADER)(rows)
    assert batch.plain == {"Id", "Name", "Notes"} and batch.utc == {"Stamp"}
    assert batch.longest == {"Id": 18, "Name": 7, "Notes": 2}
    assert batch.columns["Notes"] == ["x", None, "yz"]  # "" is None
    assert batch.texts["Notes"] == ("x", "", "yz")
    assert not batch.nul_free  # not said: not known


def test_the_byte_stream_tells_whether_a_nul_byte_was_read_yet():
    raw = pages.ByteChunks(iter([b"a,b\n", b"c\x00,d\n"]))
    assert raw.read(4) == b"a,b\n" and not raw.nul
    assert raw.read(8) == b"c\x00,d\n" and raw.nul


def test_the_bulk_parse_says_nul_free_only_before_a_nul_byte():
    from crmlink.connectors.salesforce import bulk

    class Response:
        def __init__(self, body: bytes) -> None:
            self.body = body

        def iter_bytes(self):
            yield from (self.body[i : i + 64] for i in range(0, len(self.body), 64))

    lines = ",".join(HEADER) + "\n" + "".join(",".join(csv_row(n)) + "\n" for n in range(40))
    clean = lines.encode()
    dirty = clean + ",".join(csv_row(99, notes="bad\x00")).encode() + b"\n"

    class Read:
        pass

    plan = Read()
    plan.table = table()  # type: ignore[attr-defined]
    got = [convert(chunk) for chunk, convert in bulk._chunks(Response(clean), plan, 10)]
    assert [b.nul_free for b in got] == [True] * 4
    got = [convert(chunk) for chunk, convert in bulk._chunks(Response(dirty), plan, 41)]
    assert [b.nul_free for b in got] == [False]  # the NUL's bytes were read for it


# -- the loader trusts the facts only as far as they go ------------------------------
@pytest.mark.parametrize("nul_free", [True, False])
def test_text_at_the_columns_length_passes_and_one_more_is_a_reject(database, nul_free):
    rows = [csv_row(1, name="a" * 20), csv_row(2, name="b" * 21), csv_row(3)]
    batch = pages.batch_reader(table(), HEADER, rows=False)(rows, nul_free=nul_free)
    kept, refused = load(database, batch)
    assert [r["Name"] for r in kept] == ["a" * 20, "n3"]
    assert [(r["Id"], r["error_symbol"]) for r in refused] == [("003000000000000002", "Name")]


def test_a_nul_is_a_reject_when_the_batch_does_not_say_nul_free(database):
    rows = [csv_row(1, notes="NUL\x00here"), csv_row(2)]
    kept, refused = load(database, pages.batch_reader(table(), HEADER, rows=False)(rows))
    assert [r["Id"] for r in kept] == ["003000000000000002"]
    assert [r["error_symbol"] for r in refused] == ["Notes"]


# -- the column readers equal `values`' cell by cell ----------------------------------
ODD = {
    K.DATE: ["2024-01-02", "", "20240102", "2024-W01-1", "2024-01-02T10:00:00Z", "2024-1-2"],
    K.DECIMAL: ["12.34", "", "1E+3", "-0", " 7 ", "NaN"],
    K.DOUBLE: ["1.5", "", "1e300", "-0.0", "inf"],
    K.BOOLEAN: ["true", "false", "", "TRUE", " true ", "no"],
    K.DATETIME: [
        "2024-05-01T10:30:15.123+0000",
        "",
        "2024-05-01T23:30:15.999+0100",
        "2024-05-01T10:30:15Z",
        "2024-05-01T10:30:15",
    ],
    K.STRING: ["a", "", " b ", "\x00"],
}


def by_values(kind: FieldKind, cells: list[str]) -> list:
    convert = values.reader(kind)
    out = []
    for cell in cells:
        try:
            out.append(None if cell == "" else convert(cell))
        except Exception as exc:  # the column reader must raise alike
            return [type(exc)]
    return out


def read_column(kind: FieldKind, cells: list[str]) -> list:
    fields_ = (RemoteField("Id", "Id", "id", K.ID), RemoteField("V", "V", "t", kind))
    reader = pages.batch_reader(RemoteTable("T", "T", False, "Id", None, fields_), ["V"])
    try:
        return reader([[c] for c in cells]).columns["V"]
    except Exception as exc:
        return [type(exc)]


@pytest.mark.parametrize("kind", sorted(ODD))
def test_a_column_reads_as_values_reads_each_cell(kind):
    cells = ODD[kind]
    for column in (cells, [c for c in cells if c], cells[:1] * 3):  # nulls or none
        got = read_column(kind, column)
        assert list(map(repr, got)) == list(map(repr, by_values(kind, column)))  # NaN too
        if kind == K.DATETIME and got and got[0] is not type:
            assert all(v is None or v.tzinfo is dt.UTC for v in got)


# -- the inserter ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "texts",
    [
        ("2024-05-01T10:30:15.123+0000", "0999-01-02T03:04:05.006Z"),  # no null: one pass
        ("2024-05-01T10:30:15.123+0000", "2024-05-01T10:30:15.123+0100"),
        ("2024-W18-3T10:30:15.123+0000",),  # parses, but not Salesforce's shape
    ],
)
def test_datetimes_from_texts_without_nulls_are_exactly_the_values_binds(texts):
    impl = DateTime(timezone=True).dialect_impl(SQLITE)
    from_texts = inserts._texts_processor(impl, SQLITE)
    assert from_texts is not None
    cells = read_column(K.DATETIME, list(texts))
    process = impl.bind_processor(SQLITE)
    assert from_texts(cells, texts) == [process(v) for v in cells]


def test_a_native_boolean_column_of_bools_passes_and_any_other_is_processed():
    from sqlalchemy import Boolean
    from sqlalchemy.dialects.postgresql import psycopg

    dialect = psycopg.dialect()
    impl = Boolean().dialect_impl(dialect)
    process = inserts.column_processor(impl, dialect)
    assert process is not None
    cells = [True, None, False]
    assert process(cells) is cells
    assert process([True, 1, 0]) == [True, True, False]  # SQLAlchemy's own processor
    with pytest.raises(TypeError):
        process([True, "yes"])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # SQLite's adapters
def test_sqlite_binds_none_through_its_own_adapter_and_stores_null(database):
    assert database.engine.dialect.name == "sqlite"
    rows = [csv_row(1, notes="", Day="", Amount="", Flag="", Count="")]
    kept, _ = load(database, pages.batch_reader(table(), HEADER, rows=False)(rows))
    assert (type(None), sqlite3.PrepareProtocol) in sqlite3.adapters
    assert [kept[0][c] for c in ("Notes", "Day", "Amount", "Flag", "Count")] == [None] * 5


def test_csv_cells_parse_as_the_csv_module_reads_them():
    text = 'a,"b\nc",d\r\ne\n'
    stream = pages.text_stream(iter([text.encode()[:3], text.encode()[3:]]))
    assert list(csv.reader(stream)) == list(csv.reader(io.StringIO(text, newline="")))
