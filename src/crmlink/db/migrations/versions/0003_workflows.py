"""Workflows: registrations, runs, activity runs, log, rejects, cursors, export journal, locks.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _run_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["run_id"],
        ["workflow_runs.id"],
        ondelete="CASCADE",
        name=f"fk_{table}_run_id_workflow_runs",
    )


def upgrade() -> None:
    op.create_table(
        "workflows",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("path", sa.Text()),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("schedule", sa.String(128)),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("added_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_workflows"),
    )
    _runs()
    _run_details()
    _cursors_and_journal()
    op.create_table(
        "workflow_locks",
        sa.Column("workflow", sa.String(64), nullable=False),
        sa.Column("touched_at", TS),
        sa.PrimaryKeyConstraint("workflow", name="pk_workflow_locks"),
    )


def _runs() -> None:
    op.create_table(
        "workflow_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("workflow", sa.String(64), nullable=False),
        sa.Column("path", sa.Text()),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("ended_at", TS),
        sa.Column("variables", sa.Text(), nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("exit_code", sa.Integer()),
        sa.Column("pid", sa.Integer()),
        sa.Column("host", sa.String(255)),
        sa.Column("heartbeat_at", TS),
        sa.Column("resumes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_workflow_runs"),
    )
    op.create_index("ix_workflow_runs_workflow", "workflow_runs", ["workflow"])
    op.create_table(
        "activity_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("activity", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("config_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        *[
            sa.Column(name, sa.Integer(), nullable=False)
            for name in ("attempts", "rows_in", "rows_out", "rows_rejected", "api_calls")
        ],
        sa.Column("started_at", TS),
        sa.Column("ended_at", TS),
        sa.Column("error", sa.Text()),
        sa.Column("outputs", sa.Text()),
        sa.Column("variables", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_activity_runs"),
        _run_fk("activity_runs"),
    )
    op.create_index("ix_activity_runs_run_id", "activity_runs", ["run_id"])


def _run_details() -> None:
    op.create_table(
        "run_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("activity", sa.String(64)),
        sa.Column("message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_run_log"),
        _run_fk("run_log"),
    )
    op.create_index("ix_run_log_run_id", "run_log", ["run_id"])
    op.create_table(
        "run_rejects",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("activity", sa.String(64), nullable=False),
        sa.Column("row", sa.Text(), nullable=False),
        sa.Column("error_code", sa.String(64)),
        sa.Column("error_symbol", sa.String(255)),
        sa.Column("error_message", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_run_rejects"),
        _run_fk("run_rejects"),
    )
    op.create_index("ix_run_rejects_run_id", "run_rejects", ["run_id"])


def _cursors_and_journal() -> None:
    op.create_table(
        "cursors",
        sa.Column("workflow", sa.String(64), nullable=False),
        sa.Column("activity", sa.String(64), nullable=False),
        sa.Column("modified", TS, nullable=False),
        sa.Column("record_id", sa.String(255), nullable=False),
        sa.Column("run_id", sa.Integer()),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("workflow", "activity", name="pk_cursors"),
    )
    op.create_table(
        "run_cursors",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("activity", sa.String(64), nullable=False),
        sa.Column("modified", TS, nullable=False),
        sa.Column("record_id", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "activity", name="pk_run_cursors"),
        _run_fk("run_cursors"),
    )
    op.create_table(
        "export_journal",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("activity", sa.String(64), nullable=False),
        sa.Column("row", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("remote_id", sa.String(255)),
        sa.Column("created", sa.Boolean(), nullable=False),
        sa.Column("error_code", sa.String(64)),
        sa.Column("error_message", sa.Text()),
        sa.PrimaryKeyConstraint("run_id", "activity", "row", name="pk_export_journal"),
        _run_fk("export_journal"),
    )


def downgrade() -> None:
    tables = ("workflow_locks", "export_journal", "run_cursors", "cursors", "run_rejects")
    for table in (*tables, "run_log", "activity_runs", "workflow_runs", "workflows"):
        op.drop_table(table)
