"""The dashboard: accounts, workflows, recent runs and failures (what `account list`,
`workflow list` and `workflow runs` show)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from crmlink.web.auth import require, state_of
from crmlink.web.rendering import page
from crmlink.web.security import Session
from crmlink.workflow import catalog
from crmlink.workflow.records import list_runs

router = APIRouter()
RECENT = 10
FAILURES_AMONG = 100  # failures are counted among this many latest runs


@router.get("/")
def dashboard(request: Request, session: Session = require("viewer")) -> Response:
    state = state_of(request)
    with state.database.connect() as connection:
        runs = list_runs(connection, None, FAILURES_AMONG)
    workflows = catalog.list_all(state.database)
    return page(
        request,
        "dashboard.html",
        accounts=len(state.accounts().list()),
        workflows=len(workflows),
        failing=[w.name for w in workflows if w.last_status == "failed"],
        runs=runs[:RECENT],
        failures=sum(1 for r in runs if r.status == "failed"),
        among=len(runs),
    )
