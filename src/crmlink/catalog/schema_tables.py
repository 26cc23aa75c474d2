"""Catalog tables for data schemas, their fields and history, and enumerations."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from crmlink.db.metadata import metadata

schemas = Table(
    "schemas",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # builtin | generated | declared
    Column("label", String(255)),
    Column("account", String(64)),
    Column("remote_table", String(255)),
    Column("local_table", String(63), nullable=False, unique=True),
    Column("key_column", String(63)),
    Column("modified_column", String(63)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

schema_fields = Table(
    "schema_fields",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("schema_id", Integer, ForeignKey("schemas.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("column_name", String(63), nullable=False),
    Column("remote_name", String(255)),
    Column("label", String(255)),
    Column("remote_type", String(64)),
    Column("kind", String(32), nullable=False),
    Column("local_type", String(16), nullable=False),
    Column("length", Integer),
    Column("precision", Integer),
    Column("scale", Integer),
    Column("is_key", Boolean, nullable=False, default=False),
    Column("is_modified", Boolean, nullable=False, default=False),
    Column("formula", Boolean, nullable=False, default=False),
    Column("external_id", Boolean, nullable=False, default=False),
    Column("required", Boolean, nullable=False, default=False),
    Column("read_only", Boolean, nullable=False, default=False),
    Column("compound_of", String(255)),
    Column("reference_to", Text),
    Column("enumeration", String(128)),
    Column("retired", Boolean, nullable=False, default=False),
    UniqueConstraint("schema_id", "column_name"),
)

schema_changes = Table(
    "schema_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("schema_id", Integer, ForeignKey("schemas.id", ondelete="CASCADE"), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("change", String(16), nullable=False),  # created | added | retired | widened | …
    Column("column_name", String(63)),
    Column("detail", Text),
)

enumerations = Table(
    "enumerations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("label", String(255)),
    Column("multiple", Boolean, nullable=False, default=False),
    Column("source", String(255)),  # account/Object.Field it was last synced from
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

enum_values = Table(
    "enum_values",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("enum_id", Integer, ForeignKey("enumerations.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("value", String(255), nullable=False),
    Column("label", String(255)),
    Column("active", Boolean, nullable=False, default=True),
    UniqueConstraint("enum_id", "value"),
)
