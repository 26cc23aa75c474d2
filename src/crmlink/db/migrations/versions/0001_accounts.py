"""External accounts, catalog information and the built-in recipient table.

Revision ID: 0001
Revises:
Create Date: 2024-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

NOW = sa.text("CURRENT_TIMESTAMP")


def upgrade() -> None:
    _accounts()
    op.create_table(
        "catalog_info",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_catalog_info"),
    )
    _recipient()


def _accounts() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("auth", sa.String(32), nullable=False),
        sa.Column("username", sa.String(255)),
        sa.Column("client_id", sa.String(255)),
        sa.Column("api_version", sa.String(16)),
        sa.Column("sandbox", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("ca_bundle", sa.Text()),
        sa.Column("private_key", sa.Text()),
        sa.Column("tenant_id", sa.String(255)),
        sa.Column("secrets", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.UniqueConstraint("name", name="uq_accounts_name"),
    )


def _recipient() -> None:
    op.create_table(
        "recipient",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(255)),
        sa.Column("first_name", sa.String(100)),
        sa.Column("last_name", sa.String(100)),
        sa.Column("company", sa.String(255)),
        sa.Column("phone", sa.String(40)),
        sa.Column("mobile_phone", sa.String(40)),
        sa.Column("birth_date", sa.Date()),
        sa.Column("email_opt_out", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("country", sa.String(100)),
        sa.Column("city", sa.String(100)),
        sa.Column("postal_code", sa.String(20)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_recipient"),
    )
    op.create_index("ix_recipient_email", "recipient", ["email"])


def downgrade() -> None:
    op.drop_index("ix_recipient_email", table_name="recipient")
    op.drop_table("recipient")
    op.drop_table("catalog_info")
    op.drop_table("accounts")
