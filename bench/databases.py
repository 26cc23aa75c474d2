"""A fresh target database per run (a new SQLite file, a new PostgreSQL database) and its
row counts: every contestant starts from nothing, and is judged by what it left there."""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_ADMIN = f"{PG_SERVER}/test"  # the brief's database: new ones are made from it


@dataclass(frozen=True)
class Target:
    kind: str  # sqlite | postgresql
    url: str  # a plain URL the peers' loaders open (sqlite:///path, postgresql://…)
    pg_name: str | None = None

    @property
    def sqlalchemy_url(self) -> str:
        """The URL as crmlink's CRMLINK_DATABASE_URL wants it."""
        if self.kind == "postgresql":
            return self.url.replace("postgresql://", "postgresql+psycopg://", 1)
        return self.url


def fresh(kind: str, folder: Path) -> Target:
    if kind == "sqlite":
        return Target("sqlite", f"sqlite:///{folder / 'target.db'}")
    name = f"crmlink_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return Target("postgresql", f"{PG_SERVER}/{name}", name)


def drop(target: Target) -> None:
    if target.pg_name:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            admin.execute(statement.format(sql.Identifier(target.pg_name)))


def count_rows(target: Target, table: str, key: str = "Id") -> int:
    """Distinct `key` values in `table`: a duplicate row is not a row gained."""
    if target.kind == "sqlite":
        with sqlite3.connect(target.url.removeprefix("sqlite:///")) as conn:
            name, column = (_quote(table), _quote(key))
            return int(conn.execute(f"SELECT count(DISTINCT {column}) FROM {name}").fetchone()[0])
    with psycopg.connect(target.url) as conn:
        query = sql.SQL("SELECT count(DISTINCT {}) FROM {}").format(
            sql.Identifier(key), sql.Identifier(table)
        )
        row = conn.execute(query).fetchone()
        return int(row[0]) if row else 0


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
