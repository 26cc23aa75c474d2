"""Campaign databases that cannot serve: corrupt, truncated, read-only, full, a catalog
table dropped, locked, in memory, not crmlink's, PostgreSQL URLs with garbage options,
over-long users, unreachable ports. One sentence each with the fix, exit 2 (1 for a moment's
trouble: busy, full), no raw driver error, and nothing stored: the broken file's bytes, or
the database's dump, are the same afterwards."""

from __future__ import annotations

import hashlib
import sqlite3

import psycopg
import pytest
from sqlalchemy.engine import make_url

from crmlink.db import engine as db_engine

SECRET = "s3cret-Client-Secret-9Qz"
ADD = ("account", "add", "sf", "--type", "salesforce", "--url", "https://acme.example",
       "--auth", "client-credentials", "--client-id", "c", "--secrets-stdin")  # fmt: skip
INPUT = f"client_secret={SECRET}\n"


def _settled(path):
    """The database of `path` checkpointed into its one file (no -wal to compare)."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.execute("PRAGMA journal_mode=DELETE")
    connection.close()
    return path.read_bytes()


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def _on(hostile, url):
    """Point the harness (the CLI and its dump) at another database URL."""
    hostile.env["CRMLINK_DATABASE_URL"] = url
    hostile.database_url = url
    return hostile


def _refuses_untouched(hostile, path, *args, **expect):
    """`hostile.refuses` on a database the harness cannot dump: its bytes are compared."""
    before = _digest(path)
    sentence = hostile.refuses(*args, **expect)
    assert _digest(path) == before, f"{path.name} changed"
    assert SECRET not in sentence
    return sentence


@pytest.fixture
def good_file(hostile, tmp_path):
    """A migrated crmlink database in one file (no WAL beside it)."""
    path = tmp_path / "good.db"
    own = hostile.env["CRMLINK_DATABASE_URL"]
    hostile.env["CRMLINK_DATABASE_URL"] = f"sqlite:///{path}"
    hostile.cli("schema", "list")
    hostile.env["CRMLINK_DATABASE_URL"] = own  # the harness keeps comparing its own
    _settled(path)
    return path


def _broken(tmp_path, data, name="broken.db"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lambda b: b[: len(b) // 3], "malformed"),
        (lambda b: b[:4096] + b"\xff" * 4096 + b[8192:], "malformed"),
        (lambda b: b[:100], "malformed"),
        (lambda b: b"garbage, not a database\n" * 100, "not a database"),
        (lambda b: bytes(range(256)) * 64, "not a database"),
    ],
    ids=["truncated-third", "page-overwritten", "header-only", "text", "binary"],
)
@pytest.mark.parametrize("command", [("account", "list"), ADD, ("schema", "list")])
def test_a_damaged_sqlite_file_is_one_sentence(hostile, good_file, tmp_path, damage, says,
                                               command):  # fmt: skip
    path = _broken(tmp_path, damage(good_file.read_bytes()))
    hostile.env["CRMLINK_DATABASE_URL"] = f"sqlite:///{path}"
    sentence = _refuses_untouched(hostile, path, *command, input=INPUT, says=says)
    assert str(path) in sentence


def test_a_fifo_as_the_database_file_is_refused_not_waited_on(hostile, tmp_path):
    import os

    path = tmp_path / "fifo.db"
    os.mkfifo(path)
    hostile.env["CRMLINK_DATABASE_URL"] = f"sqlite:///{path}"
    hostile.refuses("account", "list", says=["not a regular file", str(path)])


def test_a_read_only_database_refuses_a_write_in_one_sentence(hostile, good_file):
    # SQLite's own read-only open (mode=ro): the mechanism a read-only file or folder
    # leads to, and one that holds even for root, who ignores file modes
    url = f"sqlite:///file:{good_file}?mode=ro&uri=true"
    _on(hostile, url)
    hostile.accepts("account", "list")  # reading still works
    sentence = hostile.refuses(*ADD, input=INPUT, says=["read-only", "CRMLINK_DATABASE_URL"])
    assert SECRET not in sentence


def test_a_full_disk_is_one_sentence_and_the_database_is_unchanged(hostile, good_file,
                                                                  monkeypatch):  # fmt: skip
    # SQLite's max_page_count caps the file at the pages it has: any growth fails with
    # SQLITE_FULL, as on a full disk (the pragma holds per connection, so every
    # connection crmlink opens gets it)
    pages = sqlite3.connect(good_file).execute("PRAGMA page_count").fetchone()[0]
    on_connect = db_engine._sqlite_on_connect

    def full(dbapi_connection, record):
        on_connect(dbapi_connection, record)
        dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    monkeypatch.setattr(db_engine, "_sqlite_on_connect", full)
    _on(hostile, f"sqlite:///{good_file}")
    text = "name: big\ndescription: " + "x" * 400_000 + "\nactivities:\n" \
        "  q: {type: query, table: recipient}\n"  # fmt: skip
    path = hostile.write("big.yaml", text)
    hostile.refuses("workflow", "add", str(path), code=1, says=["full", "free some space"])


@pytest.mark.parametrize(("table", "command"), [
    ("accounts", ("account", "list")),
    ("accounts", ADD),
    ("workflows", ("workflow", "list")),
    ("schemas", ("schema", "list")),
])  # fmt: skip
def test_a_dropped_catalog_table_is_named(hostile, good_file, table, command):
    connection = sqlite3.connect(good_file)
    connection.execute("PRAGMA foreign_keys=OFF")
    connection.execute(f'DROP TABLE "{table}"')
    connection.commit()
    connection.close()
    before = _sql(good_file)  # the harness cannot reflect a catalog with a table missing
    hostile.env["CRMLINK_DATABASE_URL"] = f"sqlite:///{good_file}"
    sentence = hostile.refuses(*command, input=INPUT, says=[f"no table '{table}'", "backup"])
    assert SECRET not in sentence
    assert _sql(good_file) == before


def _sql(path):
    connection = sqlite3.connect(path)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def test_a_locked_database_is_busy_not_a_traceback(hostile, good_file, monkeypatch):
    monkeypatch.setattr(db_engine, "SQLITE_BUSY_MS", 200)
    _on(hostile, f"sqlite:///{good_file}")
    holder = sqlite3.connect(good_file, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        before = _digest(good_file)
        result = hostile.cli(*ADD, input=INPUT)
        assert _digest(good_file) == before
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: the campaign database is busy")
    assert len(result.stderr.splitlines()) == 1
    assert SECRET not in result.output


def test_a_database_that_is_not_crmlinks_is_refused_untouched(hostile, tmp_path):
    path = tmp_path / "shop.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, total NUMERIC)")
    connection.execute("INSERT INTO orders VALUES (1, 9.5)")
    connection.commit()
    connection.close()
    hostile.env["CRMLINK_DATABASE_URL"] = f"sqlite:///{path}"
    _refuses_untouched(hostile, path, "account", "list", says=["not crmlink's", "orders"])
    tables = sqlite3.connect(path).execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == [("orders",)]


@pytest.mark.parametrize(
    "url",
    ["sqlite://", "sqlite:///:memory:", "sqlite:///file::memory:?uri=true",
     "sqlite:///file:cat?mode=memory&uri=true", "sqlite+pysqlite://"],
    ids=["empty", "memory", "uri-memory", "uri-mode-memory", "pysqlite-empty"],
)  # fmt: skip
def test_a_memory_database_is_refused_for_the_catalog(hostile, url):
    hostile.env["CRMLINK_DATABASE_URL"] = url
    sentence = hostile.refuses(*ADD, input=INPUT, says=["in-memory", "CRMLINK_DATABASE_URL"])
    assert SECRET not in sentence


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("garbage", "not a database URL"),
        ("mysql://u@h/db", "does not support"),
        ("sqlite://host/x.db", "names a host"),
        ("sqlite:////no/such/folder/x.db", "does not exist"),
    ],
    ids=["not-a-url", "mysql", "sqlite-host", "missing-folder"],
)
def test_a_database_url_of_the_wrong_shape_is_refused(hostile, url, says):
    hostile.env["CRMLINK_DATABASE_URL"] = url
    hostile.refuses("account", "list", says=says)


def test_a_folder_as_the_database_file_is_refused(hostile, tmp_path):
    hostile.env["CRMLINK_DATABASE_URL"] = f"sqlite:///{tmp_path}"
    hostile.refuses("account", "list", says="names the folder")


# -- PostgreSQL ----------------------------------------------------------------------------
def _pg(postgres_url, **changes):
    url = make_url(postgres_url)
    query = changes.pop("query", None)
    url = url.set(**changes)
    if query:
        url = url.update_query_dict(query)
    return url.render_as_string(hide_password=False)


PG_BAD = {
    "sslmode-bogus": ({"query": {"sslmode": "bogus"}}, "sslmode"),
    "unknown-option": ({"query": {"no_such_option": "1"}}, "no_such_option"),
    "long-user": ({"username": "u" * 500}, "cannot open the database"),
    "unreachable-port": ({"port": 1}, "port 1"),
    "port-out-of-range": ({"port": 99999}, "99999"),
    "no-such-database": ({"database": "crmlink_no_such_db_x"}, "crmlink_no_such_db_x"),
}


@pytest.mark.postgres
@pytest.mark.parametrize(("changes", "says"), list(PG_BAD.values()), ids=list(PG_BAD))
def test_a_postgresql_url_that_cannot_connect_is_one_sentence(hostile_pg, changes, says):
    good = hostile_pg.dump()
    hostile_pg.env["CRMLINK_DATABASE_URL"] = _pg(hostile_pg.database_url, **changes)
    sentence = hostile_pg.refuses(*ADD, input=INPUT, says=[says, "CRMLINK_DATABASE_URL"])
    assert len(sentence) < 600 and SECRET not in sentence
    assert hostile_pg.dump() == good


@pytest.mark.postgres
def test_a_dropped_postgresql_catalog_table_is_named(hostile_pg):
    conninfo = make_url(hostile_pg.database_url).set(drivername="postgresql")
    with psycopg.connect(conninfo.render_as_string(hide_password=False), autocommit=True) as c:
        c.execute("DROP TABLE accounts CASCADE")
    sentence = hostile_pg.refuses("account", "list", says=["no table 'accounts'", "backup"])
    assert "relation" not in sentence


@pytest.mark.postgres
def test_a_postgresql_database_that_is_not_crmlinks_is_refused(hostile, postgres_empty_url):
    conninfo = make_url(postgres_empty_url).set(drivername="postgresql")
    conninfo = conninfo.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute("CREATE TABLE orders (id integer PRIMARY KEY)")
    hostile.env["CRMLINK_DATABASE_URL"] = postgres_empty_url
    hostile.refuses(*ADD, input=INPUT, says=["not crmlink's", "orders"])
    with psycopg.connect(conninfo) as connection:
        found = connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        assert [name for (name,) in found] == ["orders"]
