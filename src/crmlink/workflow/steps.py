"""The engine's bookkeeping: activity rows, rejects kept, error populations, run end."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from typing import Any

from sqlalchemy import Connection, String, Text, insert, inspect, literal, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql.elements import ColumnElement

from crmlink.db.failures import database_failure
from crmlink.db.types import utcnow
from crmlink.errors import CrmlinkError, UsageError
from crmlink.workflow import populations
from crmlink.workflow.base import (
    REJECT_COLUMNS,
    REJECTS,
    ActivityResult,
    ColumnSpec,
    Population,
)
from crmlink.workflow.config_base import ActivityConfig
from crmlink.workflow.context import RunSession
from crmlink.workflow.cursors import commit_staged
from crmlink.workflow.records import ActivityRecord
from crmlink.workflow.tables import activity_runs, run_rejects, workflow_runs


def loads(text: str | None) -> dict[str, str]:
    """A stored JSON object of strings (an activity's `variables` or `outputs`)."""
    return json.loads(text) if text else {}


def dumps(value: object) -> str:
    return json.dumps(value, default=_json_default, ensure_ascii=False)


def _json_default(value: object) -> str:
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def describe(exc: BaseException) -> str:
    if isinstance(exc, CrmlinkError):
        return exc.message
    if isinstance(exc, OperationalError):
        return database_failure(exc)
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def previous_activities(conn: Connection, run_id: int) -> dict[str, dict[str, Any]]:
    query = select(activity_runs).where(activity_runs.c.run_id == run_id)
    return {r["activity"]: dict(r) for r in conn.execute(query).mappings()}


def save(
    session: RunSession,
    name: str,
    position: int,
    config: ActivityConfig,
    hash_: str,
    **values: Any,
) -> None:
    """Insert or update the activity's row in `activity_runs` (not committed)."""
    conn, key = session.conn, _key(session.run_id, name)
    row = _row_values(values)
    exists = conn.execute(select(activity_runs.c.id).where(key)).first()
    if exists is None:
        base = {"rows_in": 0, "rows_out": 0, "rows_rejected": 0, "api_calls": 0, "attempts": 0}
        conn.execute(
            insert(activity_runs).values(
                **base,
                run_id=session.run_id,
                activity=name,
                position=position,
                type=config.type,
                config_hash=hash_,
                **row,
            )  # fmt: skip
        )
    else:
        conn.execute(update(activity_runs).where(key).values(config_hash=hash_, **row))


def _key(run_id: int, name: str) -> ColumnElement[bool]:
    return (activity_runs.c.run_id == run_id) & (activity_runs.c.activity == name)


def _row_values(values: dict[str, Any]) -> dict[str, Any]:
    row = dict(values)
    if row.pop("started", False):
        row.update(started_at=utcnow(), ended_at=None, error=None)
    if row.pop("ended", False):
        row["ended_at"] = utcnow()
    if "outputs" in row:
        row["outputs"] = dumps({k: p.name for k, p in row["outputs"].items()})
    if "variables" in row:
        row["variables"] = dumps(row["variables"])
    return row


def counts(result: ActivityResult, source: Population | None, spent: int) -> dict[str, int]:
    ok, rejects = result.outputs.get("ok"), result.outputs.get(REJECTS)
    return {
        "rows_in": result.rows_in or (source.count if source else 0),
        "rows_out": result.rows_out or (ok.count if ok else 0),
        "rows_rejected": result.rows_rejected or (rejects.count if rejects else 0),
        "api_calls": spent or result.api_calls,
    }


def record_of(session: RunSession, name: str) -> ActivityRecord:
    row = session.conn.execute(select(activity_runs).where(_key(session.run_id, name)))
    from crmlink.workflow.records import _activity

    return _activity(row.mappings().one())


def reflect_outputs(conn: Connection, previous: dict[str, Any]) -> dict[str, Population] | None:
    """The populations an earlier attempt left, or None when one is gone."""
    outputs = {}
    for output, name in loads(previous["outputs"]).items():
        table = populations.reflect(conn, name)
        if table is None:
            return None
        outputs[output] = Population(table, populations.count(conn, table))
    return outputs


def keep_rejects(session: RunSession, activity: str, result: ActivityResult) -> None:
    """Copy the reject population into `run_rejects` (kept after the run), in batches."""
    population = result.outputs.get(REJECTS)
    if population is None:
        return
    for batch in populations.iter_rows(session.conn, population, 1000):
        rows = [_reject_row(session.run_id, activity, row) for row in batch]
        session.conn.execute(insert(run_rejects), rows)


def _reject_row(run_id: int, activity: str, row: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in row.items() if k not in REJECT_COLUMNS and not k.startswith("_wk_")}
    return {
        "run_id": run_id,
        "activity": activity,
        "row": dumps(data),
        **{k: None if row.get(k) is None else str(row[k]) for k in REJECT_COLUMNS},
    }


def error_population(
    session: RunSession, activity: str, source: Population | None, error: BaseException
) -> Population:
    """The `errors` output of a failed activity: its input rows with the error, or one row."""
    conn = session.conn
    columns = [ColumnSpec(c.name, c.type) for c in source.table.columns] if source else []
    columns = [c for c in columns if not c.name.startswith("_wk_")]
    columns += [
        ColumnSpec(c, Text() if c == "error_message" else String(255)) for c in REJECT_COLUMNS
    ]
    name = populations.table_name(session.run_id, activity, "errors")
    table = populations.create(conn, name, columns)
    code = getattr(error, "code", None) or (
        "USAGE_ERROR" if isinstance(error, UsageError) else "ACTIVITY_FAILED"
    )
    values = [literal(str(code)), literal(type(error).__name__), literal(describe(error))]
    if source is None:
        conn.execute(
            insert(table).values(
                _wk_row=1,
                **dict(
                    zip(
                        REJECT_COLUMNS,
                        [str(code), type(error).__name__, describe(error)],
                        strict=True,
                    )
                ),
            )
        )
    else:
        src = source.table
        names = [c.name for c in src.columns if not c.name.startswith("_wk_")]
        query = select(src.c[populations.ROW], *(src.c[n] for n in names), *values)
        conn.execute(insert(table).from_select([populations.ROW, *names, *REJECT_COLUMNS], query))
    return Population(table, populations.count(conn, table))


def drop_tables(conn: Connection, run_id: int) -> None:
    prefix = f"wk_{run_id}_"
    for name in inspect(conn).get_table_names():
        if name.startswith(prefix):
            populations.drop(conn, name)


def interrupt(session: RunSession, exc: BaseException) -> None:
    """Mark the activity that was running when the run stopped (Ctrl-C, SIGTERM, a bug):
    `interrupted`, so that the resumed run reruns it and the record says what happened."""
    status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
    running = (activity_runs.c.run_id == session.run_id) & (activity_runs.c.status == "running")
    session.conn.execute(
        update(activity_runs)
        .where(running)
        .values(status=status, ended_at=utcnow(), error=describe(exc))
    )


def finish(session: RunSession, workflow: str, failed: BaseException | None) -> None:
    """The run's final status; on success, cursors committed and working tables dropped."""
    conn = session.conn
    values: dict[str, Any] = {"status": "succeeded", "exit_code": 0, "error": None}
    if failed is None:
        commit_staged(conn, workflow, session.run_id)
        drop_tables(conn, session.run_id)
        session.log(None, "run succeeded")
    else:
        code = failed.exit_code if isinstance(failed, CrmlinkError) else 1
        values.update(status="failed", exit_code=code, error=describe(failed))
        session.log(None, f"run failed: {describe(failed)}", "error")
    # the end is taken after the drop: at 1,000,000 rows dropping the tables takes a second
    values["ended_at"] = utcnow()
    conn.execute(update(workflow_runs).where(workflow_runs.c.id == session.run_id).values(**values))
    session.commit()
