"""What a run leaves behind, as plain dataclasses: `RunRecord` and `ActivityRecord`.

A run's `seconds` is its **working time**: the sum of its attempts' durations, not the
wall-clock time from its first start to its end (a run resumed a day after it crashed
worked minutes, not a day). An attempt begins with the engine's `run N of 'x' started`
(or `resumed`) log line and lasts until its last log line — for the final attempt, until
the run's end. The engine logs (and commits its log) at every step and CRM call, so a
crashed attempt's last line is close to when it stopped.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, or_, select

from crmlink.errors import NotFoundError
from crmlink.workflow.tables import activity_runs, run_log, workflow_runs

PLAN_PREFIX = "read plan: "  # the log line of a CRM read's plan (api: reason (N API calls))


@dataclass
class ActivityRecord:
    name: str
    type: str
    status: str  # pending | running | succeeded | failed | skipped | reused
    attempts: int = 0
    rows_in: int = 0
    rows_out: int = 0
    rows_rejected: int = 0
    api_calls: int = 0
    started_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    error: str | None = None
    read_plan: str | None = None  # the CRM read's plan, from its `read plan:` log line

    @property
    def read_api(self) -> str | None:
        """The API the read planner chose (rest, rest-ranges, bulk), from `read_plan`."""
        return self.read_plan.partition(":")[0] if self.read_plan else None

    @property
    def seconds(self) -> float | None:
        if self.started_at and self.ended_at:
            return round((self.ended_at - self.started_at).total_seconds(), 3)
        return None


@dataclass
class RunRecord:
    id: int
    workflow: str
    status: str  # running | succeeded | failed | abandoned
    started_at: dt.datetime
    ended_at: dt.datetime | None = None
    variables: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    exit_code: int | None = None
    resumes: int = 0
    pid: int | None = None
    host: str | None = None
    activities: list[ActivityRecord] = field(default_factory=list)
    worked_seconds: float | None = None  # the attempts' working time (see the module doc)

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"

    @property
    def seconds(self) -> float | None:
        """Working time of an ended run (its attempts' sum); None while it runs."""
        if self.ended_at is None:
            return None
        if self.worked_seconds is not None:
            return self.worked_seconds
        return round((self.ended_at - self.started_at).total_seconds(), 3)

    def to_dict(self) -> dict[str, Any]:
        from crmlink.model import to_jsonable

        data = to_jsonable(self)
        data.pop("worked_seconds")
        data["seconds"] = self.seconds
        for activity, record in zip(data["activities"], self.activities, strict=True):
            activity["seconds"] = record.seconds
            activity["read_api"] = record.read_api
        return data


def load_run(conn: Connection, run_id: int) -> RunRecord:
    row = conn.execute(select(workflow_runs).where(workflow_runs.c.id == run_id)).mappings().first()
    if row is None:
        raise NotFoundError(f"no workflow run {run_id}; see `crmlink workflow runs`", run=run_id)
    record = run_from_row(row)
    _add_working_time(conn, [record])
    query = (
        select(activity_runs)
        .where(activity_runs.c.run_id == run_id)
        .order_by(activity_runs.c.position)
    )
    record.activities = [_activity(r) for r in conn.execute(query).mappings()]
    _add_read_plans(conn, record)
    return record


def _add_read_plans(conn: Connection, record: RunRecord) -> None:
    """Each activity's read plan: its last `read plan:` log line (one query)."""
    log = run_log.c
    query = (
        select(log.activity, log.message)
        .where(log.run_id == record.id, log.message.startswith(PLAN_PREFIX, autoescape=True))
        .order_by(log.id)
    )
    plans = {name: message[len(PLAN_PREFIX) :] for name, message in conn.execute(query)}
    for activity in record.activities:
        activity.read_plan = plans.get(activity.name)


def run_from_row(row: RowMapping) -> RunRecord:
    return RunRecord(
        id=row["id"],
        workflow=row["workflow"],
        status=row["status"],
        started_at=row["started_at"],
        ended_at=row["ended_at"],
        variables=json.loads(row["variables"] or "{}"),
        error=row["error"],
        exit_code=row["exit_code"],
        resumes=row["resumes"],
        pid=row["pid"],
        host=row["host"],
    )


def _activity(row: RowMapping) -> ActivityRecord:
    return ActivityRecord(
        name=row["activity"],
        type=row["type"],
        status=row["status"],
        attempts=row["attempts"],
        rows_in=row["rows_in"],
        rows_out=row["rows_out"],
        rows_rejected=row["rows_rejected"],
        api_calls=row["api_calls"],
        started_at=row["started_at"],
        ended_at=row["ended_at"],
        error=row["error"],
    )


def log_lines(conn: Connection, run_id: int) -> list[dict[str, Any]]:
    query = select(run_log).where(run_log.c.run_id == run_id).order_by(run_log.c.id)
    return [
        {"at": r["at"], "level": r["level"], "activity": r["activity"], "message": r["message"]}
        for r in conn.execute(query).mappings()
    ]


def list_runs(conn: Connection, workflow: str | None = None, limit: int = 20) -> list[RunRecord]:
    query = select(workflow_runs).order_by(workflow_runs.c.id.desc()).limit(limit)
    if workflow:
        query = query.where(workflow_runs.c.workflow == workflow)
    records = [run_from_row(r) for r in conn.execute(query).mappings()]
    _add_working_time(conn, records)
    return records


def _add_working_time(conn: Connection, records: list[RunRecord]) -> None:
    """Set `worked_seconds` of the ended runs from their log (one query)."""
    ended = {r.id: r for r in records if r.ended_at is not None}
    if not ended:
        return
    log = run_log.c
    begins = and_(
        log.activity.is_(None),
        or_(log.message.like("run % started"), log.message.like("run % resumed")),
    )
    query = (
        select(log.run_id, log.at, begins.label("begins"))
        .where(log.run_id.in_(list(ended)))
        .order_by(log.run_id, log.id)
    )
    lines: dict[int, list[tuple[dt.datetime, bool]]] = {}
    for run_id, at, begin in conn.execute(query):
        lines.setdefault(run_id, []).append((at, bool(begin)))
    for run_id, record in ended.items():
        record.worked_seconds = working_time(record, lines.get(run_id, []))


def working_time(record: RunRecord, lines: list[tuple[dt.datetime, bool]]) -> float | None:
    """The sum of the attempts' durations, from the run's log lines `(at, begins)` in
    order; None (wall-clock time is used) when the log marks no attempt."""
    if record.ended_at is None or not any(begins for _, begins in lines):
        return None
    total = dt.timedelta()
    start: dt.datetime | None = None
    last: dt.datetime | None = None
    for at, begins in lines:
        if begins:
            if start is not None and last is not None:
                total += last - start
            start = record.started_at if start is None else at
        last = at
    if start is not None:
        total += max(record.ended_at, last or record.ended_at) - start
    return round(max(total.total_seconds(), 0.0), 3)


def iter_rejects(
    conn: Connection, run_id: int, batch: int = 1000
) -> Iterator[list[dict[str, Any]]]:
    """The run's kept reject rows, `batch` at a time, in order (flat memory)."""
    from crmlink.workflow.tables import run_rejects

    last = 0
    while True:
        query = (
            select(run_rejects)
            .where(run_rejects.c.run_id == run_id, run_rejects.c.id > last)
            .order_by(run_rejects.c.id)
            .limit(batch)
        )
        rows = [dict(r) for r in conn.execute(query).mappings()]
        if not rows:
            return
        for row in rows:
            row["row"] = json.loads(row["row"])
        yield rows
        last = rows[-1]["id"]
