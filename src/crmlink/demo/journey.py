"""The demo's steps, each timed and counted (rows, rejects, API calls)."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import insert, select

from crmlink.catalog.accounts import AccountInput, AccountStore
from crmlink.catalog.recipient import recipient
from crmlink.catalog.secrets import SecretCipher
from crmlink.config import Settings
from crmlink.connectors.base import Connector
from crmlink.connectors.registry import open_connector
from crmlink.db import Database, open_database
from crmlink.demo.home import check_demo_home, forget_cursors, put_account
from crmlink.errors import JobFailed
from crmlink.sandbox.dynamics.app import DynamicsSandbox
from crmlink.sandbox.hubspot.app import HubSpotSandbox
from crmlink.sandbox.salesforce.app import SalesforceSandbox
from crmlink.wizard.enums import Mapping, list_picklists, sync_picklists
from crmlink.wizard.run import run_wizard
from crmlink.workflow.engine import run_workflow

ACCOUNT = "sfdc"
DYNAMICS = "dyn"
HUBSPOT = "hs"
WORKFLOWS = resources.files("crmlink.demo") / "workflows"
DEMO_WORKFLOWS = ("demo-contacts-import", "demo-deleted-contacts", "demo-dynamics-contacts",
                  "demo-leads-delete", "demo-leads-export", "demo-hubspot-contacts",
                  "demo-hubspot-export", "demo-hubspot-deleted")  # fmt: skip
HUBSPOT_ARCHIVED = 3  # contacts the demo archives in HubSpot before importing deletions


@dataclass
class Step:
    name: str
    result: str = ""
    rows: int = 0
    rejects: int = 0
    api_calls: int = 0
    seconds: float = 0.0


@dataclass
class Demo:
    sandbox: SalesforceSandbox
    dynamics: DynamicsSandbox
    hubspot: HubSpotSandbox
    settings: Settings
    database: Database
    console: Console
    steps: list[Step] = field(default_factory=list)

    def _calls(self) -> int:
        boxes = (self.sandbox, self.dynamics, self.hubspot)
        return sum(s.stats.snapshot()["total"] for s in boxes)

    def step(self, name: str, action: Callable[[Step], None]) -> None:
        step = Step(name)
        calls = self._calls()
        started = time.perf_counter()
        self.console.print(f"[bold]{name}[/] …")
        action(step)
        step.seconds = time.perf_counter() - started
        step.api_calls = self._calls() - calls
        self.steps.append(step)

    def workflow(self, step: Step, filename: str, variables: dict[str, str] | None = None) -> None:
        with resources.as_file(WORKFLOWS / filename) as path:
            record = run_workflow(self.database, Path(path), variables, settings=self.settings)
        if record.status != "succeeded":
            raise JobFailed(f"the demo workflow {filename} {record.status}: {record.error}")
        step.rows = max((a.rows_out for a in record.activities), default=0)
        step.rejects = sum(a.rows_rejected for a in record.activities)
        step.result = ", ".join(
            f"{a.name} {a.rows_out}" + (f" ({a.rows_rejected} rejected)" if a.rows_rejected else "")
            for a in record.activities
        )


def _accounts(demo: Demo) -> AccountStore:
    return AccountStore(demo.database, SecretCipher(demo.settings.secret_key))


def _salesforce_account(info: dict[str, str]) -> AccountInput:
    secrets = {k: info[k] for k in ("password", "security_token", "client_secret")}
    return AccountInput(
        name=ACCOUNT, type="salesforce", url=info["url"], auth="password",
        username=info["username"], client_id=info["client_id"], ca_bundle=info["ca_bundle"],
        secrets=secrets,
    )  # fmt: skip


def _dynamics_account(info: dict[str, str]) -> AccountInput:
    return AccountInput(
        name=DYNAMICS, type="dynamics", url=info["url"], auth="client-secret",
        client_id=info["client_id"], tenant_id=info["tenant_id"], ca_bundle=info["ca_bundle"],
        secrets={"client_secret": info["client_secret"]},
    )  # fmt: skip


def _hubspot_account(info: dict[str, str]) -> AccountInput:
    return AccountInput(
        name=HUBSPOT, type="hubspot", url=info["url"], auth="private-app",
        ca_bundle=info["ca_bundle"], secrets={"access_token": info["access_token"]},
    )  # fmt: skip


def _add_account(demo: Demo, step: Step, account: AccountInput) -> None:
    store = _accounts(demo)
    put_account(store, account)  # a rerun on the same --home replaces the demo's accounts
    with closing(open_connector(store.settings(account.name))) as connector:
        who = connector.identity()
    step.result = f"{account.name}: org {who.org_id}, user {who.user} (API {who.api_version})"


def _connector(demo: Demo, account: str = ACCOUNT) -> closing[Connector]:
    """The account's connector, closed when the `with` block ends."""
    return closing(open_connector(_accounts(demo).settings(account)))


