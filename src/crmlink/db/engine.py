"""`make_engine(url)`: SQLite (foreign keys, transactional DDL; WAL once `use_wal` knows
the file is crmlink's) or PostgreSQL (psycopg 3)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import ConnectionPoolEntry

from crmlink.errors import UsageError

PG_CONNECT_S = 15  # PostgreSQL connect timeout unless the URL sets connect_timeout
SQLITE_BUSY_MS = 30_000  # how long a writer waits for another's (short) write transaction
# Execution option of connections that only read: their transactions stay deferred.
READ_ONLY = "crmlink_read_only"


def normalize_url(url: str | URL) -> URL:
    """Parse a database URL; `postgresql://` and `postgres://` mean psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UsageError(
            f"{str(url)!r} is not a database URL: use sqlite:///PATH or postgresql://USER@HOST/DB"
        ) from None
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername not in ("sqlite", "sqlite+pysqlite", "postgresql+psycopg"):
        raise UsageError(
            f"crmlink does not support {parsed.drivername} databases: "
            "use sqlite:///PATH or postgresql://USER@HOST/DB"
        )
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite_url(parsed)
    return parsed


def make_engine(url: str | URL) -> Engine:
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite_file(parsed)
        return _sqlite_engine(parsed)
    # a host that drops packets would otherwise hang the command for minutes
    options = {} if "connect_timeout" in parsed.query else {"connect_timeout": PG_CONNECT_S}
    return create_engine(parsed, pool_pre_ping=True, connect_args=options)


SQLITE_FORMS = "sqlite:///relative.db or sqlite:////absolute/path.db"


def _check_sqlite_url(url: URL) -> None:
    """`sqlite://file` (two slashes) names a host, not a file: say the right form."""
    if url.host or url.port or url.username or url.password:
        shown = url.render_as_string(hide_password=True)
        raise UsageError(
            f"the SQLite URL {shown!r} names a host ({url.host or ''}), not a file: "
            f"write {SQLITE_FORMS} (three slashes, four for an absolute path)"
        )


def _check_sqlite_file(url: URL) -> None:
    """The database file's folder must exist, and the file must not be a folder."""
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return
    path = Path(database).expanduser()
    shown = url.render_as_string(hide_password=True)
    if path.is_dir():
        raise UsageError(
            f"the SQLite URL {shown!r} names the folder {path}, not a file: "
            f"add a file name, e.g. {SQLITE_FORMS}"
        )
    if path.exists() and not path.is_file():  # a FIFO or a device: SQLite would hang on it
        raise UsageError(
            f"the SQLite URL {shown!r} names {path}, which is not a regular file: "
            f"give a database file, e.g. {SQLITE_FORMS}"
        )
    if not path.absolute().parent.is_dir():
        raise UsageError(
            f"the folder {path.absolute().parent} of the SQLite URL {shown!r} does not exist: "
            f"create it, or write {SQLITE_FORMS}"
        )


def _sqlite_engine(url: URL) -> Engine:
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_MS / 1000})
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
    # pysqlite's own transaction handling skips DDL; SQLAlchemy's recipe: let it do
    # nothing and emit BEGIN ourselves, so migrations and refused writes roll back whole.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    # Writers take the write lock at BEGIN (IMMEDIATE), waiting up to the busy timeout.
    # A deferred transaction that reads, then writes after another process committed,
    # fails at once with "database is locked" (WAL cannot upgrade a stale snapshot; the
    # busy timeout does not apply). Connections that only read stay deferred: in WAL
    # they never wait for a writer.
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def use_wal(engine: Engine) -> None:
    """Switch a SQLite database crmlink owns to WAL (it stays so: the mode is kept in the
    file). Not done on connect: that would rewrite the header of any file it is pointed
    at — someone else's database, a damaged one — before crmlink knew it was its own.
    A read-only or busy database keeps its mode (readers need no WAL)."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        if raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            return
        try:
            raw.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError:
            return
