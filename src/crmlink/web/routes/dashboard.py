"""The dashboard: accounts, workflows, recent runs and failures (what `account list`,
`workflow list` and `workflow runs` show), and each account's API calls per day (from the
run records' `api_calls`), charted in SVG."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from crmlink.db.types import utcnow
from crmlink.web.api_usage import calls_per_day, window
from crmlink.web.auth import require, state_of
from crmlink.web.rendering import page
from crmlink.web.security import Session
from crmlink.web.svg import calls_chart
from crmlink.workflow import catalog
from crmlink.workflow.records import list_runs

router = APIRouter()
RECENT = 10
FAILURES_AMONG = 100  # failures are counted among this many latest runs
CHART_DAYS = 14


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
        usage=_usage(request),
        chart_days=CHART_DAYS,
    )


def _usage(request: Request) -> list[dict[str, object]]:
    """Per account: its calls in the window and their chart."""
    days = window(utcnow().date(), CHART_DAYS)
    usage = calls_per_day(state_of(request).database, days)
    return [
        {"account": account, "total": sum(per_day.values()),
         "chart": calls_chart(account, days, per_day)}
        for account, per_day in usage.items()
    ]  # fmt: skip
