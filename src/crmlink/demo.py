"""`crmlink demo`: a short tour against the built-in Salesforce sandbox.

Until the connector and workflows land (issues 3 and 4), the tour shows the sandbox
doing what a real org does for crmlink: OAuth login, SOAP login, describe, a paged
SOQL query, a write, and the API calls it cost.
"""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass, field

import httpx
from rich.console import Console
from rich.table import Table

from crmlink.sandbox.salesforce.app import SalesforceSandbox


@dataclass
class Step:
    name: str
    result: str
    seconds: float


@dataclass
class Tour:
    sandbox: SalesforceSandbox
    client: httpx.Client | None = None
    steps: list[Step] = field(default_factory=list)

    def run(self, name: str, action) -> None:
        started = time.perf_counter()
        result = action()
        self.steps.append(Step(name, result, time.perf_counter() - started))


def _login(tour: Tour) -> str:
    info = tour.sandbox.info()
    verify = ssl.create_default_context(cafile=info["ca_bundle"])
    form = {
        "grant_type": "password",
        "client_id": info["client_id"],
        "client_secret": info["client_secret"],
        "username": info["username"],
        "password": info["password"] + info["security_token"],
    }
    token = httpx.post(f"{info['url']}/services/oauth2/token", data=form, verify=verify)
    token.raise_for_status()
    body = token.json()
    tour.client = httpx.Client(
        base_url=body["instance_url"],
        headers={"Authorization": f"Bearer {body['access_token']}"},
        verify=verify,
    )
    return f"OAuth password grant as {info['username']} (TLS verified with the sandbox CA)"


def _describe(tour: Tour) -> str:
    describe = tour.client.get("/services/data/v59.0/sobjects/Contact/describe").json()
    picklists = sum(1 for f in describe["fields"] if f["type"] in ("picklist", "multipicklist"))
    return f"Contact: {len(describe['fields'])} fields, {picklists} picklists"


def _query(tour: Tour) -> str:
    headers = {"Sforce-Query-Options": "batchSize=500"}
    soql = "SELECT Id, FirstName, LastName, Email, Account.Name FROM Contact WHERE Email != null"
    page = tour.client.get("/services/data/v59.0/query", params={"q": soql}, headers=headers)
    body, rows, pages = page.json(), 0, 1
    rows += len(body["records"])
    while not body["done"]:
        body = tour.client.get(body["nextRecordsUrl"], headers=headers).json()
        rows, pages = rows + len(body["records"]), pages + 1
    return f"{rows} contacts with an e-mail, in {pages} pages"


def _write(tour: Tour) -> str:
    record = {"LastName": "O'Demo", "FirstName": "Zoë", "External_Id__c": "DEMO-1"}
    first = tour.client.patch(
        "/services/data/v59.0/sobjects/Contact/External_Id__c/DEMO-1", json=record
    )
    again = tour.client.patch(
        "/services/data/v59.0/sobjects/Contact/External_Id__c/DEMO-1", json=record
    )
    return f"upsert by External_Id__c: HTTP {first.status_code} then {again.status_code}"


def run_demo(records: int = 2000, console: Console | None = None) -> list[Step]:
    console = console or Console()
    with SalesforceSandbox(records=records, seed=42) as sandbox:
        console.print(f"Salesforce sandbox listening on [bold]{sandbox.url}[/]")
        tour = Tour(sandbox)
        tour.run("login", lambda: _login(tour))
        tour.run("describe", lambda: _describe(tour))
        tour.run("query", lambda: _query(tour))
        tour.run("write", lambda: _write(tour))
        calls = sandbox.stats.snapshot()["total"]
        tour.client.close()
    table = Table(title="crmlink demo")
    for column in ("step", "result", "seconds"):
        table.add_column(column)
    for step in tour.steps:
        table.add_row(step.name, step.result, f"{step.seconds:.2f}")
    console.print(table)
    console.print(f"API calls spent: {calls}. Next: `crmlink sandbox salesforce` to keep one up.")
    return tour.steps
