"""PostgreSQL's binary COPY takes a batch only when every column holds exactly what its
column's binary dumper writes faithfully; the rows it stores are the text format's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from crmlink.db import open_database
from crmlink.workflow.activities.crm import copy_binary, inserts
from crmlink.workflow.activities.crm.copy_binary import binary_ok
from crmlink.workflow.activities.crm.gate import Rejects
from crmlink.workflow.activities.crm.loader import Loader
from tests.speed.test_loader import COLUMNS, HOSTILE, STAMP, Ctx, fields, record

BOOL, INT8, INT4, INT2, FLOAT8, NUMERIC, TEXT, VARCHAR, DATE, TIMESTAMP, TIMESTAMPTZ = (
    16, 20, 23, 21, 701, 1700, 25, 1043, 1082, 1114, 1184,
)  # fmt: skip
NAIVE = dt.datetime(2024, 5, 1, 10, 30)


@pytest.mark.parametrize(
    ("oid", "column"),
    [
        (INT4, [1, None, -(2**31), 2**31 - 1]),
        (INT8, range(1, 501)),
        (INT2, [None, None]),
        (BOOL, [True, False, None]),
        (FLOAT8, [1.5, float("nan"), None]),
        (NUMERIC, [Decimal("12.34"), None, Decimal("NaN")]),
        (VARCHAR, [*HOSTILE, None]),
        (TEXT, ["x"]),
        (DATE, [dt.date(2024, 1, 2), None]),
        (TIMESTAMP, [NAIVE, None]),
        (TIMESTAMPTZ, [STAMP, None]),
    ],
)
def test_columns_of_exactly_their_dumpers_type_go_binary(oid, column):
    assert binary_ok([oid], [column])


@pytest.mark.parametrize(
    ("oid", "column"),
    [
        (INT4, [1, 2**31]),  # binary would write it truncated, not refuse it
        (INT2, [-(2**15) - 1]),
        (INT8, [2**63]),
        (INT4, [True]),  # a bool is an int, but not of that dumper
        (FLOAT8, [1]),
        (NUMERIC, [1.5]),
        (VARCHAR, [5]),
        (VARCHAR, ["a", 1]),
        (DATE, [NAIVE]),  # a datetime is a date, but not of that dumper
        (TIMESTAMPTZ, [NAIVE]),
        (TIMESTAMP, [STAMP]),
        (TIMESTAMPTZ, [STAMP, NAIVE]),
        (1042, ["bpchar: not listed"]),
        (2950, ["uuid: not listed"]),
    ],
)
def test_anything_else_keeps_the_text_format(oid, column):
    assert not binary_ok([oid], [column])


def test_one_column_that_cannot_go_binary_keeps_the_whole_batch_in_text():
    assert not binary_ok([INT4, VARCHAR], [[1, 2], ["a", 3]])
    assert binary_ok([INT4, VARCHAR], [[1, 2], ["a", None]])


def _load(conn, output: str, batches: list[list[dict]]) -> list[dict]:
    ctx = Ctx(conn)
    writer = ctx.new_population(output, COLUMNS)
    loader = Loader(writer, COLUMNS, fields(), "Id", Rejects(ctx, "Id"), dt.UTC)
    assert type(loader.inserter) is inserts._Copy
    loader.hold(1000)
    for batch in batches:
        loader.append(batch)
    loader.flush()
    table = writer.table
    rows = conn.execute(select(table).order_by(table.c["_wk_row"])).mappings()
    return [dict(r) for r in rows]


def test_postgresql_stores_the_same_rows_in_binary_as_in_text(postgres_url, monkeypatch):
    batches = [
        [record(n, text) for n, text in enumerate(HOSTILE)],
        [record(99, None, Name=None, Amount=Decimal("-0.01"), Flag=None, Count=-(2**31))],
        [record(100, "late", Stamp=STAMP.astimezone(dt.timezone(dt.timedelta(hours=-7))))],
    ]
    taken: list[bool] = []

    def spied(oids, columns):
        taken.append(copy_binary.binary_ok(oids, columns))
        return taken[-1]

    with open_database(postgres_url) as database, database.engine.connect() as conn:
        monkeypatch.setattr(inserts, "binary_ok", spied)
        binary = _load(conn, "binary", batches)
        assert taken == [True]  # one COPY for the three batches, in binary format
        monkeypatch.setattr(inserts, "binary_ok", lambda oids, columns: False)
        text = _load(conn, "text", batches)
        conn.rollback()
    assert binary == text
    assert [r["Notes"] for r in binary] == [*HOSTILE, None, "late"]
    assert binary[-1]["Stamp"] == STAMP and binary[-2]["Count"] == -(2**31)
