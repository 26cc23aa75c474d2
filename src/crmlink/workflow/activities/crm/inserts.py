"""Rows into a working table by the driver's fastest path, inside the run's transaction.

    inserter = inserter_for(writer, ["Id", "Email"])
    inserter.insert([("003…", "a@b.c"), …])      # tuples in column order

SQLite: one prepared `INSERT` through the DB-API cursor's `executemany` (the column
types' bind processors applied per column, as SQLAlchemy would). PostgreSQL (psycopg 3):
`COPY … FROM STDIN` with `write_row` (psycopg escapes tabs, newlines and backslashes; NUL,
which PostgreSQL text cannot hold, is refused earlier as a reject). Any other database:
SQLAlchemy's `executemany` (`populations.Writer.append`). `_wk_row` numbers the rows
1..n in the order given. All paths write into the connection's current transaction,
begun first if need be, so `ctx.checkpoint()` commits them like any other write.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crmlink.workflow import populations
from crmlink.workflow.base import PopulationWriter

Row = tuple[Any, ...]


class Inserter:
    """SQLAlchemy's insert (any database); the base of the fast paths."""

    def __init__(self, writer: PopulationWriter, names: list[str]) -> None:
        self.writer, self.names = writer, names

    def insert(self, rows: list[Row]) -> None:
        if rows:
            self.writer.append([dict(zip(self.names, row, strict=True)) for row in rows])


class _Driver(Inserter):
    """The raw DB-API path: `_wk_row` numbered here, values through bind processors."""

    def __init__(self, writer: populations.Writer, names: list[str]) -> None:
        super().__init__(writer, names)
        self.conn, self.table = writer.conn, writer.table
        self.next = populations.count(self.conn, self.table) + 1
        dialect = self.conn.dialect
        types = [self.table.c[name].type.dialect_impl(dialect) for name in names]
        self.processors: list[Callable[[Any], Any] | None] = [
            t.bind_processor(dialect)
            for t in types  # the dialect's, as SQLAlchemy binds
        ]
        self.quote = dialect.identifier_preparer.quote
        self.columns = [populations.ROW, *names]

    def insert(self, rows: list[Row]) -> None:
        if not rows:
            return
        if not self.conn.in_transaction():
            self.conn.begin()  # SQLite: BEGIN IMMEDIATE (the engine's begin hook)
        numbers = range(self.next, self.next + len(rows))
        self.next += len(rows)
        self.write(list(zip(numbers, *self._processed(rows), strict=True)))

    def _processed(self, rows: list[Row]) -> list[list[Any]]:
        columns = [list(cells) for cells in zip(*rows, strict=True)]
        for index, process in enumerate(self.processors):
            if process is not None:
                columns[index] = [None if v is None else process(v) for v in columns[index]]
        return columns

    def write(self, rows: list[Row]) -> None:
        raise NotImplementedError

    def raw(self) -> Any:
        return self.conn.connection.driver_connection


class _Sqlite(_Driver):
    def write(self, rows: list[Row]) -> None:
        names = ", ".join(self.quote(c) for c in self.columns)
        marks = ", ".join("?" for _ in self.columns)
        statement = f"INSERT INTO {self.quote(self.table.name)} ({names}) VALUES ({marks})"
        cursor = self.raw().cursor()
        try:
            cursor.executemany(statement, rows)
        finally:
            cursor.close()


class _Copy(_Driver):
    def write(self, rows: list[Row]) -> None:
        from psycopg import sql

        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(*filter(None, (self.table.schema, self.table.name))),
            sql.SQL(", ").join(sql.Identifier(c) for c in self.columns),
        )
        with self.raw().cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)


def inserter_for(writer: PopulationWriter, names: list[str]) -> Inserter:
    """The fastest inserter the writer's database offers."""
    if not isinstance(writer, populations.Writer):
        return Inserter(writer, names)
    dialect = writer.conn.dialect
    if dialect.name == "sqlite" and dialect.driver == "pysqlite":
        return _Sqlite(writer, names)
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        return _Copy(writer, names)
    return Inserter(writer, names)
