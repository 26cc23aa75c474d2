"""Migrations: the catalog tables on SQLite and PostgreSQL, idempotent, upgraded on start."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, inspect, select, text

from crmlink.catalog.recipient import recipient, recipient_fields
from crmlink.db import make_engine, normalize_url, open_database
from crmlink.db.metadata import metadata
from crmlink.db.migrate import alembic_config, current_revision, head_revision, include_object
from crmlink.errors import UsageError

# Migrating is what these tests check: their PostgreSQL half starts empty, not from the template.
pytestmark = pytest.mark.empty_database

MINE = {"accounts", "catalog_info", "recipient"}


def tables(database) -> set[str]:
    return set(inspect(database.engine).get_table_names())


def revision(database) -> str | None:
    with database.connect() as connection:
        return current_revision(connection)


def test_open_creates_the_catalog_tables(database):
    assert tables(database) >= MINE | {"alembic_version"}
    assert revision(database) == head_revision()


def test_tables_match_the_metadata(database):
    with database.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": include_object, "compare_type": True}
        )
        diffs = compare_metadata(context, metadata)
    assert [d for d in diffs if _table_of(d) in MINE] == []  # others' tables: their tests


def _table_of(diff) -> str:
    diff = diff[0] if isinstance(diff, list) else diff
    if diff[0] in ("add_table", "remove_table"):
        return diff[1].name
    if diff[0].endswith(("_index", "_constraint")):
        return diff[1].table.name
    return diff[2]


def test_migrating_twice_changes_nothing(database_url):
    with open_database(database_url) as first, first.connect() as connection:
        info = connection.execute(text("SELECT key, value FROM catalog_info")).all()
    with open_database(database_url) as second:
        assert revision(second) == head_revision()
        with second.connect() as connection:
            assert connection.execute(text("SELECT key, value FROM catalog_info")).all() == info


def test_older_database_is_upgraded_on_start(database_url):
    head = head_revision()
    older = "0001" if head != "0001" else None  # before 0002 exists: from an empty database
    engine = make_engine(database_url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
        command.downgrade(alembic_config(connection), older or "base")
    with engine.connect() as connection:
        assert current_revision(connection) == older
    engine.dispose()
    with open_database(database_url) as database:
        assert revision(database) == head
        assert tables(database) >= MINE


def test_database_of_a_newer_crmlink_is_refused(database_url):
    with open_database(database_url) as database, database.transaction() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(UsageError) as caught:
        open_database(database_url)
    assert caught.value.message == (
        "the database was migrated by a newer crmlink (schema revision 9999): "
        "upgrade crmlink to use it"
    )


def test_catalog_info_records_the_revision(database):
    with database.connect() as connection:
        rows = dict(connection.execute(text("SELECT key, value FROM catalog_info")).all())
    assert rows["schema_revision"] == head_revision()
    assert rows["upgraded_by"].startswith("crmlink ")


def test_recipient_keeps_dates_and_utc_times(database):
    with database.transaction() as connection:
        connection.execute(
            insert(recipient).values(email="ada@example.com", birth_date=dt.date(1815, 12, 10))
        )
    with database.connect() as connection:
        row = connection.execute(select(recipient)).mappings().one()
    assert row["birth_date"] == dt.date(1815, 12, 10)
    assert row["email_opt_out"] is False
    assert row["created_at"].tzinfo == dt.UTC
    assert abs(row["created_at"] - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


def test_recipient_server_default_timestamps(database):
    with database.transaction() as connection:
        connection.execute(text("INSERT INTO recipient (email) VALUES ('x@example.com')"))
    with database.connect() as connection:
        row = connection.execute(select(recipient)).mappings().one()
    assert abs(row["modified_at"] - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


def test_recipient_fields_describe_the_table():
    fields = {f.name: f for f in recipient_fields()}
    assert list(fields)[:3] == ["id", "email", "first_name"]
    assert fields["email"].label == "Email" and fields["email"].type == "email"
    assert fields["birth_date"].type == "date" and fields["email_opt_out"].type == "boolean"
    assert fields["id"].primary_key and fields["email"].length == 255


@pytest.mark.parametrize(
    ("url", "driver"),
    [("postgresql://u@h/db", "postgresql+psycopg"), ("postgres://u@h/db", "postgresql+psycopg"),
     ("sqlite:///x.db", "sqlite")],
)  # fmt: skip
def test_urls_are_normalized(url, driver):
    assert normalize_url(url).drivername == driver


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u@h/db", "crmlink does not support mysql databases"),
        ("nonsense", "'nonsense' is not a database URL"),
    ],
)
def test_unsupported_urls_are_refused(url, message):
    with pytest.raises(UsageError, match=message):
        make_engine(url)


def test_unreachable_server_is_one_sentence():
    with pytest.raises(UsageError) as caught:
        open_database("postgresql://nobody:s3cret@127.0.0.1:1/none")
    assert caught.value.message.startswith("cannot open the database postgresql://")
    assert caught.value.message.endswith("check CRMLINK_DATABASE_URL")
    assert "s3cret" not in caught.value.message
