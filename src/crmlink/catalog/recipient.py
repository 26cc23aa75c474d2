"""The built-in `recipient` schema: the campaign's profiles.

The table sits on the shared catalog `metadata` because, like the catalog tables, it is
created and changed by crmlink's own migrations (0001 creates it) and alembic compares
that metadata with the database. Tables the wizard generates from a CRM are *not*
migration-managed: they live on their own MetaData and `migrations/env.py` ignores them.

CRM ids are not columns here: mapping a profile to a CRM record is the workflows' job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, Column, Date, Integer, String, Table, false, func
from sqlalchemy.types import TypeEngine

from crmlink.db.metadata import metadata
from crmlink.db.types import UTCDateTime, utcnow

SCHEMA_NAME = "recipient"
SCHEMA_LABEL = "Recipients"
KEY_COLUMN = "id"
MODIFIED_COLUMN = "modified_at"


def _column(
    name: str, type_: type[TypeEngine[Any]] | TypeEngine[Any], label: str, kind: str, **kwargs: Any
) -> Column[Any]:
    return Column(name, type_, info={"label": label, "kind": kind}, **kwargs)


recipient = Table(
    "recipient",
    metadata,
    _column("id", Integer, "Id", "id", primary_key=True, autoincrement=True),
    _column("email", String(255), "Email", "email", index=True),
    _column("first_name", String(100), "First name", "string"),
    _column("last_name", String(100), "Last name", "string"),
    _column("company", String(255), "Company", "string"),
    _column("phone", String(40), "Phone", "phone"),
    _column("mobile_phone", String(40), "Mobile phone", "phone"),
    _column("birth_date", Date, "Birth date", "date"),
    _column(
        "email_opt_out",
        Boolean,
        "No longer contact by email",
        "boolean",
        nullable=False,
        server_default=false(),
    ),  # fmt: skip
    _column("country", String(100), "Country", "string"),
    _column("city", String(100), "City", "string"),
    _column("postal_code", String(20), "Postal code", "string"),
    _column(
        "created_at",
        UTCDateTime,
        "Created",
        "datetime",
        nullable=False,
        default=utcnow,
        server_default=func.current_timestamp(),
    ),  # fmt: skip
    _column(
        "modified_at",
        UTCDateTime,
        "Last modified",
        "datetime",
        nullable=False,
        default=utcnow,
        onupdate=utcnow,
        server_default=func.current_timestamp(),
    ),  # fmt: skip
    info={"label": SCHEMA_LABEL, "builtin": True},
)


@dataclass(frozen=True)
class FieldInfo:
    """One field of the built-in schema, as `schema show recipient` lists it."""

    name: str
    label: str
    type: str  # a crmlink.connectors.base.FieldKind value: id, string, email, date, …
    length: int | None = None
    nullable: bool = True
    primary_key: bool = False


def recipient_fields() -> list[FieldInfo]:
    """The fields of the built-in `recipient` schema, in table order."""
    return [_field(column) for column in recipient.columns]


def _field(column: Column) -> FieldInfo:
    return FieldInfo(
        name=column.name,
        label=column.info["label"],
        type=column.info["kind"],
        length=getattr(column.type, "length", None),
        nullable=bool(column.nullable),
        primary_key=column.primary_key,
    )
