"""`crmlink workflow …`: run workflow files, register them for the worker, read the runs."""

from __future__ import annotations

import csv
import errno
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from crmlink.cli.common import (
    HomeOpt,
    JsonOpt,
    cli_errors,
    fail,
    open_catalog,
    print_fields,
    print_json,
    print_table,
)
from crmlink.cli.usage import MAX_ID
from crmlink.errors import UsageError, clip
from crmlink.workflow import stopping
from crmlink.workflow.readable import readable

if TYPE_CHECKING:  # the engine, the run records, SQLAlchemy: imported by the commands that run
    from sqlalchemy import Connection

    from crmlink.workflow import catalog
    from crmlink.workflow.records import RunRecord
    from crmlink.workflow.runs import Claim

app = typer.Typer(help="Workflows: YAML files of activities, run now or on a schedule.",
                  no_args_is_help=True)  # fmt: skip
cursor_app = typer.Typer(help="Incremental-import cursors of a workflow.", no_args_is_help=True)
app.add_typer(cursor_app, name="cursor")

MAX_VAR_NAME = 100
VarOpt = Annotated[
    list[str] | None, typer.Option("--var", help="A variable, NAME=VALUE; repeatable.")
]


@app.command("run")
def run(
    target: Annotated[str, typer.Argument(help="A workflow file, or a registered name.")],
    var: VarOpt = None,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Abandon an unfinished run and start anew.")
    ] = False,
    home: HomeOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Run a workflow (resuming its last run if that one failed or crashed)."""
    from crmlink.workflow.engine import run_workflow

    claims: list[Claim] = []

    def on_claim(claim: Claim) -> None:
        claims.append(claim)
        _say_resumed(claim)

    try:
        with cli_errors(), stopping.on_signals():
            settings, database = open_catalog(home)
            live = not json_ and sys.stderr.isatty()
            if live:
                from crmlink.workflow.progress import LiveProgress

                with LiveProgress() as progress:
                    record = run_workflow(
                        database, target, _assignments(var), observer=progress,
                        fresh=fresh, settings=settings, on_claim=on_claim,
                    )  # fmt: skip
            else:
                record = run_workflow(
                    database, target, _assignments(var),
                    fresh=fresh, settings=settings, on_claim=on_claim,
                )  # fmt: skip
    except KeyboardInterrupt:
        raise _interrupted(claims, target) from None
    _print_run(record, json_)
    if record.exit_code:
        reason = record.error or "see `crmlink workflow run-show`"
        raise fail(f"run {record.id} of {record.workflow!r} failed: {reason}", record.exit_code)


def _assignments(items: list[str] | None) -> dict[str, str]:
    """`--var NAME=VALUE`s; a name given twice is refused (which value was meant?)."""
    from crmlink.workflow.variables import parse_assignments

    seen: set[str] = set()
    for item in items or []:
        name = item.partition("=")[0].strip()
        if len(name) > MAX_VAR_NAME:
            raise UsageError(
                f"--var {clip(name)} is not NAME=VALUE: a name has at most {MAX_VAR_NAME} "
                "characters"
            )
        if name in seen and "=" in item:
            raise UsageError(f"--var {clip(name)} is given twice: give each variable once")
        seen.add(name)
    return parse_assignments(items or [])


def _interrupted(claims: list[Claim], target: str) -> typer.Exit:
    """What an interrupted run says: which run stopped and how to resume it (exit 130)."""
    if not claims:
        typer.echo("Interrupted before the run started; nothing was changed.", err=True)
    else:
        run_id = claims[-1].run_id
        typer.echo(
            f"Interrupted: run {run_id} stopped and its running activity is marked "
            f"interrupted. `crmlink workflow run {target}` resumes run {run_id} "
            "(activities that succeeded are not rerun).",
            err=True,
        )
    return typer.Exit(130)


def _say_resumed(claim: Claim) -> None:
    if claim.resumed:
        typer.echo(
            f"Resuming run {claim.run_id} ({claim.previous_status}): activities that succeeded "
            "are not rerun; use --fresh to start a new run.",
            err=True,
        )
    elif claim.abandoned:
        typer.echo(f"Run {claim.abandoned} abandoned (--fresh).", err=True)


def _print_run(record: RunRecord, json_: bool) -> None:
    if json_:
        print_json(record.to_dict())
        return
    columns = ["activity", "type", "status", "in", "out", "rejected", "API calls", "seconds"]
    rows = [
        [a.name, a.type, a.status, a.rows_in, a.rows_out, a.rows_rejected, a.api_calls, a.seconds]
        for a in record.activities
    ]
    print_table(columns, rows)
    outcome = f"Run {record.id} of {record.workflow!r} {record.status}"
    seconds = f" in {record.seconds:.2f}s" if record.seconds is not None else ""
    typer.echo(outcome + seconds + (f": {record.error}" if record.error else "."))


@app.command("add")
@cli_errors()
def add(
    file: Annotated[Path, typer.Argument(help="The workflow file to register.")],
    home: HomeOpt = None,
) -> None:
    """Register a workflow file for the worker (validated first; re-adding updates it)."""
    from crmlink.workflow import catalog

    _, database = open_catalog(home)
    registered = catalog.add(database, file)
    when = f"schedule {registered.schedule}" if registered.schedule else "no schedule"
    typer.echo(f"Workflow {registered.name!r} registered ({when}).")


def _summary(r: catalog.Registered) -> dict[str, Any]:
    return {
        "name": r.name,
        "schedule": r.schedule,
        "enabled": r.enabled,
        "path": r.path,
        "added_at": r.added_at,
        "last_run": r.last_run,
        "last_status": r.last_status,
        "next_due": r.next_due(),
    }


@app.command("list")
@cli_errors()
def list_(home: HomeOpt = None, json_: JsonOpt = False) -> None:
    """List the registered workflows."""
    from crmlink.workflow import catalog

    _, database = open_catalog(home)
    rows = [_summary(r) for r in catalog.list_all(database)]
    if json_:
        print_json(rows)
        return
    columns = ["name", "schedule", "enabled", "last_run", "last_status", "next_due"]
    print_table(columns, [[readable(r[c]) for c in columns] for r in rows])


@app.command("show")
@cli_errors()
def show(
    name: Annotated[str, typer.Argument(help="A registered workflow.")],
    home: HomeOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Show a registered workflow: schedule, activities and transitions."""
    from crmlink.workflow import catalog

    _, database = open_catalog(home)
    registered = catalog.get(database, name)
    workflow = registered.workflow()
    detail = _summary(registered) | {"variables": workflow.variables}
    detail["activities"] = [
        {"name": n, "type": c.type, "next": c.next, "rejects": c.rejects, "errors": c.errors,
         "on_error": c.on_error}
        for n, c in workflow.activities.items()
    ]  # fmt: skip
    if json_:
        print_json(detail)
        return
    print_fields(
        [(k, readable(v)) for k, v in detail.items() if k not in ("activities", "variables")]
    )
    print_fields([("variables", readable(detail["variables"]))])
    columns = ["name", "type", "next", "rejects", "errors", "on_error"]
    rows = [[readable(a[c]) for c in columns] for a in detail["activities"]]
    print_table(columns, rows, title="activities")


