"""Workflows: list and detail (diagram, YAML, last run's counts) for viewers; run now,
upload, validate and register for operators — what `crmlink workflow list|show|run|add`
call (catalog, loader, engine)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from crmlink.errors import UsageError
from crmlink.web.auth import require, state_of
from crmlink.web.live_runs import live_runs
from crmlink.web.rendering import page
from crmlink.web.security import Session
from crmlink.web.svg import Counts, diagram
from crmlink.workflow import catalog, yaml_source
from crmlink.workflow.loader import load_text
from crmlink.workflow.model import Workflow
from crmlink.workflow.records import RunRecord, list_runs, load_run

router = APIRouter(prefix="/workflows")
RECENT_RUNS = 10
UPLOAD_NAME = re.compile(r"[^A-Za-z0-9_.-]")  # what of an uploaded file's name is shown


@router.get("")
def workflow_list(request: Request, session: Session = require("viewer")) -> Response:
    return page(request, "workflows.html", workflows=catalog.list_all(state_of(request).database))


@router.get("/upload")
def upload_form(request: Request, session: Session = require("operator")) -> Response:
    return page(request, "workflow_upload.html", checked=None)


@router.post("/upload")
async def upload(request: Request, session: Session = require("operator")) -> Response:
    """Validate the file with the loader; register it when asked and valid."""
    form = await request.form()
    try:
        given, action = form.get("file"), form.get("action")
        if not isinstance(given, UploadFile):
            return page(request, "workflow_upload.html", 400, checked=None,
                        error="Choose a workflow file to upload.")  # fmt: skip
        name = UPLOAD_NAME.sub("_", Path(given.filename or "workflow.yaml").name)[:100]
        raw = await given.read(yaml_source.MAX_BYTES + 1)
    finally:
        await form.close()  # the upload's spooled file
    checked = _check(raw, name)
    if checked["workflow"] is None or action != "register":
        return page(request, "workflow_upload.html", 200 if checked["workflow"] else 400,
                    checked=checked)  # fmt: skip
    registered = await run_in_threadpool(_register, request, checked["workflow"], raw)
    return RedirectResponse(f"/workflows/{registered}", status_code=303)


def _check(raw: bytes, name: str) -> dict[str, Any]:
    """The loader's verdict: the workflow, or its problems by line (0: the whole file)."""
    text = ""
    try:
        text = yaml_source.decode(raw, name)
        return {"workflow": load_text(text, name), "name": name, "lines": [], "problems": {}}
    except UsageError as exc:
        problems: dict[int, list[str]] = {}
        for problem in getattr(exc, "problems", [exc.message]):
            line, message = _at_line(problem, name)
            problems.setdefault(line, []).append(message)
        return {"workflow": None, "name": name, "lines": text.splitlines(), "problems": problems}


def _at_line(problem: str, name: str) -> tuple[int, str]:
    """`NAME:LINE: message` -> (LINE, message); a problem of no line -> (0, message)."""
    rest = problem.removeprefix(f"{name}:").lstrip()
    number, colon, message = rest.partition(": ")
    if colon and number.isdigit():
        return int(number), message
    return 0, rest


def _register(request: Request, workflow: Workflow, raw: bytes) -> str:
    """As `workflow add`: the file kept in the home's workflows/ folder, then registered."""
    state = state_of(request)
    folder = state.settings.home / "workflows"
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / f"{workflow.name}.yaml"  # the name matches NAME_PATTERN: a safe file name
    path.write_bytes(raw)
    return catalog.add(state.database, path).name


@router.get("/{name}")
def detail(request: Request, name: str, session: Session = require("viewer")) -> Response:
    state = state_of(request)
    registered = catalog.get(state.database, name)
    workflow = registered.workflow()
    with state.database.connect() as connection:
        runs = list_runs(connection, name, RECENT_RUNS)
        last = load_run(connection, runs[0].id) if runs else None
    return page(
        request,
        "workflow.html",
        registered=registered,
        workflow=workflow,
        svg=diagram(workflow, _counts(last)),
        last=last,
        runs=runs,
    )


def _counts(record: RunRecord | None) -> dict[str, Counts]:
    if record is None:
        return {}
    return {a.name: Counts(a.status, a.rows_in, a.rows_out, a.rows_rejected)
            for a in record.activities}  # fmt: skip


@router.post("/{name}/run")
async def run_now(request: Request, name: str, session: Session = require("operator")) -> Response:
    """Start the run in the server's background (as `workflow run NAME`); show its page."""
    state = state_of(request)
    workflow = (await run_in_threadpool(catalog.get, state.database, name)).workflow()
    runs = live_runs(request.app.state)
    run_id = await run_in_threadpool(runs.start, state.database, state.settings, workflow)
    return RedirectResponse(f"/runs/{run_id}", status_code=303)
