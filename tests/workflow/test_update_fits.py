"""The update stages rows that need no conversion by SQL (`update_fits`), the others through
the converter: whichever way a row goes, the target, the rejects and the counts must be
what the converter alone gives. Each test runs the same workflow twice, into two tables
of the same shape: once as it runs, once with the SQL path turned off.

The input holds what a campaign table may hold (on SQLite, any value in any column:
text in an integer column, a blob in a text one, a 2 in a boolean), beside plain rows."""

from __future__ import annotations

import datetime as dt
import decimal
import json

import pytest
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    insert,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite

from crmlink.workflow import records
from crmlink.workflow.activities import update_fits
from crmlink.workflow.engine import run_workflow
from crmlink.workflow.tables import run_rejects

WORKFLOW = """
name: load-{target}
activities:
  read:
    type: query
    table: people_in
    order_by: [pk]
    next: save
  save:
    type: update
    table: {target}
    operation: upsert
    keys: [code]
    mapping: {{code: code, name: name, note: note, n: n, flag: flag, score: score,
              money: money, day: day, moment: moment, req: req}}
"""
VALUES = ("code", "name", "note", "n", "flag", "score", "money", "day", "moment", "req")


def _columns(name_length: int) -> list[Column]:
    return [
        Column("code", String(20)),
        Column("name", String(name_length)),
        Column("note", Text()),
        Column("n", Integer()),
        Column("flag", Boolean()),
        Column("score", Float()),
        Column("money", Numeric(6, 2)),
        Column("day", Date()),
        Column("moment", DateTime(timezone=True)),
        Column("req", String(10)),
    ]


def _tables(database) -> None:
    meta = MetaData()
    Table("people_in", meta, Column("pk", Integer, primary_key=True), *_columns(500))
    for target in ("fast", "slow"):
        columns = _columns(40)
        columns[-1].nullable = False  # `req`: a null is a reject
        Table(target, meta, Column("id", BigInteger().with_variant(Integer, "sqlite"),
                                   primary_key=True, autoincrement=True), *columns)  # fmt: skip
    with database.transaction() as conn:
        meta.create_all(conn)
        for target in ("fast", "slow"):  # an existing row, updated by the input
            conn.execute(insert(meta.tables[target]), [{"code": "k1", "name": "Old", "req": "r"}])


MOMENT = dt.datetime(2024, 5, 1, 10, 30, 15, 123000, tzinfo=dt.UTC)
TYPED = [  # (what, row) in the input's own types
    ("plain", ("k1", "Ann", "x" * 300, 7, True, 0.5, decimal.Decimal("12.50"),
               dt.date(1990, 2, 28), MOMENT, "r")),
    ("all null but the key and req", ("k2", None, None, None, None, None, None, None, None, "r")),
    ("empty texts", ("", "", "", None, False, None, None, None, None, "")),
    ("a name too long", ("k3", "l" * 41, None, None, None, None, None, None, None, "r")),
    ("no key", (None, "Nokey", None, None, None, None, None, None, None, "r")),
    ("no req", ("k4", "Noreq", None, None, None, None, None, None, None, None)),
    ("a key seen again", ("k2", "Last wins", None, None, None, None, None, None, None, "r")),
]  # fmt: skip
RAW = [  # (what, code, {column: SQL literal}) stored as SQLite stores them, in any column
    ("a NUL in a text", "k6", {"name": "'a' || char(0) || 'b'"}),
    ("a blob in a text", "k7", {"name": "x'4142'"}),
    ("a number in a text (SQLite's affinity stores '42')", "k8", {"name": "42"}),
    ("too many digits", "k5", {"money": "12345"}),
    ("whole-number text (stored 12 by the affinity)", "k9", {"n": "' 12 '"}),
    ("not a number", "k10", {"n": "'abc'"}),
    ("out of range", "k11", {"n": "4294967296"}),
    ("a boolean 2", "k12", {"flag": "2"}),
    ("a boolean text", "k13", {"flag": "'yes'"}),
    ("at the scale", "k15", {"money": "1.25"}),
    ("beyond the scale", "k19", {"money": "1.255"}),
    ("an integer as money", "k16", {"money": "3"}),
    ("no fraction", "k18", {"moment": "'2024-05-01 10:30:15'"}),
    ("a key seen again, converted", "k1", {"name": "'Converted last'", "flag": "2"}),
]


def _input(database) -> None:
    people_in = Table("people_in", MetaData(), autoload_with=database.engine)
    with database.transaction() as conn:
        conn.execute(insert(people_in), [dict(zip(VALUES, row, strict=True)) for _, row in TYPED])
        if database.dialect == "sqlite":
            for _, code, literals in RAW:
                names = ", ".join(["code", "req", *literals])
                values = ", ".join([f"'{code}'", "'r'", *literals.values()])
                conn.execute(text(f"INSERT INTO people_in ({names}) VALUES ({values})"))


