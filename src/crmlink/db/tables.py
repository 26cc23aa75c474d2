"""The catalog tables (SQLAlchemy Core) on the shared `metadata`.

Every table here is created by a migration in `migrations/versions/`; a change to a table
is a new migration, never an edit of an old one. Modules that define more catalog tables
are imported by `migrations/env.py` so that autogenerate sees them.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Integer, String, Table, Text, false

from crmlink.db.metadata import metadata
from crmlink.db.types import UTCDateTime, utcnow

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("type", String(32), nullable=False),
    Column("url", String(2048), nullable=False),
    Column("auth", String(32), nullable=False),
    Column("username", String(255)),
    Column("client_id", String(255)),
    Column("api_version", String(16)),
    Column("sandbox", Boolean, nullable=False, server_default=false()),
    Column("ca_bundle", Text),  # path of a PEM file
    Column("private_key", Text),  # path of a PEM file
    Column("tenant_id", String(255)),
    Column("secrets", Text, nullable=False),  # Fernet token of a JSON object
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Column("updated_at", UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow),
)

catalog_info = Table(
    "catalog_info",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
