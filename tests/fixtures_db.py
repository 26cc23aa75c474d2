"""Database fixtures: every catalog test runs on SQLite and on PostgreSQL.

    database_url   "sqlite" -> a file in tmp_path; "postgresql" -> a fresh database
                   `crmlink_t_<hex>` on CRMLINK_TEST_POSTGRES_URL's server, already migrated
                   (a copy of the session's template), dropped after the test
    database       that database opened and migrated (a crmlink.db.Database)
    crmlink_home   an empty home folder, CRMLINK_SECRET_KEY unset (the key file is used)
    crmlink        run the CLI in-process: crmlink("account", "list", input=…) -> Result

Migrating a PostgreSQL database takes longer than copying one, so the first PostgreSQL test
of a session migrates a template database `crmlink_tmpl_<head revision>_<digest>` (the digest
is of the migration scripts, so editing one makes a new template) and every test gets a
`CREATE DATABASE … TEMPLATE` copy of it. Tests that must start from an EMPTY database (the
migration tests) are marked `@pytest.mark.empty_database`: their PostgreSQL half gets a
fresh empty database, as their SQLite half gets a new file. A test's database is dropped
on a background thread while the next tests run; the session waits for the last drop.
Sessions that start together (pytest-xdist workers) build the template once: its builder
holds an advisory lock named after it, the others wait and then copy it; test databases
have random names, so workers never meet.

An unreachable PostgreSQL server skips the PostgreSQL half, unless CRMLINK_REQUIRE_SERVICES=1
(CI), where it fails.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import queue
import threading
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import errors as pg_errors
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from crmlink.cli import app
from crmlink.db import Database, open_database
from crmlink.db.migrate import MIGRATIONS, head_revision

POSTGRES_ENV = "CRMLINK_TEST_POSTGRES_URL"
POSTGRES_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TEMPLATE_PREFIX = "crmlink_tmpl_"


def postgres_admin_url() -> str:
    return os.environ.get(POSTGRES_ENV, POSTGRES_DEFAULT)


def _database_url(name: str) -> str:
    return make_url(postgres_admin_url()).set(database=name).render_as_string(False)


def _conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _admin_connection() -> psycopg.Connection:
    url = postgres_admin_url()
    try:
        return psycopg.connect(_conninfo(url), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL at {make_url(url).render_as_string()} is unreachable: {exc}"
        if os.environ.get("CRMLINK_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{message} (CRMLINK_REQUIRE_SERVICES=1 requires it)", pytrace=False)
        pytest.skip(f"{message}; set {POSTGRES_ENV}")


def template_name() -> str:
    """The template for the migrations as they are now: head revision and scripts' digest."""
    digest = hashlib.sha256()
    for script in sorted(MIGRATIONS.rglob("*.py")):
        digest.update(script.relative_to(MIGRATIONS).as_posix().encode())
        digest.update(script.read_bytes())
    return f"{TEMPLATE_PREFIX}{head_revision()}_{digest.hexdigest()[:12]}"


def _exists(admin: psycopg.Connection, name: str) -> bool:
    found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    return found is not None


