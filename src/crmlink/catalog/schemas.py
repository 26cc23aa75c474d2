"""The schema catalog: load, list and save data schemas and their change history.

Works on a caller's SQLAlchemy `Connection`, so a wizard run saves a schema, alters its
local table and records the changes in one transaction.
"""

from __future__ import annotations

import builtins
import datetime as dt
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from crmlink.catalog.schema_model import Schema, SchemaChange, SchemaField
from crmlink.catalog.schema_tables import schema_changes, schema_fields, schemas
from crmlink.errors import NotFoundError
from crmlink.model import LocalType


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _field_row(schema_id: int, position: int, f: SchemaField) -> dict:
    t = f.local_type
    return {
        "schema_id": schema_id,
        "position": position,
        "column_name": f.column,
        "remote_name": f.remote_name,
        "label": f.label,
        "remote_type": f.remote_type,
        "kind": f.kind,
        "local_type": t.name,
        "length": t.length,
        "precision": t.precision,
        "scale": t.scale,
        "is_key": f.is_key,
        "is_modified": f.is_modified,
        "formula": f.formula,
        "external_id": f.external_id,
        "required": f.required,
        "read_only": f.read_only,
        "compound_of": f.compound_of,
        "reference_to": f.reference_to,
        "enumeration": f.enumeration,
        "retired": f.retired,
    }


def _field_from_row(row: Row[Any]) -> SchemaField:
    m = row._mapping
    return SchemaField(
        column=m["column_name"],
        kind=m["kind"],
        local_type=LocalType(m["local_type"], m["length"], m["precision"], m["scale"]),
        label=m["label"],
        remote_name=m["remote_name"],
        remote_type=m["remote_type"],
        is_key=m["is_key"],
        is_modified=m["is_modified"],
        formula=m["formula"],
        external_id=m["external_id"],
        required=m["required"],
        read_only=m["read_only"],
        compound_of=m["compound_of"],
        reference_to=m["reference_to"],
        enumeration=m["enumeration"],
        retired=m["retired"],
    )


class SchemaStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def names(self) -> list[str]:
        return list(self.conn.scalars(select(schemas.c.name).order_by(schemas.c.name)))

    def list(self) -> list[Schema]:
        return [self.get(name) for name in self.names()]

    def find(self, name: str) -> Schema | None:
        row = self.conn.execute(select(schemas).where(schemas.c.name == name)).first()
        if row is None:
            return None
        m = row._mapping
        rows = self.conn.execute(
            select(schema_fields)
            .where(schema_fields.c.schema_id == m["id"])
            .order_by(schema_fields.c.position)
        )
        return Schema(
            name=m["name"],
            kind=m["kind"],
            local_table=m["local_table"],
            label=m["label"],
            account=m["account"],
            remote_table=m["remote_table"],
            key_column=m["key_column"],
            modified_column=m["modified_column"],
            fields=[_field_from_row(r) for r in rows],
        )

    def get(self, name: str) -> Schema:
        schema = self.find(name)
        if schema is None:
            from difflib import get_close_matches

            close = get_close_matches(name, self.names(), n=3)
            hint = (
                f"; did you mean: {', '.join(close)}?" if close else "; see `crmlink schema list`"
            )
            raise NotFoundError(f"no schema named {name!r}{hint}", schema=name)
        return schema

    def for_remote(self, account: str, remote_table: str) -> Schema | None:
        row = self.conn.execute(
            select(schemas.c.name).where(
                schemas.c.account == account, schemas.c.remote_table == remote_table
            )
        ).first()
        return self.find(row[0]) if row else None

    def save(self, schema: Schema) -> int:
        """Insert or replace a schema and its fields; returns its id."""
        now = _now()
        values = {
            "name": schema.name,
            "kind": schema.kind,
            "label": schema.label,
            "account": schema.account,
            "remote_table": schema.remote_table,
            "local_table": schema.local_table,
            "key_column": schema.key_column,
            "modified_column": schema.modified_column,
            "updated_at": now,
        }
        existing = self.conn.execute(select(schemas.c.id).where(schemas.c.name == schema.name))
        schema_id = existing.scalar()
        if schema_id is None:
            result = self.conn.execute(insert(schemas).values(created_at=now, **values))
            key = result.inserted_primary_key
            if key is None:  # a single-row insert always has it
                raise RuntimeError(f"inserting schema {schema.name!r} gave no id")
            schema_id = key[0]
        else:
            self.conn.execute(update(schemas).where(schemas.c.id == schema_id).values(**values))
            self.conn.execute(delete(schema_fields).where(schema_fields.c.schema_id == schema_id))
        rows = [_field_row(schema_id, i, f) for i, f in enumerate(schema.fields)]
        if rows:
            self.conn.execute(insert(schema_fields), rows)
        return schema_id

    def record(self, name: str, changes: builtins.list[SchemaChange]) -> None:
        schema_id = self.conn.execute(select(schemas.c.id).where(schemas.c.name == name)).scalar()
        rows = [
            {
                "schema_id": schema_id,
                "at": _now(),
                "change": c.change,
                "column_name": c.column,
                "detail": c.detail,
            }
            for c in changes
        ]
        if rows:
            self.conn.execute(insert(schema_changes), rows)

    def history(self, name: str) -> builtins.list[dict]:
        schema_id = self.conn.execute(select(schemas.c.id).where(schemas.c.name == name)).scalar()
        rows = self.conn.execute(
            select(schema_changes)
            .where(schema_changes.c.schema_id == schema_id)
            .order_by(schema_changes.c.id)
        )
        return [
            {
                "at": r.at.isoformat() if r.at else None,
                "change": r.change,
                "column": r.column_name,
                "detail": r.detail,
            }
            for r in rows
        ]

    def set_enumeration(self, name: str, column: str, enumeration: str | None) -> None:
        schema_id = self.conn.execute(select(schemas.c.id).where(schemas.c.name == name)).scalar()
        self.conn.execute(
            update(schema_fields)
            .where(schema_fields.c.schema_id == schema_id, schema_fields.c.column_name == column)
            .values(enumeration=enumeration)
        )
