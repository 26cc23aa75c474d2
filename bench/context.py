"""What the contestants share: the sandboxes (started on first use), the org's counts, the
CSV the insert floor reads, the recipients an export sends, the tools' venvs."""

from __future__ import annotations

import csv
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import httpx

from bench.sandboxes import SF_API, DvApi, Sandbox, SfApi, sf_token

ROOT = Path(__file__).resolve().parents[1]
CRMLINK = str(Path(sys.executable).with_name("crmlink"))
SF_FIELDS = [
    "Id",
    "FirstName",
    "LastName",
    "Salutation",
    "Email",
    "Phone",
    "MobilePhone",
    "Title",
    "Department",
    "LeadSource",
    "AccountId",
    "Birthdate",
    "MailingStreet",
    "MailingCity",
    "MailingState",
    "MailingPostalCode",
    "MailingCountry",
    "HasOptedOutOfEmail",
    "DoNotCall",
    "Loyalty_Points__c",
    "Engagement_Score__c",
    "CreatedDate",
    "SystemModstamp",
]  # fmt: skip  (23 fields)
DV_FIELDS = [
    "contactid", "firstname", "lastname", "emailaddress1", "telephone1", "address1_city",
    "address1_country", "birthdate", "gendercode", "creditlimit", "modifiedon",
]  # fmt: skip


