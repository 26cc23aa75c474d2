"""Creating, updating, upserting and deleting records: payload checks, `@odata.bind`,
server-kept columns (ids, createdon/modifiedon, owners, state/status, row versions).
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import uuid
from dataclasses import dataclass, field

from crmlink.sandbox.dynamics.errors import (
    DuplicateRecord,
    InvalidPayload,
    VersionMismatch,
    record_not_found,
)
from crmlink.sandbox.dynamics.models.data.tables import DELETED, OrgStore, table
from crmlink.sandbox.dynamics.models.data.values import quote_ident, to_storage, type_column
from crmlink.sandbox.dynamics.models.metadata.model import AttributeDef, EntityDef

_BIND = re.compile(r"(?:^|/)([A-Za-z_][\w]*)\(([0-9a-fA-F-]{36})\)$")
_SYSTEM = frozenset({"createdon", "modifiedon", "versionnumber", "createdby", "modifiedby"})


def now_text() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _payload_error(entity: EntityDef, name: str) -> InvalidPayload:
    return InvalidPayload(
        f"Error identified in Payload provided by the user for Entity :'{entity.entity_set_name}', "
        "For more information on this error please follow this help link "
        "https://go.microsoft.com/fwlink/?linkid=2195293  ---->  InnerException : "
        f"Microsoft.OData.ODataException: The property '{name}' does not exist on type "
        f"'Microsoft.Dynamics.CRM.{entity.logical_name}'. Make sure to only use property names "
        "that are defined by the type or mark the type as open type."
    )


@dataclass
class Writer:
    org: OrgStore
    user_id: str
    generated: list = field(default_factory=list)  # (make, value) in the order drawn
    replaying: dict | None = None  # make -> the values it drew, while a late commit re-runs

    def fresh(self, make):
        """A new id or timestamp; replayed identically when a late commit re-runs. Draws
        are replayed by kind: a write that lands late may take another branch than its
        check did (an upsert checked as a create lands as an update when its record came
        meanwhile), and must not take a recorded id for its timestamp."""
        if self.replaying is not None and self.replaying.get(make):
            return self.replaying[make].pop(0)
        value = make()
        self.generated.append((make, value))
        return value

    def replay(self) -> None:
        self.replaying = {}
        for make, value in self.generated:
            self.replaying.setdefault(make, []).append(value)
        self.generated = []

    # -- payloads ----------------------------------------------------------------------
    def values(self, conn: sqlite3.Connection, entity: EntityDef, body: dict) -> dict[str, object]:
        """Column → storage value for a JSON payload (binds resolved, types checked)."""
        if not isinstance(body, dict):
            raise InvalidPayload("The request body must be a JSON object.")
        out: dict[str, object] = {}
        for key, value in body.items():
            if key.endswith("@odata.bind"):
                self._bind(conn, entity, key[: -len("@odata.bind")], value, out)
            elif key.startswith("@odata.") or "@" in key:
                continue
            else:
                attr = entity.attributes.get(key)
                if attr is None or attr.is_lookup or attr.logical_name not in _stored(entity):
                    raise _payload_error(entity, key)
                if attr.logical_name in _SYSTEM:
                    continue
                out[quote_ident(attr.logical_name)] = to_storage(attr, value)
        return out

    def _bind(self, conn, entity: EntityDef, nav: str, value, out: dict) -> None:
        attr, fixed_target = _nav_attribute(entity, nav)
        if attr is None:
            raise _payload_error(entity, nav)
        col = quote_ident(attr.logical_name)
        if value is None:
            out[col] = None
            if attr.polymorphic:
                out[type_column(attr)] = None
            return
        target, target_id = self._resolve_bind(conn, str(value))
        if (fixed_target and target.logical_name != fixed_target) or (
            attr.targets and target.logical_name not in attr.targets
        ):
            raise InvalidPayload(
                f"An undeclared property '{nav}' which only has property annotations in the "
                "payload but no property value was found in the payload."
            )
        out[col] = target_id
        if attr.polymorphic:
            out[type_column(attr)] = target.logical_name

    def _resolve_bind(self, conn, ref: str) -> tuple[EntityDef, str]:
        match = _BIND.search(ref.strip())
        target = self.org.schema.by_set(match.group(1)) if match else None
        if match is None or target is None:
            raise InvalidPayload(f"Invalid @odata.bind reference '{ref}'.")
        target_id = match.group(2).lower()
        pk = quote_ident(target.primary_id)
        if (
            conn.execute(f"SELECT 1 FROM {table(target)} WHERE {pk} = ?", (target_id,)).fetchone()
            is None
        ):
            raise record_not_found(target.logical_name, target_id)
        return target, target_id

    # -- operations ----------------------------------------------------------------------
    def create(self, conn, entity: EntityDef, body: dict, record_id: str | None = None) -> str:
        values = self.values(conn, entity, body)
        pk = quote_ident(entity.primary_id)
        record_id = str(values.pop(pk, None) or record_id or self.fresh(uuid.uuid4)).lower()
        now = self.fresh(now_text)
        row = {pk: record_id, **self._defaults(entity, values, now), **values}
        row[quote_ident("versionnumber")] = self.org.next_versions(conn)
        self._derive(entity, row)
        cols = ", ".join(row)
        marks = ", ".join("?" * len(row))
        try:
            conn.execute(
                f"INSERT INTO {table(entity)} ({cols}) VALUES ({marks})", list(row.values())
            )
        except sqlite3.IntegrityError:
            raise DuplicateRecord("A record with matching key values already exists.") from None
        return record_id

    def _defaults(self, entity: EntityDef, values: dict, now: str) -> dict:
        attrs = entity.attributes
        row: dict[str, object] = {}
        for name, value in (("createdon", now), ("modifiedon", now)):
            if name in attrs:
                row[quote_ident(name)] = value
        for name in ("createdby", "modifiedby", "ownerid"):
            if name in attrs and attrs[name].is_lookup:
                row[quote_ident(name)] = self.user_id
                if attrs[name].polymorphic:
                    row[type_column(attrs[name])] = "systemuser"
        if "statecode" in attrs and quote_ident("statecode") not in values:
            row[quote_ident("statecode")] = 0
        return row

    def _derive(self, entity: EntityDef, row: dict) -> None:
        """Columns the platform computes: statuscode from statecode, fullname."""
        attrs = entity.attributes
        state_key, status_key = quote_ident("statecode"), quote_ident("statuscode")
        if state_key in row and status_key not in row and "statecode" in attrs:
            state = attrs["statecode"]
            for opt in state.options:
                if opt.value == row[state_key] and opt.default_status is not None:
                    row[status_key] = opt.default_status
        for attr in entity.attributes.values():
            kind_attr = attrs.get(f"{attr.logical_name}type")
            if attr.polymorphic and kind_attr is not None and type_column(attr) in row:
                row[quote_ident(kind_attr.logical_name)] = row[type_column(attr)]
        first, last, full = (quote_ident(n) for n in ("firstname", "lastname", "fullname"))
        if "fullname" in attrs and "firstname" in attrs and (first in row or last in row):
            row.setdefault(full, " ".join(str(row[k]) for k in (first, last) if row.get(k)))

    def update(self, conn, entity: EntityDef, record_id: str, body: dict, if_match=None) -> None:
        values = self.values(conn, entity, body)
        values.pop(quote_ident(entity.primary_id), None)
        current = self.version_of(conn, entity, record_id)
        if current is None:
            raise record_not_found(entity.logical_name, record_id)
        if if_match and if_match != "*" and if_match.strip('W/"') != str(current):
            raise VersionMismatch(
                "The version of the existing record doesn't match the RowVersion property provided."
            )
        self._derive(entity, values)
        if "modifiedon" in entity.attributes:
            values[quote_ident("modifiedon")] = self.fresh(now_text)
        if "modifiedby" in entity.attributes:
            values[quote_ident("modifiedby")] = self.user_id
        values[quote_ident("versionnumber")] = self.org.next_versions(conn)
        sets = ", ".join(f"{col} = ?" for col in values)
        pk = quote_ident(entity.primary_id)
        try:
            conn.execute(
                f"UPDATE {table(entity)} SET {sets} WHERE {pk} = ?", [*values.values(), record_id]
            )
        except sqlite3.IntegrityError:
            raise DuplicateRecord("A record with matching key values already exists.") from None

    def delete(self, conn, entity: EntityDef, record_id: str, if_match=None) -> None:
        current = self.version_of(conn, entity, record_id)
        if current is None:
            raise record_not_found(entity.logical_name, record_id)
        if if_match and if_match != "*" and if_match.strip('W/"') != str(current):
            raise VersionMismatch(
                "The version of the existing record doesn't match the RowVersion property provided."
            )
        pk = quote_ident(entity.primary_id)
        conn.execute(f"DELETE FROM {table(entity)} WHERE {pk} = ?", (record_id,))
        version = self.org.next_versions(conn)
        conn.execute(
            f"INSERT INTO {DELETED} VALUES (?, ?, ?, ?)",
            (entity.logical_name, record_id, version, now_text()),
        )

    def version_of(self, conn, entity: EntityDef, record_id: str) -> int | None:
        pk = quote_ident(entity.primary_id)
        row = conn.execute(
            f'SELECT "versionnumber" FROM {table(entity)} WHERE {pk} = ?', (record_id,)
        ).fetchone()
        return None if row is None else row[0]


def _stored(entity: EntityDef) -> set[str]:
    return {a.logical_name for a in entity.stored}


def _nav_attribute(entity: EntityDef, nav: str) -> tuple[AttributeDef | None, str | None]:
    """The lookup a navigation property name binds, and the target it fixes (if any)."""
    lowered = nav.lower()
    for attr in entity.attributes.values():
        if not attr.is_lookup:
            continue
        if lowered in (attr.logical_name, attr.schema_name.lower()):
            return attr, None
        for target in attr.targets:
            if lowered == f"{attr.logical_name}_{target}":
                return attr, target
    return None, None
