"""The small loader a user of a peer tool writes: a table of text columns, rows in by
`executemany`, one transaction. Standard library plus psycopg (imported only for PostgreSQL),
so it also runs in the tools' own virtualenvs."""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterable, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

CHUNK = 10_000


def args() -> dict[str, Any]:
    return dict(json.loads(Path(sys.argv[1]).read_text()))


def done(**figures: Any) -> None:
    print(json.dumps(figures), flush=True)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Loader:
    """Creates `table` (text columns named like the fields) and inserts rows into it."""

    def __init__(self, url: str, table: str, columns: Sequence[str]) -> None:
        self.postgres = url.startswith("postgresql")
        if self.postgres:
            import psycopg

            self.conn: Any = psycopg.connect(url)
        else:
            self.conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        names = ", ".join(f"{_quote(c)} text" for c in columns)
        self.conn.execute(f"CREATE TABLE {_quote(table)} ({names})")
        marks = ", ".join(["%s" if self.postgres else "?"] * len(columns))
        self.insert_sql = f"INSERT INTO {_quote(table)} VALUES ({marks})"
        self.rows = 0

    def load(self, rows: Iterable[Sequence[Any]]) -> None:
        iterator = iter(rows)
        cursor = self.conn.cursor()
        while chunk := list(islice(iterator, CHUNK)):
            cursor.executemany(self.insert_sql, chunk)
            self.rows += len(chunk)
        cursor.close()

    def close(self) -> None:
        self.conn.commit()
        self.conn.close()
