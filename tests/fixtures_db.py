"""Database fixtures: every catalog test runs on SQLite and on PostgreSQL.

    database_url   "sqlite" -> a file in tmp_path; "postgresql" -> a fresh database
                   `crmlink_t_<hex>` on CRMLINK_TEST_POSTGRES_URL's server, dropped after
    database       that database opened and migrated (a crmlink.db.Database)
    crmlink_home   an empty home folder, CRMLINK_SECRET_KEY unset (the key file is used)
    crmlink        run the CLI in-process: crmlink("account", "list", input=…) -> Result

An unreachable PostgreSQL server skips the PostgreSQL half, unless CRMLINK_REQUIRE_SERVICES=1
(CI), where it fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from crmlink.cli import app
from crmlink.db import Database, open_database

POSTGRES_ENV = "CRMLINK_TEST_POSTGRES_URL"
POSTGRES_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_admin_url() -> str:
    return os.environ.get(POSTGRES_ENV, POSTGRES_DEFAULT)


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


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test; dropped (forcibly) after it."""
    name = f"crmlink_t_{uuid.uuid4().hex[:12]}"
    with _admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(postgres_admin_url()).set(database=name).render_as_string(False)
    finally:
        with _admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'campaign.db'}"
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
