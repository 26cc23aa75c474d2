"""The configuration wizard (operator): pick an account, its CRM tables, Start; what
`crmlink wizard ACCOUNT --tables …` calls (`list_tables`, `run_wizard`).

A run goes on in a thread of the server, one table at a time, so its page (polled by htmx
every second) shows the tables done, the log and each table's outcome as it comes.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from crmlink.catalog.account_test import open_account
from crmlink.db import Database
from crmlink.errors import CrmlinkError, NotFoundError, UsageError
from crmlink.model import AccountSettings, TableSummary
from crmlink.web.auth import require, state_of
from crmlink.web.rendering import is_htmx, page
from crmlink.web.security import Session
from crmlink.wizard.run import TableOutcome, run_wizard

router = APIRouter(prefix="/wizard")
KEPT_RUNS = 50  # finished runs a console remembers (in memory) for their pages


@dataclass
class WizardRun:
    """One Start: its tables, log lines (level, text) and outcomes so far."""

    id: str
    account: str
    tables: list[str]
    log: list[tuple[str, str]] = field(default_factory=list)
    outcomes: list[TableOutcome] = field(default_factory=list)
    finished: bool = False
    error: str | None = None

    def say(self, level: str, text: str) -> None:
        self.log.append((level, text))  # list.append is atomic: the page reads it meanwhile


class Runs:
    """The console's wizard runs by id (random, so one cannot guess another's page)."""

    def __init__(self) -> None:
        self._runs: OrderedDict[str, WizardRun] = OrderedDict()
        self._lock = threading.Lock()

    def new(self, account: str, tables: list[str]) -> WizardRun:
        """A run; refused while another run of the account is going (both would alter
        the same schemas and local tables)."""
        run = WizardRun(secrets.token_urlsafe(12), account, tables)
        with self._lock:
            if any(r.account == account and not r.finished for r in self._runs.values()):
                raise UsageError(f"the wizard is already running on {account!r}: wait for it")
            self._runs[run.id] = run
            finished = [key for key, r in self._runs.items() if r.finished]
            for key in finished[: max(0, len(self._runs) - KEPT_RUNS)]:
                del self._runs[key]
        return run

    def get(self, run_id: str) -> WizardRun:
        with self._lock:
            found = self._runs.get(run_id)
        if found is None:
            raise NotFoundError("no such wizard run (the console keeps runs until it restarts)")
        return found


def _runs(request: Request) -> Runs:
    app_state = request.app.state
    if not hasattr(app_state, "wizard_runs"):
        app_state.wizard_runs = Runs()
    runs: Runs = app_state.wizard_runs
    return runs


def execute(database: Database, settings: AccountSettings, run: WizardRun) -> None:
    """The run, in its thread: each table as `crmlink wizard` does it, logged as it goes."""
    try:
        connector = open_account(settings)
        try:
            for table in run.tables:
                say = lambda message: run.say("info", message)  # noqa: E731
                outcome = run_wizard(database.engine, connector, run.account, [table], say)[0]
                _log_outcome(run, outcome)
                run.outcomes.append(outcome)
        finally:
            connector.close()
    except CrmlinkError as exc:
        run.error = exc.message
    except (httpx.HTTPError, OSError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        run.error = f"cannot reach {settings.url}: {reason}"
    finally:
        if run.error:
            run.say("error", run.error)
        run.say("info", "Done." if not run.error else "Stopped.")
        run.finished = True


def _log_outcome(run: WizardRun, o: TableOutcome) -> None:
    if o.status == "failed":
        run.say("error", f"{o.table}: {o.error}")
        return
    run.say("info", f"{o.table}: {o.status} schema {o.schema} ({o.columns} columns)")
    for change in o.changes:
        run.say("info", f"{o.table}: {change.describe()}")
    for item in o.not_stored:
        run.say("warning", f"{o.table}.{item.name} not stored: {item.reason}")
    for note in o.notes:
        run.say("warning", f"{o.table}.{note}")


def _tables(settings: AccountSettings) -> list[TableSummary]:
    connector = open_account(settings)
    try:
        return connector.list_tables()
    except (httpx.HTTPError, OSError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(f"cannot reach {settings.url}: {reason}") from None
    finally:
        connector.close()


def _matching(tables: list[TableSummary], query: str) -> list[TableSummary]:
    words = query.lower().split()
    return [t for t in tables if all(w in f"{t.name} {t.label}".lower() for w in words)]


def _picker(request: Request, account: str, query: str, chosen: set[str]) -> dict[str, Any]:
    """What the table picker shows: the tables matching `query`, those `chosen` ticked."""
    tables = _tables(state_of(request).accounts().settings(account))
    shown = _matching(tables, query)
    hidden = sorted(chosen - {t.name for t in shown})  # ticked but filtered out: kept
    return {"account": account, "tables": shown, "query": query, "chosen": chosen,
            "hidden": hidden, "total": len(tables)}  # fmt: skip


@router.get("")
def wizard_page(
    request: Request, account: str = "", session: Session = require("operator")
) -> Response:
    names = [a.name for a in state_of(request).accounts().list()]
    context: dict[str, Any] = {"accounts": names, "account": account, "tables": None}
    if account:
        try:
            context |= _picker(request, account, "", set())
        except NotFoundError:
            raise  # no such account: the error page, 404
        except CrmlinkError as exc:  # the CRM refused or is unreachable: said on the page
            context["error"] = exc.message
    return page(request, "wizard.html", **context)


@router.get("/tables")
def table_picker(
    request: Request,
    account: str,
    q: str = "",
    session: Session = require("operator"),
) -> Response:
    """The picker fragment for a search (htmx, as one types) or for "Select all"."""
    chosen = set(request.query_params.getlist("table"))
    context = _picker(request, account, q, chosen)
    if request.query_params.get("all"):
        context["chosen"] = chosen | {t.name for t in context["tables"]}
    template = "wizard_tables.html" if is_htmx(request) else "wizard.html"
    names = [a.name for a in state_of(request).accounts().list()]
    return page(request, template, accounts=names, **context)


@router.post("/start")
async def start(request: Request, session: Session = require("operator")) -> Response:
    form = await request.form()
    account = str(form.get("account", ""))
    chosen = [str(t) for t in form.getlist("table")]
    if not chosen:
        raise UsageError("choose at least one table, then Start")
    state = state_of(request)
    settings = await run_in_threadpool(state.accounts().settings, account)
    known = {t.name for t in await run_in_threadpool(_tables, settings)}
    unknown = [t for t in chosen if t not in known]
    if unknown:
        raise UsageError(f"the CRM has no table {', '.join(map(repr, unknown))}")
    run = _runs(request).new(account, chosen)
    thread = threading.Thread(
        target=execute, args=(state.database, settings, run), name=f"wizard-{run.id}", daemon=True
    )
    thread.start()
    return RedirectResponse(f"/wizard/runs/{run.id}", status_code=303)


@router.get("/runs/{run_id}")
def run_page(request: Request, run_id: str, session: Session = require("operator")) -> Response:
    run = _runs(request).get(run_id)
    return page(request, "wizard_run.html", run=run)


@router.get("/runs/{run_id}/progress")
def progress(request: Request, run_id: str, session: Session = require("operator")) -> Response:
    """The progress fragment htmx polls; once the run is finished it stops polling."""
    run = _runs(request).get(run_id)
    return page(request, "wizard_progress.html", run=run)
