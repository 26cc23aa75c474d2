"""Rows into a working table by the driver's fastest path, inside the run's transaction.

    inserter = inserter_for(writer, ["Id", "Email"])
    inserter.insert([("003…", "a@b.c"), …])      # tuples in column order

    inserter.insert_columns([["003…"], ["a@b.c"]])  # the same, column by column

SQLite: one prepared multi-row `INSERT` through the DB-API cursor's `executemany` (the
column types' bind processors applied per column, as SQLAlchemy would; for datetimes,
dates and booleans the same text or integer made by C methods, `column_processor`).
PostgreSQL (psycopg 3): `COPY … FROM STDIN` with `write_row`, one COPY for many batches
when `hold` allows, in binary format when every column's values allow it (`copy_binary`),
else in text (psycopg escapes tabs, newlines and backslashes; NUL, which PostgreSQL text
cannot hold, is refused earlier as a reject). Any other database: SQLAlchemy's
`executemany` (`populations.Writer.append`). `_wk_row` numbers the rows 1..n in the
order given. All paths write into the connection's current transaction, begun first if
need be, so `ctx.checkpoint()` commits them like any other write (rows held back are
written at `flush`, which the import calls before its last checkpoint).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import sqlite3
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Boolean
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.sqlite import pysqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

from crmlink.workflow import populations
from crmlink.workflow.activities.crm.copy_binary import binary_ok, column_oids
from crmlink.workflow.base import PopulationWriter

Row = tuple[Any, ...]
ROWS_PER_INSERT = 500  # at most, rows of one SQLite INSERT statement (a Bulk batch)
Cells = list[Any]
ColumnProcessor = Callable[[Cells], Cells]
Texts = dict[int, Sequence[str]]  # column index -> the Bulk CSV texts of its values


class Inserter:
    """SQLAlchemy's insert (any database); the base of the fast paths."""

    def __init__(self, writer: PopulationWriter, names: list[str]) -> None:
        self.writer, self.names = writer, names

    def insert(self, rows: list[Row]) -> None:
        if rows:
            self.writer.append([dict(zip(self.names, row, strict=True)) for row in rows])

    def insert_columns(self, columns: list[Cells], texts: Texts | None = None) -> None:
        """The rows given column by column (every list as long, in `names` order);
        `texts`: for some columns of datetimes, the Bulk CSV text each value was read
        from (`batches.ColumnBatch.texts`), which a database storing text may reuse."""
        self.insert(list(zip(*columns, strict=True)))

    def hold(self, rows: int) -> None:
        """Let a database that pays a round trip per statement keep up to `rows` rows
        back and write them in one (PostgreSQL: one COPY for many batches), until
        `flush`; the others write at once."""

    def flush(self) -> None:
        """Write every row held back."""


class _Driver(Inserter):
    """The raw DB-API path: `_wk_row` numbered here, values through bind processors."""

    def __init__(self, writer: populations.Writer, names: list[str]) -> None:
        super().__init__(writer, names)
        self.conn, self.table = writer.conn, writer.table
        self.next = populations.count(self.conn, self.table) + 1
        dialect = self.conn.dialect
        types = [self.table.c[name].type.dialect_impl(dialect) for name in names]
        self.processors = [column_processor(t, dialect) for t in types]
        self.from_texts = [_texts_processor(t, dialect) for t in types]
        self.quote = dialect.identifier_preparer.quote
        self.columns = [populations.ROW, *names]

    def insert(self, rows: list[Row]) -> None:
        if rows:
            self.insert_columns([list(cells) for cells in zip(*rows, strict=True)])

    def insert_columns(self, columns: list[Cells], texts: Texts | None = None) -> None:
        if not columns or not columns[0]:
            return
        if not self.conn.in_transaction():
            self.conn.begin()  # SQLite: BEGIN IMMEDIATE (the engine's begin hook)
        size = len(columns[0])
        numbers = range(self.next, self.next + size)
        self.next += size
        processed = [self._processed(i, cells, texts) for i, cells in enumerate(columns)]
        self.write_columns([numbers, *processed], size)

    def write_columns(self, columns: list[Sequence[Any]], size: int) -> None:
        """Write `size` rows given as columns (`_wk_row` first)."""
        # the rows made as the driver takes them, never held as a list of their own
        self.write(zip(*columns, strict=True), size)

    def _processed(self, index: int, cells: Cells, texts: Texts | None) -> Cells:
        from_texts = self.from_texts[index]
        if texts and from_texts is not None and index in texts:
            return from_texts(cells, texts[index])
        process = self.processors[index]
        return cells if process is None else process(cells)

    def write(self, rows: Iterator[Row], size: int) -> None:
        """Write `size` rows (`_wk_row` first), taken from `rows` once, in order."""
        raise NotImplementedError

    def raw(self) -> Any:
        return self.conn.connection.driver_connection