def _run(database, write, target: str):
    path = write(f"{target}.yaml", WORKFLOW.format(target=target))
    record = run_workflow(database, path, retry_delay=0)
    assert record.status == "succeeded", record.error
    return record


def _stored(database, target: str) -> list[tuple]:
    with database.connect() as conn:
        if database.dialect == "sqlite":  # the values as stored, storage class included
            shown = ", ".join(f"{n}, typeof({n})" for n in VALUES)
            return conn.execute(text(f"SELECT id, {shown} FROM {target} ORDER BY id")).all()
        table = Table(target, MetaData(), autoload_with=conn)
        return conn.execute(select(table).order_by(table.c.id)).all()


def _rejects(database, run_id: int) -> list[tuple]:
    with database.connect() as conn:
        kept = conn.execute(
            select(run_rejects).where(run_rejects.c.run_id == run_id).order_by(run_rejects.c.id)
        ).mappings()
        return [(r["error_code"], r["error_symbol"], r["error_message"], json.loads(r["row"]))
                for r in kept]  # fmt: skip


def _staged_line(database, run_id: int) -> str:
    with database.connect() as conn:
        lines = records.log_lines(conn, run_id)
    return next(line["message"] for line in lines if "staged as they were" in line["message"])


def test_rows_staged_by_sql_end_as_the_converter_leaves_them(database, write, monkeypatch):
    _tables(database)
    _input(database)
    fast = _run(database, write, "fast")
    monkeypatch.setattr(update_fits, "fits", lambda *_: None)
    slow = _run(database, write, "slow")

    assert _stored(database, "fast") == _stored(database, "slow")
    assert _rejects(database, fast.id) == _rejects(database, slow.id)
    counts = [(a.rows_in, a.rows_out, a.rows_rejected) for a in fast.activities]
    assert counts == [(a.rows_in, a.rows_out, a.rows_rejected) for a in slow.activities]
    # the rows of plain values went by SQL; the rest through the converter
    plain = 8 if database.dialect == "sqlite" else 4  # SQLite: k8, k9, k15, k16 too
    total = len(TYPED) + (len(RAW) if database.dialect == "sqlite" else 0)
    assert f"{plain} of {total} input rows staged as they were" in _staged_line(database, fast.id)
    assert f"0 of {total} input rows staged" in _staged_line(database, slow.id)


def test_the_rows_are_what_the_converter_makes_of_them(database, write):
    """Beside the comparison, what the target holds, by key: the last row of equal keys
    wins, even when the earlier one was copied and the last converted."""
    _tables(database)
    _input(database)
    record = _run(database, write, "fast")
    table = Table("fast", MetaData(), autoload_with=database.engine)
    with database.connect() as conn:
        rows = {r.code: r for r in conn.execute(select(table))}
    assert rows["k2"].name == "Last wins"
    assert rows[""].name == "" and rows[""].req == ""
    assert "k3" not in rows and "k4" not in rows
    rejected = {
        (row["code"], code, column) for code, column, _, row in _rejects(database, record.id)
    }
    assert ("k3", "INVALID_VALUE", "name") in rejected
    assert (None, "MISSING_KEY", "code") in rejected
    assert ("k4", "INVALID_VALUE", "req") in rejected
    if database.dialect == "sqlite":
        assert ("k5", "INVALID_VALUE", "money") in rejected
        assert rows["k1"].name == "Converted last" and rows["k1"].flag is True
        assert rows["k9"].n == 12 and rows["k8"].name == "42"
        assert rows["k18"].moment == dt.datetime(2024, 5, 1, 10, 30, 15)  # SQLite keeps no zone
        assert ("k6", "INVALID_VALUE", "name") in rejected
        assert ("k10", "INVALID_VALUE", "n") in rejected
        assert ("k11", "INVALID_VALUE", "n") in rejected
    else:
        assert rows["k1"].name == "Ann" and rows["k1"].moment == MOMENT


@pytest.mark.parametrize(
    ("have", "want", "copied"),
    [
        (String(20), String(10), True),  # text into shorter text: a length test
        (Text(), String(10), True),
        (Integer(), Integer(), True),
        (Integer(), BigInteger(), False),  # another declaration: the converter decides
        (Numeric(6, 2), Numeric(8, 2), False),
        (String(10), Integer(), False),
        (DateTime(timezone=True), DateTime(timezone=True), True),
        (Date(), DateTime(), False),
    ],
)
@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "pg"])
def test_which_types_sql_may_copy(dialect, have, want, copied):
    source, target = Column("v", have), Column("v", want)
    Table("s", MetaData(), source)
    Table("t", MetaData(), target)
    assert (update_fits.fits([(source, target)], dialect, set()) is not None) is copied
