"""The update's staging insert on SQLite goes through the driver (`update._stager`), not
SQLAlchemy's per-row statement machinery: it must store exactly what SQLAlchemy's insert
stores, for every column type an update stages, None included."""

from __future__ import annotations

import datetime as dt
import decimal
import sqlite3

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    String,
    Text,
    create_engine,
    insert,
)

from crmlink.db.types import UTCDateTime
from crmlink.workflow import populations
from crmlink.workflow.activities.update import _stager
from crmlink.workflow.base import ColumnSpec

TYPES = {
    "text": String(40),
    "long_text": Text(),
    "number": Integer(),
    "fraction": Float(),
    "money": Numeric(12, 2),
    "flag": Boolean(),
    "day": Date(),
    "moment": DateTime(),
    "utc_moment": UTCDateTime(),
}
ROWS = [
    {
        "text": "Ann ☃", "long_text": "x" * 300, "number": 2**40, "fraction": 0.1,
        "money": decimal.Decimal("1234.50"), "flag": True, "day": dt.date(1990, 2, 28),
        "moment": dt.datetime(2024, 5, 1, 10, 30, 15, 123000),
        "utc_moment": dt.datetime(2024, 5, 1, 10, 30, 15, tzinfo=dt.UTC),
    },
    dict.fromkeys(TYPES),  # every value None
    {
        "text": "", "long_text": "line\nbreak", "number": -1, "fraction": -2.5,
        "money": decimal.Decimal("-0.01"), "flag": False, "day": dt.date(2000, 1, 1),
        "moment": dt.datetime(1999, 12, 31, 23, 59, 59),
        "utc_moment": dt.datetime(2024, 1, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    },
]  # fmt: skip


def _stored(path, fast: bool) -> list[tuple]:
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        specs = [ColumnSpec(name, type_) for name, type_ in TYPES.items()]
        stage = populations.create(conn, "stage", [*specs, ColumnSpec("_wk_op", String(12))])
        rows = [{populations.ROW: i, "_wk_op": None, **row} for i, row in enumerate(ROWS, 1)]
        if fast:
            _stager(conn, stage)(rows)
        else:
            conn.execute(insert(stage), rows)
    engine.dispose()
    with sqlite3.connect(path) as raw:  # the stored values and their SQLite types
        names = ", ".join(f"{n}, typeof({n})" for n in TYPES)
        return raw.execute(f"SELECT _wk_row, {names} FROM stage ORDER BY _wk_row").fetchall()


def test_the_driver_path_stores_what_sqlalchemy_stores(tmp_path):
    stored = _stored(tmp_path / "fast.db", fast=True)
    assert stored == _stored(tmp_path / "slow.db", fast=False)
    assert len(stored) == 3 and stored[1][1::2] == (None,) * len(TYPES)


def test_the_staging_table_skips_postgresql_s_write_ahead_log(database):
    """Made and dropped inside the update's one transaction: UNLOGGED on PostgreSQL, a
    plain table elsewhere; populations, which a resumed run reads, stay logged."""
    with database.transaction() as conn:
        stage = populations.create(conn, "wk_stage", [ColumnSpec("v", Integer())], transient=True)
        populations.create(conn, "wk_kept", [ColumnSpec("v", Integer())])
        conn.execute(insert(stage), [{populations.ROW: 1, "v": 7}])
        assert conn.execute(stage.select()).all() == [(1, 7)]
        if database.dialect == "postgresql":
            persistence = dict(
                conn.exec_driver_sql(
                    "SELECT relname, relpersistence FROM pg_class "
                    "WHERE relname IN ('wk_stage', 'wk_kept')"
                ).all()
            )
            assert persistence == {"wk_stage": "u", "wk_kept": "p"}