@app.command("remove")
@cli_errors()
def remove(name: Annotated[str, typer.Argument()], home: HomeOpt = None) -> None:
    """Unregister a workflow (its runs stay in the history)."""
    from crmlink.workflow import catalog

    _, database = open_catalog(home)
    catalog.remove(database, name)
    typer.echo(f"Workflow {name!r} removed.")


@app.command("runs")
@cli_errors()
def runs(
    name: Annotated[str | None, typer.Argument(help="Only this workflow's runs.")] = None,
    limit: Annotated[
        int, typer.Option(min=1, max=100_000, help="How many runs, newest first.")
    ] = 20,
    home: HomeOpt = None,
    json_: JsonOpt = False,
) -> None:
    """List the latest runs."""
    from crmlink.workflow.records import list_runs

    _, database = open_catalog(home)
    with database.connect() as conn:
        records = list_runs(conn, name, limit)
    if json_:
        print_json([r.to_dict() for r in records])
        return
    columns = ["id", "workflow", "status", "started_at", "seconds", "error"]
    print_table(columns, [[readable(getattr(r, c)) for c in columns] for r in records])


@app.command("run-show")
@cli_errors()
def run_show(
    run_id: Annotated[
        int, typer.Argument(min=1, max=MAX_ID, help="A run id (see `workflow runs`).")
    ],
    home: HomeOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Show one run: its activities and its log."""
    from crmlink.workflow.records import load_run, log_lines

    _, database = open_catalog(home)
    with database.connect() as conn:
        record, lines = load_run(conn, run_id), log_lines(conn, run_id)
    if json_:
        print_json(record.to_dict() | {"log": lines})
        return
    print_fields(
        [("run", record.id), ("workflow", record.workflow), ("status", record.status),
         ("started", readable(record.started_at)), ("ended", readable(record.ended_at)),
         ("seconds", readable(record.seconds)), ("variables", readable(record.variables)),
         ("error", readable(record.error))]
    )  # fmt: skip
    _print_run_activities(record)
    for line in lines:
        where = f" [{line['activity']}]" if line["activity"] else ""
        typer.echo(f"{line['at']:%Y-%m-%d %H:%M:%S} {line['level']:<7}{where} {line['message']}")


def _print_run_activities(record: RunRecord) -> None:
    columns = ["activity", "type", "status", "attempts", "in", "out", "rejected", "API calls",
               "seconds", "error"]  # fmt: skip
    rows = [
        [a.name, a.type, a.status, a.attempts, a.rows_in, a.rows_out, a.rows_rejected,
         a.api_calls, a.seconds, a.error]
        for a in record.activities
    ]  # fmt: skip
    print_table(columns, [[readable(v) for v in row] for row in rows])


@app.command("rejects")
@cli_errors()
def rejects(
    run_id: Annotated[int, typer.Argument(min=1, max=MAX_ID, help="A run id.")],
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="Write the rejects to this CSV file.")
    ] = None,
    home: HomeOpt = None,
    json_: JsonOpt = False,
) -> None:
    """The rows a run rejected, with their error code and message."""
    from crmlink.workflow.records import iter_rejects, load_run

    _, database = open_catalog(home)
    with database.connect() as conn:
        load_run(conn, run_id)
        if csv_file:
            count = _write_csv(conn, run_id, csv_file)
            typer.echo(f"{count} rejected rows written to {csv_file}.")
            return
        rows = [r for batch in iter_rejects(conn, run_id) for r in batch]
    if json_:
        print_json([{k: v for k, v in r.items() if k != "run_id"} for r in rows])
        return
    columns = ["activity", "error_code", "error_symbol", "error_message", "row"]
    print_table(columns, [[r[c] for c in columns] for r in rows])


def _write_csv(conn: Connection, run_id: int, path: Path) -> int:
    from crmlink.workflow.rejects_csv import reject_header, reject_records

    header = reject_header(conn, run_id)
    count = 0
    try:
        with _open_for_writing(path) as handle:
            writer = csv.DictWriter(handle, header)
            writer.writeheader()
            for records in reject_records(conn, run_id, header):
                writer.writerows(records)
                count += len(records)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise fail(f"--csv {path} is a FIFO no process reads: start its reader first") from None
        raise fail(
            f"--csv {path}: cannot write it ({exc.strerror}); give a file to write"
        ) from None
    return count


def _open_for_writing(path: Path) -> TextIO:
    """`path` opened to write text; a FIFO nobody reads fails at once (ENXIO) instead of
    blocking forever, while `--csv /dev/stdout` into a pipe still works."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NONBLOCK, 0o666)
    os.set_blocking(fd, True)
    return open(fd, "w", newline="", encoding="utf-8")  # noqa: SIM115 - closed by `with`


@cursor_app.command("show")
@cli_errors()
def cursor_show(name: Annotated[str, typer.Argument()], home: HomeOpt = None,
                json_: JsonOpt = False) -> None:  # fmt: skip
    """The committed incremental cursors of a workflow's activities."""
    from crmlink.workflow import cursors

    _, database = open_catalog(home)
    rows = cursors.list_committed(database, name)
    if json_:
        print_json(rows)
        return
    columns = ["activity", "modified", "record_id", "run_id", "updated_at"]
    print_table(columns, [[readable(r[c]) for c in columns] for r in rows])


@cursor_app.command("reset")
@cli_errors()
def cursor_reset(
    name: Annotated[str, typer.Argument()],
    activity: Annotated[str | None, typer.Option("--activity", help="Only this one.")] = None,
    home: HomeOpt = None,
) -> None:
    """Forget the cursors: the next run imports everything again."""
    from crmlink.workflow import cursors

    _, database = open_catalog(home)
    count = cursors.reset(database, name, activity)
    typer.echo(f"{count} cursor(s) of {name!r} reset.")
