"""Dropping a working table on SQLite frees its pages without writing them again: SQLite
built with SQLITE_SECURE_DELETE (Debian's) zeroes every freed page, which made the drop of
a 1,000,000-row working table as costly as writing it."""

from __future__ import annotations

from sqlalchemy import String, insert, inspect

from crmlink.db import open_database
from crmlink.workflow import populations
from crmlink.workflow.base import ColumnSpec

MARKER = "crmlink-dropped-row-marker"


def test_a_dropped_working_table_is_not_overwritten_and_the_setting_is_put_back(tmp_path):
    path = tmp_path / "campaign.db"
    with open_database(f"sqlite:///{path}") as database, database.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA secure_delete = 1")  # as a SECURE_DELETE build starts
        table = populations.create(conn, "wk_1_read_ok", [ColumnSpec("Note", String(80))])
        conn.execute(insert(table), [{"_wk_row": n, "Note": f"{MARKER} {n}"} for n in range(5000)])
        conn.commit()
        populations.drop(conn, "wk_1_read_ok")
        populations.drop(conn, "wk_1_read_ok")  # gone already: nothing to do
        conn.commit()
        assert not inspect(conn).has_table("wk_1_read_ok")
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    # the freed pages were left as they were (zeroing them would leave no copy of the rows)
    files = b"".join(p.read_bytes() for p in tmp_path.glob("campaign.db*"))
    assert MARKER.encode() in files
