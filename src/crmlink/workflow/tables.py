"""Catalog tables of the workflow engine (created by migration 0003).

workflows        registered workflows (for the worker): name, file, YAML text, schedule
workflow_runs    one row per run: status, times, variables, error, pid/host/heartbeat
activity_runs    one row per activity of a run: status, rows, API calls, outputs
run_log          the log lines of a run
run_rejects      reject rows kept after the run (row as JSON + error columns)
cursors          committed incremental cursors per (workflow, activity)
run_cursors      cursors staged by a run, committed when the run succeeds
export_journal   what an export already did, per (run, activity, row)
workflow_locks   one row per workflow, locked while a run is being started
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
)

from crmlink.db.metadata import metadata
from crmlink.db.types import UTCDateTime


def _run_fk() -> ForeignKey:
    return ForeignKey("workflow_runs.id", ondelete="CASCADE")


workflows = Table(
    "workflows",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("path", Text),
    Column("definition", Text, nullable=False),
    Column("schedule", String(128)),
    Column("enabled", Boolean, nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
)

workflow_runs = Table(
    "workflow_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("workflow", String(64), nullable=False, index=True),
    Column("path", Text),
    Column("definition", Text, nullable=False),
    Column("status", String(16), nullable=False),  # running | succeeded | failed | abandoned
    Column("started_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    Column("variables", Text, nullable=False),  # JSON object
    Column("error", Text),
    Column("exit_code", Integer),
    Column("pid", Integer),
    Column("host", String(255)),
    Column("heartbeat_at", UTCDateTime),
    Column("resumes", Integer, nullable=False),
)

activity_runs = Table(
    "activity_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, _run_fk(), nullable=False, index=True),
    Column("activity", String(64), nullable=False),
    Column("position", Integer, nullable=False),
    Column("type", String(32), nullable=False),
    Column("config_hash", String(64), nullable=False),
    Column("status", String(16), nullable=False),  # running | succeeded | failed | skipped
    Column("attempts", Integer, nullable=False),
    Column("rows_in", Integer, nullable=False),
    Column("rows_out", Integer, nullable=False),
    Column("rows_rejected", Integer, nullable=False),
    Column("api_calls", Integer, nullable=False),
    Column("started_at", UTCDateTime),
    Column("ended_at", UTCDateTime),
    Column("error", Text),
    Column("outputs", Text),  # JSON {output: table name}
    Column("variables", Text),  # JSON object the activity set
)

run_log = Table(
    "run_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, _run_fk(), nullable=False, index=True),
    Column("at", UTCDateTime, nullable=False),
    Column("level", String(8), nullable=False),
    Column("activity", String(64)),
    Column("message", Text, nullable=False),
)

run_rejects = Table(
    "run_rejects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, _run_fk(), nullable=False, index=True),
    Column("activity", String(64), nullable=False),
    Column("row", Text, nullable=False),  # JSON object
    Column("error_code", String(64)),
    Column("error_symbol", String(255)),
    Column("error_message", Text),
)

cursors = Table(
    "cursors",
    metadata,
    Column("workflow", String(64), primary_key=True),
    Column("activity", String(64), primary_key=True),
    Column("modified", UTCDateTime, nullable=False),
    Column("record_id", String(255), nullable=False),
    Column("run_id", Integer),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("scope", Text),  # JSON: what the cursor measures (account, object, filter, …)
)

run_cursors = Table(
    "run_cursors",
    metadata,
    Column("run_id", Integer, _run_fk(), primary_key=True),
    Column("activity", String(64), primary_key=True),
    Column("modified", UTCDateTime, nullable=False),
    Column("record_id", String(255), nullable=False),
    Column("scope", Text),
)

export_journal = Table(
    "export_journal",
    metadata,
    Column("run_id", Integer, _run_fk(), primary_key=True),
    Column("activity", String(64), primary_key=True),
    Column("row", Integer, primary_key=True, autoincrement=False),
    Column("success", Boolean, nullable=False),
    Column("remote_id", String(255)),
    Column("created", Boolean, nullable=False),
    Column("error_code", String(64)),
    Column("error_message", Text),
)

workflow_locks = Table(
    "workflow_locks",
    metadata,
    Column("workflow", String(64), primary_key=True),
    Column("touched_at", UTCDateTime),
)
