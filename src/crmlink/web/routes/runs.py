"""Run history: the list (`workflow runs`), one run with its live progress (`workflow
run-show`) and its rejects, viewable and as CSV (`workflow rejects --csv`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from crmlink.db import Database
from crmlink.web.auth import require, state_of
from crmlink.web.live_runs import live_runs
from crmlink.web.rendering import is_htmx, page
from crmlink.web.security import Session
from crmlink.workflow.records import iter_rejects, list_runs, load_run, log_lines
from crmlink.workflow.rejects_csv import reject_header, reject_records

router = APIRouter(prefix="/runs")
MAX_ID = 2**63 - 1  # SQLite's and PostgreSQL's largest integer key
RunId = Annotated[int, Path(ge=1, le=MAX_ID)]
LOG_TAIL = 30  # log lines the progress fragment shows
REJECTS_SHOWN = 500  # rows the rejects page shows; the CSV has them all


@router.get("")
def run_list(
    request: Request,
    session: Session = require("viewer"),
    workflow: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    with state_of(request).database.connect() as connection:
        runs = list_runs(connection, workflow or None, 100)
    return page(request, "runs.html", runs=runs, workflow=workflow)


def _progress(request: Request, run_id: int) -> dict[str, Any]:
    with state_of(request).database.connect() as connection:
        record = load_run(connection, run_id)
        lines = log_lines(connection, run_id)
    live = live_runs(request.app.state).live(run_id) if record.status == "running" else {}
    return {"run": record, "log": lines[-LOG_TAIL:], "live": live, "all_log": lines}


@router.get("/{run_id}")
def detail(request: Request, run_id: RunId, session: Session = require("viewer")) -> Response:
    return page(request, "run.html", **_progress(request, run_id))


@router.get("/{run_id}/progress")
def progress(request: Request, run_id: RunId, session: Session = require("viewer")) -> Response:
    """The fragment htmx polls while the run runs (it stops polling once it has ended)."""
    template = "run_progress.html" if is_htmx(request) else "run.html"
    return page(request, template, **_progress(request, run_id))


@router.get("/{run_id}/rejects")
def rejects(request: Request, run_id: RunId, session: Session = require("viewer")) -> Response:
    with state_of(request).database.connect() as connection:
        record = load_run(connection, run_id)
        rows: list[dict[str, Any]] = []
        for batch in iter_rejects(connection, run_id):
            rows += batch
            if len(rows) >= REJECTS_SHOWN:
                break
    return page(request, "run_rejects.html", run=record, rows=rows[:REJECTS_SHOWN],
                limit=REJECTS_SHOWN)  # fmt: skip


@router.get("/{run_id}/rejects.csv")
def rejects_csv(request: Request, run_id: RunId, session: Session = require("viewer")) -> Response:
    """The columns of `workflow rejects --csv`: activity, the row's keys, the error."""
    database = state_of(request).database
    with database.connect() as connection:
        load_run(connection, run_id)  # 404 for an unknown run
    headers = {"Content-Disposition": f'attachment; filename="run-{run_id}-rejects.csv"'}
    return StreamingResponse(_csv_lines(database, run_id), media_type="text/csv; charset=utf-8",
                             headers=headers)  # fmt: skip


def _csv_lines(database: Database, run_id: int) -> Iterator[str]:
    with database.connect() as connection:
        header = reject_header(connection, run_id)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, header)
        writer.writeheader()
        for records in reject_records(connection, run_id, header):
            writer.writerows(records)
            yield _drain(buffer)
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
