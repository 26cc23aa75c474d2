"""The test fixtures' PostgreSQL template: migrated once, copied per test, renamed by migrations."""

from __future__ import annotations

import threading
import uuid

import psycopg
import pytest
from sqlalchemy import inspect

from crmlink.db import make_engine
from crmlink.db.migrate import current_revision, head_revision
from tests import fixtures_db


def _revision_and_tables(url: str) -> tuple[str | None, set[str]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return current_revision(connection), set(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def test_template_is_named_by_the_head_revision():
    assert fixtures_db.template_name().startswith(f"crmlink_tmpl_{head_revision()}_")


def test_template_name_changes_when_a_migration_script_changes(tmp_path, monkeypatch):
    scripts = tmp_path / "migrations"
    scripts.mkdir()
    (scripts / "0001_x.py").write_text("revision = '0001'\n")
    monkeypatch.setattr(fixtures_db, "MIGRATIONS", scripts)
    before = fixtures_db.template_name()
    (scripts / "0001_x.py").write_text("revision = '0001'  # edited\n")
    assert fixtures_db.template_name() != before


@pytest.mark.postgres
def test_a_test_database_is_a_migrated_copy(postgres_url):
    revision, tables = _revision_and_tables(postgres_url)
    assert revision == head_revision()
    assert {"accounts", "catalog_info", "recipient"} <= tables


@pytest.mark.postgres
def test_an_empty_database_has_no_tables(postgres_empty_url):
    assert _revision_and_tables(postgres_empty_url) == (None, set())


@pytest.mark.empty_database
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_empty_database_mark_gives_an_empty_database(database_url):
    assert _revision_and_tables(database_url) == (None, set())


@pytest.mark.postgres
def test_a_template_dropped_by_another_session_is_made_again(postgres_databases):
    postgres_databases._template = "crmlink_tmpl_dropped_meanwhile"  # what a stale name meets
    made = postgres_databases.created(migrated=True)
    url = next(made)
    assert _revision_and_tables(url)[0] == head_revision()
    assert postgres_databases.template() == fixtures_db.template_name()
    made.close()  # the test database goes to the dropper


@pytest.mark.postgres
def test_a_template_being_built_elsewhere_is_waited_for_not_built_again(
    postgres_databases, monkeypatch
):
    migrated: list[str] = []
    monkeypatch.setattr(fixtures_db, "_migrate_as", lambda admin, name: migrated.append(name))
    name = f"crmlink_lock_{uuid.uuid4().hex[:12]}"  # not a template name: no session drops it
    admin = postgres_databases.admin
    url = fixtures_db._conninfo(fixtures_db.postgres_admin_url())
    with psycopg.connect(url, autocommit=True) as other:  # another worker's admin connection
        builder = threading.Thread(target=fixtures_db._build_template, args=(other, name))
        try:
            with fixtures_db._template_lock(admin, name):  # this session is building it
                builder.start()
                builder.join(timeout=0.5)
                assert builder.is_alive(), "_build_template did not wait for the lock"
                admin.execute(f'CREATE DATABASE "{name}"')  # built
            builder.join()
            assert migrated == []  # found once its turn came
        finally:
            if builder.ident is not None:
                builder.join()
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
