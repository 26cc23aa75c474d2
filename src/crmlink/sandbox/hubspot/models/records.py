"""CRM records of every object type in one SQLite table (`records`, the shared contract:
the search helper reads it directly), with unique values indexed beside it.

Values are checked against the property catalog (`models/values.py`) and stored as the
wire text; `hs_object_id`, `createdate`, `hs_lastmodifieddate` (and `lastmodifieddate` on
contacts) are kept by the server in `properties` too. Modified stamps come from the
sandbox clock in milliseconds. Archived records stay 90 days on that clock, then go the
next time archived records are looked at.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from crmlink.sandbox.core.clock import SandboxClock
from crmlink.sandbox.core.store import SqliteStore
from crmlink.sandbox.hubspot.errors import Conflict, object_not_found
from crmlink.sandbox.hubspot.models.derived import derived_values
from crmlink.sandbox.hubspot.models.objects import ObjectRegistry, ObjectType
from crmlink.sandbox.hubspot.models.properties import PropertyCatalog
from crmlink.sandbox.hubspot.models.validation import validate
from crmlink.sandbox.hubspot.models.values import ms_to_wire

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
  object_type TEXT NOT NULL,
  id INTEGER NOT NULL,
  properties TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  archived INTEGER NOT NULL DEFAULT 0,
  archived_ms INTEGER,
  PRIMARY KEY (object_type, id));
CREATE INDEX IF NOT EXISTS records_modified ON records(object_type, archived, updated_ms, id);
CREATE TABLE IF NOT EXISTS unique_values (
  object_type TEXT NOT NULL,
  property TEXT NOT NULL,
  value TEXT NOT NULL,
  id INTEGER NOT NULL,
  PRIMARY KEY (object_type, property, value));
CREATE INDEX IF NOT EXISTS unique_values_record ON unique_values(object_type, id);
"""
COLUMNS = "object_type, id, properties, created_ms, updated_ms, archived, archived_ms"
RETENTION_DAYS = 90
DAY_MS = 86_400_000
Row = Sequence[Any]  # a `records` row in COLUMNS order (a tuple or sqlite3.Row)


def unique_key(name: str, value: str) -> str:
    """How a unique value is compared: e-mail addresses without case."""
    return value.lower() if name == "email" else value


