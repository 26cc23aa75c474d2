"""Cursors remember what they measure: the account, object and read definition.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL for cursors committed before this revision: adopted by the next run.
    with op.batch_alter_table("cursors") as batch:
        batch.add_column(sa.Column("scope", sa.Text()))
    with op.batch_alter_table("run_cursors") as batch:
        batch.add_column(sa.Column("scope", sa.Text()))


def downgrade() -> None:
    with op.batch_alter_table("run_cursors") as batch:
        batch.drop_column("scope")
    with op.batch_alter_table("cursors") as batch:
        batch.drop_column("scope")
