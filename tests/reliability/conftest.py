"""Shared by the reliability tests: one 50,000-record sandbox per CRM for the session,
a runner that runs a workflow (and reruns it while a run ends in error), and row-by-row
checksums of campaign tables and of the sandboxes' own stores."""

from __future__ import annotations

import hashlib
import textwrap
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy import Column, MetaData, String, Table, select

from crmlink.connectors._http import RetryPolicy
from crmlink.connectors.dynamics import DynamicsConnector
from crmlink.connectors.salesforce import PollPolicy, SalesforceConnector
from crmlink.db import Database, open_database
from crmlink.model import AccountSettings
from crmlink.sandbox.dynamics.app import DynamicsSandbox
from crmlink.sandbox.salesforce.app import SalesforceSandbox
from crmlink.workflow.engine import run_workflow
from crmlink.workflow.loader import load_text
from crmlink.workflow.records import RunRecord
from tests.conftest import tls

RECORDS = 50_000
# Retry-After is honoured but capped, and backoff is short: a matrix cell meets hundreds
# of faults and must not sleep for each as long as a real CRM asks.
RETRY = RetryPolicy(attempts=12, base_delay=0.005, max_delay=0.02, max_retry_after=0.02)
POLL = PollPolicy(first=0.05, factor=1.5, longest=0.5, timeout=120)
MAX_RUNS = 30  # a run that ends in error is run again (resumed), up to this many times


@pytest.fixture(scope="session")
def sf_big(tmp_path_factory) -> Iterator[SalesforceSandbox]:
    sandbox = SalesforceSandbox(
        state_dir=tmp_path_factory.mktemp("sf-big"), records=RECORDS, seed=17
    )
    sandbox.start()
    yield sandbox
    sandbox.stop()


@pytest.fixture(scope="session")
def dv_big(tmp_path_factory) -> Iterator[DynamicsSandbox]:
    sandbox = DynamicsSandbox(
        state_dir=tmp_path_factory.mktemp("dv-big"),
        records=RECORDS,
        seed=17,
        requests_per_window=1_000_000,
    )
    sandbox.start()
    yield sandbox
    sandbox.stop()


def sf_account(sandbox) -> AccountSettings:
    info = sandbox.info()
    return AccountSettings(
        name="crm", type="salesforce", url=info["url"], auth="password",
        username=info["username"], client_id=info["client_id"], ca_bundle=info["ca_bundle"],
        secrets={k: info[k] for k in ("password", "security_token", "client_secret")},
    )  # fmt: skip


def dv_account(sandbox) -> AccountSettings:
    info = sandbox.info()
    return AccountSettings(
        name="crm", type="dynamics", url=info["url"], auth="client-secret",
        client_id=info["client_id"], tenant_id=info["tenant_id"], ca_bundle=info["ca_bundle"],
        secrets={"client_secret": info["client_secret"]},
    )  # fmt: skip


def open_connector(sandbox):
    if isinstance(sandbox, SalesforceSandbox):
        # Bulk 2.0 for the 50,000-record reads and the 10,000-row write batches
        return SalesforceConnector(
            sf_account(sandbox), retry=RETRY, poll=POLL, bulk_read_threshold=20_000
        )
    return DynamicsConnector(dv_account(sandbox), retry=RETRY)


def control(sandbox, method: str, path: str, **kwargs) -> dict:
    url = f"{sandbox.url}/__sandbox__/{path}"
    response = httpx.request(method, url, verify=tls(sandbox), **kwargs)
    response.raise_for_status()
    return response.json()


def set_faults(sandbox, spec: str) -> None:
    control(sandbox, "PUT", "faults", content=spec)


@dataclass
class Runner:
    """Runs workflows on one database against one sandbox; reruns a failed run."""

    database: Database
    sandbox: object
    opened: list = field(default_factory=list)
    records: list[RunRecord] = field(default_factory=list)

    def connector(self, account: str):
        made = open_connector(self.sandbox)
        self.opened.append(made)
        return made

    def run_once(self, text: str, variables: dict | None = None) -> RunRecord:
        workflow = load_text(textwrap.dedent(text), "reliability.yaml")
        record = run_workflow(
            self.database, workflow, variables, open_connector=self.connector, retry_delay=0.01
        )
        self.records.append(record)
        return record

    def run(self, text: str, variables: dict | None = None, max_runs: int = MAX_RUNS) -> RunRecord:
        """Run, and rerun (resume) while the run fails; the last record."""
        for _ in range(max_runs):
            record = self.run_once(text, variables)
            if record.status == "succeeded":
                return record
        raise AssertionError(f"still failing after {max_runs} runs: {record.error}")

    @property
    def failed_runs(self) -> int:
        return sum(1 for r in self.records if r.status != "succeeded")

    def close(self) -> None:
        for made in self.opened:
            made.close()


@pytest.fixture
def sqlite_database(tmp_path) -> Iterator[Database]:
    with open_database(f"sqlite:///{tmp_path / 'campaign.db'}") as opened:
        yield opened


def runner_for(database: Database, sandbox) -> Runner:
    return Runner(database, sandbox)


# -- checksums --------------------------------------------------------------------------
def digest(values: tuple) -> str:
    return hashlib.sha256(repr(values).encode()).hexdigest()[:16]


def table_rows(
    database: Database, name: str, key: str, skip: tuple[str, ...] = ()
) -> dict[str, str]:
    """key -> checksum of the row's other columns (in order, less `skip`); a key twice
    fails."""
    table = Table(name, MetaData(), autoload_with=database.engine)
    kept = [c for c in table.columns if c.name not in skip]
    with database.connect() as conn:
        rows = conn.execute(select(table.c[key], *kept)).all()
    keyed = Counter(str(row[0]) for row in rows)
    doubled = [k for k, n in keyed.items() if n > 1]
    assert not doubled, f"{len(doubled)} keys twice in {name}, e.g. {doubled[:3]}"
    return {str(row[0]): digest(tuple(row[1:])) for row in rows}


def diff(actual: dict[str, str], expected: dict[str, str]) -> str:
    missing = expected.keys() - actual.keys()
    extra = actual.keys() - expected.keys()
    changed = [k for k in expected.keys() & actual.keys() if expected[k] != actual[k]]
    return f"{len(missing)} missing, {len(extra)} extra, {len(changed)} changed"


def string_table(database: Database, name: str, columns: list[str], key: str) -> Table:
    table = Table(
        name, MetaData(), *(Column(c, String(255), primary_key=c == key) for c in columns)
    )
    with database.transaction() as conn:
        table.create(conn)
    return table