class RecordStore:
    def __init__(
        self,
        store: SqliteStore,
        objects: ObjectRegistry,
        catalog: PropertyCatalog,
        clock: SandboxClock,
    ) -> None:
        self.store, self.objects, self.catalog, self.clock = store, objects, catalog, clock
        with store.transaction() as conn:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)

    def now_ms(self) -> int:
        return int(self.clock.timestamp() * 1000)

    @contextmanager
    def batch(self) -> Iterator[sqlite3.Connection]:
        """One write transaction for several writes (a batch call)."""
        with self.store.transaction() as conn:
            yield conn

    # -- reads ------------------------------------------------------------------------
    def get(self, object_type: ObjectType, record_id: int, *, archived: bool = False) -> Row | None:
        if archived:
            self.purge()
        with self.store.reader() as conn:
            return conn.execute(
                f"SELECT {COLUMNS} FROM records WHERE object_type = ? AND id = ? AND archived = ?",
                (object_type.name, record_id, int(archived)),
            ).fetchone()

    def get_by(self, object_type: ObjectType, id_property: str, value: str) -> Row | None:
        """A live record by a unique property's value (`idProperty=`)."""
        if id_property == "hs_object_id":
            found_id = parse_id(value)
            return None if found_id is None else self.get(object_type, found_id)
        with self.store.reader() as conn:
            found = conn.execute(
                "SELECT id FROM unique_values WHERE object_type = ? AND property = ? AND value = ?",
                (object_type.name, id_property, unique_key(id_property, value)),
            ).fetchone()
        return self.get(object_type, found[0]) if found else None

    def page(
        self, object_type: ObjectType, after: int, limit: int, *, archived: bool = False
    ) -> list[Row]:
        """Up to `limit` records from id `after` on, in id order."""
        if archived:
            self.purge()
        with self.store.reader() as conn:
            return conn.execute(
                f"SELECT {COLUMNS} FROM records WHERE object_type = ? AND archived = ? AND id >= ? "
                "ORDER BY id LIMIT ?",
                (object_type.name, int(archived), after, limit),
            ).fetchall()

    def count(self, object_type: ObjectType, *, archived: bool = False) -> int:
        with self.store.reader() as conn:
            return int(
                conn.execute(
                    "SELECT COUNT(*) FROM records WHERE object_type = ? AND archived = ?",
                    (object_type.name, int(archived)),
                ).fetchone()[0]
            )

    def purge(self) -> int:
        """Archived records older than the retention go for good."""
        cutoff = self.now_ms() - RETENTION_DAYS * DAY_MS
        with self.store.transaction() as conn:
            return conn.execute(
                "DELETE FROM records WHERE archived = 1 AND archived_ms < ?", (cutoff,)
            ).rowcount

    # -- validation -------------------------------------------------------------------
    def validate(
        self, object_type: ObjectType, properties: Mapping[str, Any]
    ) -> dict[str, str | None]:
        """The stored text of each value; every problem at once as HubSpot's 400."""
        return validate(self.catalog.of(object_type.name), properties)

    # -- writes -----------------------------------------------------------------------
    def create(self, object_type: ObjectType, properties: Mapping[str, Any]) -> Row:
        values = self.validate(object_type, properties)
        now = self.now_ms()
        with self.store.transaction() as conn:
            self._check_unique(conn, object_type, values, None)
            record_id = self._next_id(conn, object_type)
            props = {k: v for k, v in values.items() if v is not None}
            props = self._stamped(object_type, props, record_id, now, now)
            conn.execute(
                "INSERT INTO records (object_type, id, properties, created_ms, updated_ms) "
                "VALUES (?, ?, ?, ?, ?)",
                (object_type.name, record_id, json.dumps(props), now, now),
            )
            self._index_unique(conn, object_type, record_id, props)
            return (object_type.name, record_id, json.dumps(props), now, now, 0, None)

    def update(self, object_type: ObjectType, record_id: int, properties: Mapping[str, Any]) -> Row:
        values = self.validate(object_type, properties)
        now = self.now_ms()
        with self.store.transaction() as conn:
            row = self.get(object_type, record_id)
            if row is None:
                raise object_not_found(str(record_id))
            self._check_unique(conn, object_type, values, record_id)
            props = json.loads(row[2])
            for name, value in values.items():
                if value is None:
                    props.pop(name, None)
                else:
                    props[name] = value
            props = self._stamped(object_type, props, record_id, row[3], now)
            conn.execute(
                "UPDATE records SET properties = ?, updated_ms = ? "
                "WHERE object_type = ? AND id = ?",
                (json.dumps(props), now, object_type.name, record_id),
            )
            self._unindex(conn, object_type, record_id)
            self._index_unique(conn, object_type, record_id, props)
            return (object_type.name, record_id, json.dumps(props), row[3], now, 0, None)

    def upsert(
        self, object_type: ObjectType, id_property: str, value: str, properties: Mapping[str, Any]
    ) -> tuple[Row, bool]:
        """Update the record whose unique `id_property` is `value`, else create it."""
        with self.store.transaction():
            found = self.get_by(object_type, id_property, value)
            if found is not None:
                return self.update(object_type, found[1], properties), False
            merged = {**properties}
            if id_property != "hs_object_id":
                merged.setdefault(id_property, value)
            return self.create(object_type, merged), True

    def archive(self, object_type: ObjectType, record_id: int) -> bool:
        """Move a live record to the recycle bin; False when there is none."""
        now = self.now_ms()
        with self.store.transaction() as conn:
            done = conn.execute(
                "UPDATE records SET archived = 1, archived_ms = ? "
                "WHERE object_type = ? AND id = ? AND archived = 0",
                (now, object_type.name, record_id),
            ).rowcount
            self._unindex(conn, object_type, record_id)
        return bool(done)

    def drop_type(self, object_type: str) -> None:
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM records WHERE object_type = ?", (object_type,))
            conn.execute("DELETE FROM unique_values WHERE object_type = ?", (object_type,))

    def drop_all(self) -> None:
        """Every record goes (and every association: the table the search helper keeps)."""
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM records")
            conn.execute("DELETE FROM unique_values")
            exists = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'associations'"
            ).fetchone()
            if exists:
                conn.execute("DELETE FROM associations")

    # -- helpers ----------------------------------------------------------------------
    def _stamped(
        self, object_type: ObjectType, props: dict, record_id: int, created: int, updated: int
    ) -> dict:
        props.update(derived_values(object_type.name, props, created))
        props["hs_object_id"] = str(record_id)
        props["createdate"] = ms_to_wire(created)
        props["hs_lastmodifieddate"] = ms_to_wire(updated)
        if object_type.name == "contacts":
            props["lastmodifieddate"] = ms_to_wire(updated)
        return props

    def _next_id(self, conn: sqlite3.Connection, object_type: ObjectType) -> int:
        top = conn.execute(
            "SELECT MAX(id) FROM records WHERE object_type = ?", (object_type.name,)
        ).fetchone()[0]
        return object_type.first_id if top is None else int(top) + 1

    def _check_unique(
        self,
        conn: sqlite3.Connection,
        object_type: ObjectType,
        values: Mapping[str, str | None],
        own_id: int | None,
    ) -> None:
        for name in self.catalog.unique_names(object_type.name):
            value = values.get(name)
            if value is None:
                continue
            found = conn.execute(
                "SELECT id FROM unique_values WHERE object_type = ? AND property = ? AND value = ?",
                (object_type.name, name, unique_key(name, value)),
            ).fetchone()
            if found is not None and found[0] != own_id:
                raise Conflict(f"{object_type.singular} already exists. Existing ID: {found[0]}")

    def _index_unique(
        self, conn: sqlite3.Connection, object_type: ObjectType, record_id: int, props: dict
    ) -> None:
        for name in self.catalog.unique_names(object_type.name):
            if props.get(name) is not None:
                conn.execute(
                    "INSERT OR REPLACE INTO unique_values VALUES (?, ?, ?, ?)",
                    (object_type.name, name, unique_key(name, props[name]), record_id),
                )

    def _unindex(self, conn: sqlite3.Connection, object_type: ObjectType, record_id: int) -> None:
        conn.execute(
            "DELETE FROM unique_values WHERE object_type = ? AND id = ?",
            (object_type.name, record_id),
        )

    # -- rendering --------------------------------------------------------------------
    def render(self, row: Row, properties: list[str] | None = None) -> dict[str, Any]:
        """HubSpot's SimplePublicObject JSON for a `records` row (default properties when
        `properties` is None; requested ones that do not exist are left out)."""
        object_type = self.objects.resolve(row[0])
        stored = json.loads(row[2])
        if properties is None:
            names: Sequence[str] = object_type.default_properties
        else:
            known = self.catalog.of(object_type.name)
            names = [n for n in properties if n in known]
        body: dict[str, Any] = {
            "id": str(row[1]),
            "properties": {n: stored.get(n) for n in names},
            "createdAt": ms_to_wire(row[3]),
            "updatedAt": ms_to_wire(row[4]),
            "archived": bool(row[5]),
        }
        if row[5]:
            body["archivedAt"] = ms_to_wire(row[6])
        return body


def parse_id(text: str) -> int | None:
    """A record id from untrusted text: ASCII digits that fit SQLite's INTEGER, else None."""
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        return None
    return int(text)