class _Sqlite(_Driver):
    """`executemany` of an `INSERT` of many rows at once (multi-row VALUES): binding is
    the same, but SQLite steps once per statement, not once per row. Each step releases
    the GIL, and re-taking it waits out the switch interval whenever a parse thread is
    running, so a batch of 500 rows is one statement if the connection's variable limit
    allows (24 columns: 12,000 values), the rows left over a few more."""

    def __init__(self, writer: populations.Writer, names: list[str]) -> None:
        super().__init__(writer, names)
        _bind_none_directly()
        limit = self.raw().getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        self.per = max(1, min(ROWS_PER_INSERT, limit // len(self.columns)))

    def write(self, rows: Iterator[Row], size: int) -> None:
        per = self.per
        whole = size - size % per
        cursor = self.raw().cursor()
        try:
            if whole:
                # the first `whole` rows' values in one stream, cut `per` rows a statement
                flat = itertools.chain.from_iterable(itertools.islice(rows, whole))
                values = per * len(self.columns)
                cursor.executemany(self._statement(per), zip(*[flat] * values, strict=True))
            # the rest a power of two at a time (137 rows: 128, 8, 1): the driver keeps up
            # to 128 statements it prepared, and one of many rows is large, so a batch of
            # any size uses one of a few statements, not one of its own
            for part in _powers_of_two(size - whole):
                values = list(itertools.chain.from_iterable(itertools.islice(rows, part)))
                cursor.execute(self._statement(part), values)
        finally:
            cursor.close()

    def _statement(self, rows: int) -> str:
        names = ", ".join(self.quote(c) for c in self.columns)
        marks = "(" + ", ".join("?" for _ in self.columns) + ")"
        values = ", ".join([marks] * rows)
        return f"INSERT INTO {self.quote(self.table.name)} ({names}) VALUES {values}"


class _Copy(_Driver):
    """`COPY … FROM STDIN`, a statement for many batches when `hold` allows (each COPY
    costs the server a statement and the client a round trip: at 500-row batches, about
    a third of the time their rows took to send), in binary format when every column
    allows it (`copy_binary`: about a sixth of the text format's client CPU), else text."""

    def __init__(self, writer: populations.Writer, names: list[str]) -> None:
        super().__init__(writer, names)
        self.held: list[list[Sequence[Any]]] = []  # batches, each as its columns
        self.held_rows = self.hold_up_to = 0
        with self.raw().cursor() as cursor:
            self.oids = column_oids(cursor, self._name().as_string(cursor), self.columns)

    def hold(self, rows: int) -> None:
        self.hold_up_to = rows

    def write_columns(self, columns: list[Sequence[Any]], size: int) -> None:
        self.held.append(columns)
        self.held_rows += size
        if self.held_rows >= self.hold_up_to:
            self.flush()

    def flush(self) -> None:
        if not self.held:
            return
        held, self.held, self.held_rows = self.held, [], 0
        columns = [list(itertools.chain.from_iterable(c)) for c in zip(*held, strict=True)]
        binary = binary_ok(self.oids, columns)
        if not self.conn.in_transaction():
            self.conn.begin()
        with self.raw().cursor() as cursor, cursor.copy(self._statement(binary)) as copy:
            if binary:
                copy.set_types(self.oids)
            rows = zip(*columns, strict=True)
            deque(map(copy.write_row, rows), maxlen=0)  # the loop in C: a row a call

    def _name(self) -> Any:
        from psycopg import sql

        return sql.Identifier(*filter(None, (self.table.schema, self.table.name)))

    def _statement(self, binary: bool) -> Any:
        from psycopg import sql

        return sql.SQL("COPY {} ({}) FROM STDIN{}").format(
            self._name(),
            sql.SQL(", ").join(sql.Identifier(c) for c in self.columns),
            sql.SQL(" (FORMAT BINARY)" if binary else ""),
        )


def _powers_of_two(number: int) -> list[int]:
    """The powers of two that sum to `number`, largest first (137: 128, 8, 1)."""
    return [1 << bit for bit in reversed(range(number.bit_length())) if number >> bit & 1]


def column_processor(type_: TypeEngine[Any], dialect: Dialect) -> ColumnProcessor | None:
    """The bind processor of a column type applied to a whole column (None: values pass
    as they are). On SQLite, the default text of a datetime (`YYYY-MM-DD HH:MM:SS.ffffff`,
    zone dropped) or a date, and a boolean's 0/1, come from C methods for the exact types;
    any other value goes through SQLAlchemy's processor, as it would bind it. A native
    boolean column of bools and None only is kept as it is (what its processor returns)."""
    process = type_.bind_processor(dialect)
    if process is None:
        return None
    fast = _sqlite_fast(type_, dialect)
    if fast is None:

        def each(cells: Cells) -> Cells:
            return [None if v is None else process(v) for v in cells]

        if type(type_).bind_processor is Boolean.bind_processor and dialect.supports_native_boolean:
            return lambda cells: cells if _BOOLS.issuperset(map(type, cells)) else each(cells)
        return each
    exact, text = fast

    def processed(cells: Cells) -> Cells:
        return [v if v is None else text(v) if v.__class__ is exact else process(v) for v in cells]

    return processed


# a native boolean's processor refuses anything else and returns a bool as it is
_BOOLS = frozenset({bool, type(None)})


def _texts_processor(
    type_: TypeEngine[Any], dialect: Dialect
) -> Callable[[Cells, Sequence[str]], Cells] | None:
    """For SQLite's datetimes in default storage: their text made from the text each
    value was read from, when every text of the column has one of the CRMs' own UTC
    shapes (`_UTC_SHAPES`: Salesforce's `2024-05-01T10:30:15.123+0000` or `…Z`, the Web
    API's `2024-05-01T10:30:15Z`), which fixes the value's fields one for one; else (or
    for any other type: None) the values' own processor."""
    fast = _sqlite_fast(type_, dialect)
    process = column_processor(type_, dialect)
    if fast is None or fast[1] is not _datetime_text or process is None:
        return None
    slow = process

    def from_texts(cells: Cells, texts: Sequence[str]) -> Cells:
        present = "\n".join(filter(None, texts))
        shape = next((s for s in _UTC_SHAPES if s.column.fullmatch(present)), None)
        if shape is None:
            return slow(cells)
        if not texts or "" in texts:  # nulls among them (or nothing): text by text
            return [None if v is None else shape.text(t) for v, t in zip(cells, texts, strict=True)]
        # matched, each text is `YYYY-MM-DDTHH:MM:SS`, maybe `.fff`, then `+0000` or `Z`,
        # the only T, + and Z in it: replaces over the column make every value's
        # `YYYY-MM-DD HH:MM:SS.ffffff` at once
        for old, new in shape.replaces:
            present = present.replace(old, new)
        return present.split("\n")

    return from_texts


class _UtcShape(NamedTuple):
    """A CRM's text of a UTC datetime: `column` matches a column of them (non-empty cells
    joined by newlines), `text` makes one value's SQLite text, `replaces` a column's."""

    column: re.Pattern[str]
    text: Callable[[str], str]
    replaces: tuple[tuple[str, str], ...]


def _column_of(one: str) -> re.Pattern[str]:
    return re.compile(rf"(?:{one}(?:\n{one})*)?")


_DAY_TIME = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
_UTC_SHAPES = (
    # Salesforce (Bulk CSV): milliseconds, then +0000 or Z
    _UtcShape(
        _column_of(rf"{_DAY_TIME}\.[0-9]{{3}}(?:\+0000|Z)"),
        lambda t: f"{t[:10]} {t[11:23]}000",
        (("T", " "), ("+0000", "000"), ("Z", "000")),
    ),
    # Dataverse (Web API): whole seconds, then Z
    _UtcShape(
        _column_of(rf"{_DAY_TIME}Z"),
        lambda t: f"{t[:10]} {t[11:19]}.000000",
        (("T", " "), ("Z", ".000000")),
    ),
)


def _sqlite_fast(
    type_: TypeEngine[Any], dialect: Dialect
) -> tuple[type, Callable[[Any], Any]] | None:
    """(exact value type, C-level equivalent of the processor) for SQLite's datetimes,
    dates and booleans in their default storage; None for any other type."""
    if dialect.name != "sqlite":
        return None
    kind, storage = type(type_), getattr(type_, "_storage_format", None)
    if kind in _DATETIMES and storage == _DATETIMES[kind]:
        return dt.datetime, _datetime_text
    if kind in _DATES and storage == _DATES[kind]:
        return dt.date, dt.date.isoformat
    if kind is Boolean:
        return bool, int
    return None


# SQLite's datetime and date types (pysqlite's, as `dialect_impl` gives them) and the
# storage format whose text the C methods make
_DATETIMES = {t: t()._storage_format for t in (sqlite.DATETIME, pysqlite._SQLite_pysqliteTimeStamp)}
_DATES = {t: t()._storage_format for t in (sqlite.DATE, pysqlite._SQLite_pysqliteDate)}


def _datetime_text(value: dt.datetime) -> str:
    """SQLAlchemy's SQLite text of a datetime: its fields, the zone left out (the offset
    `isoformat` would add comes after the 26 characters of a four-digit year)."""
    return value.isoformat(" ", "microseconds")[:26]


def _bind_none_directly() -> None:
    """Give `sqlite3` an adapter for None that returns it (a C method, `{}.get`): the
    module binds None as NULL either way, but without an adapter it first searches the
    value and the protocol for adaptation hooks, which made a NULL cost about twice a
    text value (a Bulk import has many). Process-wide, as `sqlite3`'s adapters are, and
    harmless to any other user: None still binds as NULL. One already set is kept."""
    key = (type(None), sqlite3.PrepareProtocol)
    if key not in sqlite3.adapters:
        none: dict[None, None] = {}
        sqlite3.register_adapter(type(None), none.get)


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