@dataclass(frozen=True)
class Options:
    rows: int  # Salesforce contacts imported; the other sizes follow from it
    rounds: int
    profiles: tuple[str, ...]
    only: tuple[str, ...]
    quick: bool
    timeout: float  # seconds a contestant may run before it is killed and failed
    state_root: Path
    out: Path

    @property
    def export_rows(self) -> int:
        return max(self.rows // 10, 1)

    @property
    def dv_rows(self) -> int:
        return max(self.rows // 5, 1)

    @property
    def dv_export_rows(self) -> int:
        return max(self.rows // 50, 1)


class Context:
    """Resources made once per bench run, each on first use; `close()` stops them."""

    def __init__(self, options: Options, work: Path) -> None:
        self.options, self.work = options, work
        self.started: list[Sandbox] = []
        self.profile = "loopback"  # the network of the contestant being run

    def _sandbox(self, crm: str, state: Path, records: int) -> Sandbox:
        sandbox = Sandbox(crm, state, records, self.options.timeout).start()
        sandbox.set_profile(self.profile)
        self.started.append(sandbox)
        return sandbox

    @cached_property
    def sf(self) -> Sandbox:
        state = self.options.state_root / f"sf-{self.options.rows}"
        return self._sandbox("salesforce", state, self.options.rows)

    @cached_property
    def sf_export(self) -> Sandbox:
        return self._sandbox("salesforce", self.work / "sf-export", 0)

    @cached_property
    def dv(self) -> Sandbox:
        state = self.options.state_root / f"dv-{self.options.dv_rows}"
        return self._sandbox("dynamics", state, self.options.dv_rows)

    @cached_property
    def dv_export(self) -> Sandbox:
        return self._sandbox("dynamics", self.work / "dv-export", 0)

    def all_started(self) -> list[Sandbox]:
        return list(self.started)

    def close(self) -> None:
        for sandbox in self.started:
            sandbox.stop()
        if "login_proxy" in self.__dict__:
            self.login_proxy.stop()

    @cached_property
    def sf_count(self) -> int:
        api = SfApi(self.sf)
        try:
            return api.count("Contact")
        finally:
            api.close()

    @cached_property
    def dv_count(self) -> int:
        api = DvApi(self.dv)
        try:
            return api.count("contacts")
        finally:
            api.close()

    @cached_property
    def floor_csv(self) -> Path:
        """Every Contact as the Bulk 2.0 CSV, downloaded once (untimed) for the insert floor."""
        path = self.work / "contacts.csv"
        info = self.sf.info
        with (
            httpx.Client(base_url=info["url"], verify=info["ca_bundle"], timeout=900) as client,
            path.open("wb") as out,
        ):
            client.headers["Authorization"] = f"Bearer {sf_token(client, info)}"
            _download_csv(client, out)
        return path

    def info_file(self, sandbox: Sandbox) -> str:
        return str(sandbox.info_file(self.work))

    def crmlink_home(self, sandbox: Sandbox, account: str, database_url: str) -> Path:
        """A fresh crmlink home whose database (`database_url`) holds `account`."""
        home = new_folder(self.work / "runs", "home")
        add = ["account", "add", account, "--from-sandbox", str(sandbox.state_dir)]
        crmlink(add, home, {"CRMLINK_DATABASE_URL": database_url})
        return home

    def export_home(self, crm: str, sandbox: Sandbox, account: str, rows: int) -> Path:
        """A fresh crmlink home with `rows` recipients in its SQLite database."""
        template = self.work / f"home-export-{crm}"
        if not template.exists():
            crmlink(["account", "add", account, "--from-sandbox", str(sandbox.state_dir)],
                    template)  # fmt: skip
            seed_recipients(template / "crmlink.db", rows)
        return copy_home(template, self.work / "runs")

    @cached_property
    def login_proxy(self) -> Any:
        from tests.thirdparty.login_proxy import LoginProxy

        info = self.sf.info
        folder = self.work / "login-proxy"
        folder.mkdir(exist_ok=True)
        proxy = LoginProxy(info["url"], Path(info["ca_bundle"]), folder)
        proxy.start()
        return proxy

    def venv(self, tool: str) -> Any:
        from tests.thirdparty.venvs import ensure

        return ensure(tool)


def _download_csv(client: httpx.Client, out: Any) -> None:
    soql = f"SELECT {', '.join(SF_FIELDS)} FROM Contact"
    job = client.post(f"{SF_API}/jobs/query", json={"operation": "query", "query": soql})
    job_id = job.raise_for_status().json()["id"]
    while client.get(f"{SF_API}/jobs/query/{job_id}").json()["state"] != "JobComplete":
        time.sleep(0.2)
    locator, first = None, True
    while locator != "null":
        params = {"maxRecords": 50_000, **({"locator": locator} if locator else {})}
        with client.stream("GET", f"{SF_API}/jobs/query/{job_id}/results", params=params) as r:
            r.raise_for_status()
            body = b"".join(r.iter_bytes())
            locator = r.headers["Sforce-Locator"]
        out.write(body if first else body.split(b"\n", 1)[1])
        first = False


def crmlink(args: list[str], home: Path, env: dict[str, str] | None = None) -> str:
    """Run crmlink with its own home (untimed set-up); its output, or SystemExit."""
    done = subprocess.run(
        [CRMLINK, *args], env=crmlink_env(home, env), capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"crmlink {' '.join(args)}: {done.stderr.strip()[-500:]}")
    return done.stdout


def crmlink_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("CRMLINK_")}
    return {**env, "CRMLINK_HOME": str(home), **(extra or {})}


def new_folder(parent: Path, prefix: str) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{prefix}-", dir=parent))


def copy_home(template: Path, runs: Path) -> Path:
    home = new_folder(runs, "home") / "home"
    shutil.copytree(template, home)
    return home


def seed_recipients(database: Path, rows: int) -> None:
    """`rows` recipients, deterministic, straight into crmlink's `recipient` table."""
    columns = ("email", "first_name", "last_name", "phone", "company", "city")
    values = (
        (f"bench{i}@example.com", f"First{i % 997}", f"Last{i}", f"+1 555 {i:07d}",
         f"Dept {i % 50}", ("Paris", "Lyon", "Austin", "Leeds")[i % 4])
        for i in range(rows)
    )  # fmt: skip
    with sqlite3.connect(database) as conn:
        marks = ", ".join("?" * len(columns))
        conn.executemany(f"INSERT INTO recipient ({', '.join(columns)}) VALUES ({marks})", values)


def read_csv_rows(path: Path) -> int:
    with path.open(newline="") as file:
        return sum(1 for _ in csv.reader(file)) - 1