def _wizard(demo: Demo, step: Step, account: str, tables: list[str]) -> None:
    with _connector(demo, account) as connector:
        outcomes = run_wizard(demo.database.engine, connector, account, tables)
    step.rows = sum(o.columns for o in outcomes)
    step.result = "; ".join(f"{o.schema}: {o.columns} columns ({o.status})" for o in outcomes)


def _enums(demo: Demo, step: Step) -> None:
    with _connector(demo) as connector:
        picklists = list_picklists(demo.database.engine, connector, ACCOUNT, ["Contact"])
    mappings = [
        Mapping("Contact_LeadSource", "leadSource"),
        Mapping("Contact_Interests__c", "interests"),
    ]
    results = sync_picklists(demo.database.engine, picklists, mappings)
    step.rows = sum(r.added for r in results)
    step.result = f"{len(picklists)} picklists; " + ", ".join(
        f"{r.enumeration} +{r.added} values" for r in results
    )


def _new_recipients(demo: Demo) -> None:
    """Campaign-side sign-ups that Salesforce does not know yet (one with a bad e-mail)."""
    now = dt.datetime.now(dt.UTC)
    rows = [
        {"email": f"signup{n}@demo.example", "first_name": "Zoë", "last_name": f"O'Demo {n}",
         "company": f"Demo Company {n}", "created_at": now, "modified_at": now}
        for n in range(1, 21)
    ]  # fmt: skip
    rows.append({**rows[0], "email": "broken@@demo.example", "last_name": "Broken"})
    with demo.database.transaction() as conn:
        known = set(conn.execute(select(recipient.c.email)).scalars())  # a rerun adds none
        rows = [row for row in rows if row["email"] not in known]
        if rows:
            conn.execute(insert(recipient), rows)


def _change_contacts(demo: Demo) -> tuple[int, int]:
    """Edit 10 contacts and delete 5 in the CRM, as its users would."""
    org = demo.sandbox.org
    ids = org.sample_ids("Contact", 15)
    for record_id in ids[:10]:
        org.update("Contact", record_id, {"Title": "Changed in Salesforce"})
    for record_id in ids[10:]:
        org.delete("Contact", record_id)
    return 10, 5


def _summary(demo: Demo, home: Path, kept: bool) -> None:
    table = Table(title="crmlink demo", show_lines=False)
    for column in ("step", "rows", "rejects", "API calls", "seconds", "what happened"):
        table.add_column(column, overflow="fold")
    for s in demo.steps:
        table.add_row(
            s.name, str(s.rows), str(s.rejects), str(s.api_calls), f"{s.seconds:.2f}", s.result
        )
    demo.console.print(table)
    total = sum(s.seconds for s in demo.steps)
    demo.console.print(f"{len(demo.steps)} steps in {total:.1f} s.")
    if kept:
        demo.console.print(
            f"Look next: `crmlink schema show sfdc_contact --home {home}`, "
            f"`crmlink workflow runs --home {home}`, `crmlink enum show leadSource --home {home}`."
        )
    else:
        demo.console.print(
            "The demo's home was temporary; run `crmlink demo --home DIR` to keep it."
        )


