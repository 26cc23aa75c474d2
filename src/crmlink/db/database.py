"""`open_database(settings)`: the campaign database, migrated to the newest schema."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import DatabaseError, OperationalError

from crmlink.config import DATABASE_ENV, Settings
from crmlink.db.engine import READ_ONLY, make_engine, normalize_url, use_wal
from crmlink.db.failures import database_failure, failure_exit_code
from crmlink.db.migrate import upgrade
from crmlink.errors import CrmlinkError, JobFailed, UsageError


class Database:
    """An engine and its transactions. Close it (or use `with`) when done."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    @property
    def display_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection in a transaction: committed at the end, rolled back on error."""
        with self.engine.begin() as connection:
            yield connection

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection for reading (it rolls back whatever it did not commit).

        On SQLite its transactions are deferred, so it never waits for a writer.
        """
        with self.engine.connect() as connection:
            yield connection.execution_options(**{READ_ONLY: True})

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_database(settings: Settings | str | URL, *, migrate: bool = True) -> Database:
    """Connect to the database of `settings` (or a URL) and upgrade its schema."""
    url = settings.database_url if isinstance(settings, Settings) else settings
    _check_persistent(normalize_url(url))
    database = Database(make_engine(url))
    try:
        if migrate:
            upgrade(database.engine)
        use_wal(database.engine)
    except OperationalError as exc:
        database.close()
        raise _unreachable(url, exc) from None
    except DatabaseError as exc:  # e.g. a file that is not a SQLite database
        database.close()
        raise _unreachable(url, exc) from None
    except BaseException:
        database.close()
        raise
    return database


def _check_persistent(url: URL) -> None:
    """The catalog must outlive the command: an in-memory SQLite database would take
    every account, schema and run with it when the command ends."""
    if url.get_backend_name() != "sqlite":
        return
    name = url.database or ""
    if (
        name in ("", ":memory:")
        or name.startswith("file::memory:")
        or (url.query.get("mode") == "memory")
    ):
        raise UsageError(
            f"{shown_url(url)} is an in-memory database, which forgets every account, "
            f"schema and run when the command ends: set {DATABASE_ENV} to a file, e.g. "
            "sqlite:////path/to/crmlink.db"
        )


def shown_url(url: str | URL, limit: int = 160) -> str:
    """The URL as the user knows it (`postgresql://`, no driver, no password), cut to
    `limit` characters (a hostile one is long)."""
    parsed = normalize_url(url)
    parsed = parsed.set(drivername=parsed.get_backend_name())
    shown = parsed.render_as_string(hide_password=True)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _unreachable(url: str | URL, exc: DatabaseError) -> CrmlinkError:
    shown = shown_url(url)
    if failure_exit_code(exc) == 1 and "failed (" not in database_failure(exc):
        return JobFailed(database_failure(exc), database=shown)  # busy, full: a moment's
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    reason = reason if len(reason) <= 200 else reason[:199] + "…"
    return UsageError(
        f"cannot open the database {shown} ({reason}): check {DATABASE_ENV}",
        database=shown,
    )
