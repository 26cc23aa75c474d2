"""Data schemas, their fields and change history; enumerations and their values.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "schemas",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("label", sa.String(255)),
        sa.Column("account", sa.String(64)),
        sa.Column("remote_table", sa.String(255)),
        sa.Column("local_table", sa.String(63), nullable=False),
        sa.Column("key_column", sa.String(63)),
        sa.Column("modified_column", sa.String(63)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_schemas"),
        sa.UniqueConstraint("name", name="uq_schemas_name"),
        sa.UniqueConstraint("local_table", name="uq_schemas_local_table"),
    )
    op.create_table(
        "schema_fields",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("schema_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("column_name", sa.String(63), nullable=False),
        sa.Column("remote_name", sa.String(255)),
        sa.Column("label", sa.String(255)),
        sa.Column("remote_type", sa.String(64)),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("local_type", sa.String(16), nullable=False),
        sa.Column("length", sa.Integer()),
        sa.Column("precision", sa.Integer()),
        sa.Column("scale", sa.Integer()),
        *[
            sa.Column(name, sa.Boolean(), nullable=False)
            for name in ("is_key", "is_modified", "formula", "external_id", "required", "read_only")
        ],
        sa.Column("compound_of", sa.String(255)),
        sa.Column("reference_to", sa.Text()),
        sa.Column("enumeration", sa.String(128)),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_schema_fields"),
        sa.ForeignKeyConstraint(
            ["schema_id"],
            ["schemas.id"],
            ondelete="CASCADE",
            name="fk_schema_fields_schema_id_schemas",
        ),  # fmt: skip
        sa.UniqueConstraint("schema_id", "column_name", name="uq_schema_fields_schema_id"),
    )
    op.create_table(
        "schema_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("schema_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("change", sa.String(16), nullable=False),
        sa.Column("column_name", sa.String(63)),
        sa.Column("detail", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_schema_changes"),
        sa.ForeignKeyConstraint(
            ["schema_id"],
            ["schemas.id"],
            ondelete="CASCADE",
            name="fk_schema_changes_schema_id_schemas",
        ),  # fmt: skip
    )
    _enumerations()


def _enumerations() -> None:
    op.create_table(
        "enumerations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("label", sa.String(255)),
        sa.Column("multiple", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(255)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_enumerations"),
        sa.UniqueConstraint("name", name="uq_enumerations_name"),
    )
    op.create_table(
        "enum_values",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("enum_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(255), nullable=False),
        sa.Column("label", sa.String(255)),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_enum_values"),
        sa.ForeignKeyConstraint(
            ["enum_id"],
            ["enumerations.id"],
            ondelete="CASCADE",
            name="fk_enum_values_enum_id_enumerations",
        ),  # fmt: skip
        sa.UniqueConstraint("enum_id", "value", name="uq_enum_values_enum_id"),
    )


def downgrade() -> None:
    for table in ("enum_values", "enumerations", "schema_changes", "schema_fields", "schemas"):
        op.drop_table(table)