def _lock_key(name: str) -> int:
    """A PostgreSQL advisory lock key (a signed 64-bit integer) for the template `name`."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextlib.contextmanager
def _template_lock(admin: psycopg.Connection, name: str) -> Iterator[None]:
    """Held while `name` is built: sessions started together (pytest-xdist workers) build it
    once; the others wait here, then find it. The server frees it if a session dies."""
    admin.execute("SELECT pg_advisory_lock(%s)", (_lock_key(name),))
    try:
        yield
    finally:
        admin.execute("SELECT pg_advisory_unlock(%s)", (_lock_key(name),))


def _build_template(admin: psycopg.Connection, name: str) -> None:
    """Migrate a new database and rename it `name`, unless another session made it first."""
    with _template_lock(admin, name):
        if not _exists(admin, name):
            _migrate_as(admin, name)


def _migrate_as(admin: psycopg.Connection, name: str) -> None:
    """Migrate a new database and rename it `name`; a session without the lock may win."""
    building = f"crmlink_b_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{building}"')
    try:
        with open_database(_database_url(building)):
            pass  # closing disposes the engine: a template must have no connections
        admin.execute(f'ALTER DATABASE "{building}" WITH ALLOW_CONNECTIONS false')
        admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
    except pg_errors.DuplicateDatabase:
        pass  # another test session made the same template first
    finally:  # renamed, there is nothing left to drop
        admin.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')


def _drop_stale_templates(admin: psycopg.Connection, current: str) -> None:
    """Templates of older migrations are dropped, unless a session still copies one."""
    rows = admin.execute(
        "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
        (TEMPLATE_PREFIX.replace("_", r"\_") + "%", current),
    ).fetchall()
    for (stale,) in rows:
        with contextlib.suppress(psycopg.Error):  # in use right now: a later session drops it
            admin.execute(f'DROP DATABASE IF EXISTS "{stale}"')


class _Dropper:
    """Drops test databases on a thread of its own: the next test need not wait for it."""

    def __init__(self) -> None:
        self._queue: queue.Queue[str | None] = queue.Queue()
        self.errors: list[str] = []
        self._thread = threading.Thread(target=self._run, name="drop-test-databases", daemon=True)
        self._thread.start()

    def drop(self, name: str) -> None:
        self._queue.put(name)

    def close(self) -> None:
        """Wait until every database handed over is dropped."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        admin: psycopg.Connection | None = None
        while (name := self._queue.get()) is not None:
            try:
                if admin is None or admin.closed:
                    admin = psycopg.connect(_conninfo(postgres_admin_url()), autocommit=True)
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except psycopg.Error as exc:
                self.errors.append(f"{name}: {exc}")
        if admin is not None:
            admin.close()


class TestDatabases:
    """The session's PostgreSQL test databases: made on one connection, dropped on a thread."""

    __test__ = False  # not a test class

    def __init__(self, admin: psycopg.Connection) -> None:
        self.admin = admin
        self.dropper = _Dropper()
        self._template: str | None = None

    def template(self) -> str:
        """The migrated template's name, made on first use (and once per migrations)."""
        if self._template is None:
            name = template_name()
            if not _exists(self.admin, name):
                _build_template(self.admin, name)
            _drop_stale_templates(self.admin, name)
            self._template = name
        return self._template

    def created(self, migrated: bool) -> Iterator[str]:
        """A new database (a template copy, or empty) for one test; dropped after it."""
        name = f"crmlink_t_{uuid.uuid4().hex[:12]}"
        if not migrated:
            self.admin.execute(f'CREATE DATABASE "{name}"')
        else:
            try:
                self.admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template()}"')
            except pg_errors.InvalidCatalogName:  # dropped by a session of other migrations
                self._template = None
                self.admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template()}"')
        try:
            yield _database_url(name)
        finally:
            self.dropper.drop(name)

    def close(self) -> None:
        self.dropper.close()
        self.admin.close()
        if self.dropper.errors:
            raise AssertionError("test databases not dropped: " + "; ".join(self.dropper.errors))


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[TestDatabases]:
    """Skips (or, with CRMLINK_REQUIRE_SERVICES=1, fails) when PostgreSQL is unreachable."""
    databases = TestDatabases(_admin_connection())
    yield databases
    databases.close()


@pytest.fixture
def postgres_empty_url(postgres_databases) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test; dropped (forcibly) after it."""
    yield from postgres_databases.created(migrated=False)


@pytest.fixture
def postgres_url(postgres_databases) -> Iterator[str]:
    """A fresh PostgreSQL database, migrated (a template copy); dropped (forcibly) after it."""
    yield from postgres_databases.created(migrated=True)


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'campaign.db'}"
    if request.node.get_closest_marker("empty_database") is not None:
        return request.getfixturevalue("postgres_empty_url")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def database(database_url) -> Iterator[Database]:
    with open_database(database_url) as opened:
        yield opened


@pytest.fixture
def crmlink_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.delenv("CRMLINK_SECRET_KEY", raising=False)
    monkeypatch.delenv("CRMLINK_HOME", raising=False)
    monkeypatch.delenv("CRMLINK_DATABASE_URL", raising=False)
    return home


@pytest.fixture
def crmlink(crmlink_home, database_url):
    """Run `crmlink ARGS…` in-process against the test home and database."""
    runner = CliRunner()
    env = {"CRMLINK_HOME": str(crmlink_home), "CRMLINK_DATABASE_URL": database_url}

    def run(*args: str, input: str | None = None, env_extra: dict | None = None):
        result = runner.invoke(app, list(args), input=input, env={**env, **(env_extra or {})})
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result

    return run
