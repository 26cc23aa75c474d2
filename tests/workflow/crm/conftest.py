"""Run real workflows (the engine's `run_workflow`) with crm activities against the
Salesforce sandbox over TLS, on SQLite and PostgreSQL.

`flow.run(yaml)` runs a workflow whose connector for account `sfdc` is the sandbox's;
a test-only `capture` activity keeps the rows of the population it is given
(`flow.rows("name")`), since the engine drops working tables when a run succeeds.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Literal

import httpx
import pytest
from sqlalchemy import select

from crmlink.connectors.salesforce import SalesforceConnector
from crmlink.model import AccountSettings
from crmlink.workflow.activities import register, unregister
from crmlink.workflow.base import ActivityResult
from crmlink.workflow.config_base import ActivityConfig
from crmlink.workflow.engine import run_workflow
from crmlink.workflow.loader import load_text
from crmlink.workflow.records import log_lines
from crmlink.workflow.tables import cursors
from tests.conftest import tls

CAPTURED: dict[str, list[dict]] = {}
VARIABLES: dict[str, dict[str, str]] = {}
FAILING: set[str] = set()  # capture keys whose activity raises (a failing downstream step)


class CaptureConfig(ActivityConfig):
    type: Literal["capture"]
    key: str


class Capture:
    def __init__(self, config: CaptureConfig) -> None:
        self.key = config.key

    def run(self, ctx, source) -> ActivityResult:
        if self.key in FAILING:
            raise RuntimeError(f"capture {self.key} fails on purpose")
        VARIABLES[self.key] = dict(ctx.variables)
        rows = [row for batch in ctx.rows(source) for row in batch] if source else []
        CAPTURED[self.key] = rows
        return ActivityResult(rows_in=len(rows))


@pytest.fixture(autouse=True)
def capture_activity():
    register("capture", CaptureConfig, Capture)
    CAPTURED.clear()
    VARIABLES.clear()
    FAILING.clear()
    yield
    unregister("capture")


def account_settings(sandbox) -> AccountSettings:
    info = sandbox.info()
    return AccountSettings(
        name="sfdc",
        type="salesforce",
        url=info["url"],
        auth="password",
        username=info["username"],
        client_id=info["client_id"],
        ca_bundle=info["ca_bundle"],
        secrets={
            "password": info["password"],
            "security_token": info["security_token"],
            "client_secret": info["client_secret"],
        },
    )


@dataclass
class Flow:
    database: object
    sandbox: object
    connectors: list = field(default_factory=list)

    def connector(self, account: str = "sfdc") -> SalesforceConnector:
        assert account == "sfdc", account
        opened = SalesforceConnector(account_settings(self.sandbox))
        self.connectors.append(opened)
        return opened

    def run(self, text: str, variables: dict | None = None, **options):
        workflow = load_text(textwrap.dedent(text), "test.yaml")
        return run_workflow(
            self.database, workflow, variables, open_connector=self.connector, **options
        )

    def rows(self, key: str) -> list[dict]:
        return CAPTURED.get(key, [])

    def variables(self, key: str) -> dict[str, str]:
        return VARIABLES.get(key, {})

    def log(self, run) -> list[str]:
        with self.database.connect() as conn:
            return [f"{line['level']}: {line['message']}" for line in log_lines(conn, run.id)]

    def cursor(self, workflow: str, activity: str):
        with self.database.connect() as conn:
            query = select(cursors).where(
                (cursors.c.workflow == workflow) & (cursors.c.activity == activity)
            )
            return conn.execute(query).mappings().first()

    # -- the sandbox side ---------------------------------------------------------------
    def admin(self, method: str, path: str, **kwargs) -> dict:
        url = f"{self.sandbox.url}/__sandbox__/{path}"
        response = httpx.request(method, url, verify=tls(self.sandbox), **kwargs)
        response.raise_for_status()
        return response.json()

    def faults(self, spec: str = "") -> None:
        self.admin("PUT", "faults", content=spec)

    def advance(self, seconds: float) -> None:
        self.admin("POST", f"clock?advance={seconds}")


@pytest.fixture
def flow(database, sf_fresh):
    made = Flow(database, sf_fresh)
    yield made
    for connector in made.connectors:
        connector.close()


@pytest.fixture
def shared_flow(database, sf_sandbox):
    """The session's shared sandbox: for tests that only read, or add their own records."""
    made = Flow(database, sf_sandbox)
    yield made
    for connector in made.connectors:
        connector.close()