def _journey(demo: Demo) -> None:
    demo.step("accounts", lambda s: _add_account(demo, s, _salesforce_account(demo.sandbox.info())))
    demo.step("wizard", lambda s: _wizard(demo, s, ACCOUNT, ["Contact", "Lead"]))
    demo.step("enumerations", lambda s: _enums(demo, s))
    demo.step("import contacts", lambda s: demo.workflow(s, "contacts-import.yaml"))
    _new_recipients(demo)
    demo.step("export leads", lambda s: demo.workflow(s, "leads-export.yaml"))
    changed, deleted = _change_contacts(demo)
    demo.step(f"re-import ({changed} changed)", lambda s: demo.workflow(s, "contacts-import.yaml"))
    org = demo.sandbox.org
    org.clock_offset += dt.timedelta(minutes=2)  # getDeleted covers whole minutes only
    until = {"deleted_until": org.now().isoformat()}
    demo.step(
        f"import deletions ({deleted})",
        lambda s: demo.workflow(s, "deleted-contacts.yaml", until),
    )
    demo.step("delete leads", lambda s: demo.workflow(s, "leads-delete.yaml"))
    _dynamics_journey(demo)


def _dynamics_journey(demo: Demo) -> None:
    """The same product on the second CRM: nothing above the connector differs."""
    info = demo.dynamics.info()
    demo.step("dynamics account", lambda s: _add_account(demo, s, _dynamics_account(info)))
    demo.step("dynamics wizard", lambda s: _wizard(demo, s, DYNAMICS, ["contact"]))
    demo.step("dynamics import", lambda s: demo.workflow(s, "dynamics-contacts-import.yaml"))
    _hubspot_journey(demo)


def _archive_hubspot_contacts(demo: Demo, count: int) -> None:
    """Contacts deleted by HubSpot users: they go to the recycle bin (archived)."""
    records = demo.hubspot.records
    contacts = demo.hubspot.objects.resolve("contacts")
    for row in records.page(contacts, 0, count):
        records.archive(contacts, row[1])


def _hubspot_journey(demo: Demo) -> None:
    """The third CRM, again through the same engine: a private-app account, the wizard,
    an incremental import, the sign-ups upserted by e-mail and the archived contacts."""
    info = demo.hubspot.info()
    demo.step("hubspot account", lambda s: _add_account(demo, s, _hubspot_account(info)))
    demo.step("hubspot wizard", lambda s: _wizard(demo, s, HUBSPOT, ["contacts"]))
    demo.step("hubspot import", lambda s: demo.workflow(s, "hubspot-contacts-import.yaml"))
    demo.step("hubspot export", lambda s: demo.workflow(s, "hubspot-recipients-export.yaml"))
    _archive_hubspot_contacts(demo, HUBSPOT_ARCHIVED)
    demo.step(
        f"hubspot import deletions ({HUBSPOT_ARCHIVED})",
        lambda s: demo.workflow(s, "hubspot-deleted-contacts.yaml"),
    )


def run_demo(
    records: int = 2000, home: Path | None = None, console: Console | None = None
) -> list[Step]:
    console = console or Console(width=None if sys.stdout.isatty() else 160)
    folder = home or Path(tempfile.mkdtemp(prefix="crmlink-demo-"))
    settings = Settings.load(folder, env={})  # the embedded default, whatever the environment
    try:
        with (
            SalesforceSandbox(records=records, seed=42) as sandbox,
            DynamicsSandbox(records=max(records // 4, 10), seed=42) as dynamics,
            HubSpotSandbox(records=max(records // 4, 10), seed=42) as hubspot,
            open_database(settings) as database,
        ):
            check_demo_home(
                AccountStore(database, SecretCipher(settings.secret_key)),
                folder,
                (ACCOUNT, DYNAMICS, HUBSPOT),
            )
            forget_cursors(database, DEMO_WORKFLOWS)
            console.print(f"Salesforce sandbox on [bold]{sandbox.url}[/] ({records} contacts)")
            console.print(f"Dynamics 365 sandbox on [bold]{dynamics.url}[/]")
            console.print(f"HubSpot sandbox on [bold]{hubspot.url}[/]")
            demo = Demo(sandbox, dynamics, hubspot, settings, database, console)
            _journey(demo)
        _summary(demo, folder, kept=home is not None)
        return demo.steps
    finally:
        if home is None:
            shutil.rmtree(folder, ignore_errors=True)
