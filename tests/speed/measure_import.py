"""Measure a full `crm` import (not a test): N Contacts, 14 fields, into SQLite or
PostgreSQL, from a Salesforce sandbox run as a subprocess (so it does not share the
client's GIL); prints seconds, rows/s, API calls and the client's peak RSS.

    .venv/bin/python -m tests.speed.measure_import --records 200000 --db sqlite
    .venv/bin/python -m tests.speed.measure_import --records 200000 --db postgresql
    .venv/bin/python -m tests.speed.measure_import --records 200000 --profile /tmp/imp.prof
    .venv/bin/python -m tests.speed.measure_import --records 100000 --net wan --api rest-ranges

The state folder (`--state-dir`, default /tmp/crmlink-speed-<N>) keeps the seeded org
between runs.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import resource
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid
from pathlib import Path

import psutil
import psycopg

from crmlink.connectors.salesforce import SalesforceConnector
from crmlink.connectors.salesforce.planner import Thresholds
from crmlink.db import open_database
from crmlink.model import AccountSettings
from crmlink.workflow.engine import run_workflow
from crmlink.workflow.loader import load_text

FIELDS = [
    "Id", "FirstName", "LastName", "Email", "Phone", "MobilePhone", "Title", "Department",
    "LeadSource", "AccountId", "Birthdate", "MailingCity", "Engagement_Score__c", "CreatedDate",
]  # fmt: skip
WORKFLOW = f"""
name: speed
activities:
  read:
    type: crm
    operation: import
    account: sfdc
    object: Contact
    fields: [{", ".join(FIELDS)}]
"""
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


class PeakRss:
    """Peak RSS of this process, sampled every 20 ms (ru_maxrss would include start-up)."""

    def __init__(self) -> None:
        self.process, self.peak = psutil.Process(), 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.02)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def start_sandbox(records: int, state_dir: Path, profile: str) -> tuple[subprocess.Popen, dict]:
    cmd = [sys.executable, "-m", "crmlink.cli", "sandbox", "salesforce", "--port", "0"]
    cmd += ["--records", str(records), "--state-dir", str(state_dir), "--profile", profile]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        raise SystemExit(f"the sandbox exited ({proc.wait()}) before it was ready")
    return proc, json.loads(line)


def account(info: dict) -> AccountSettings:
    return AccountSettings(
        name="sfdc",
        type="salesforce",
        url=info["url"],
        auth="password",
        username=info["username"],
        client_id=info["client_id"],
        ca_bundle=info["ca_bundle"],
        api_version=info.get("api_version") or "62.0",
        secrets={
            "password": info["password"],
            "security_token": info["security_token"],
            "client_secret": info["client_secret"],
        },
    )


def database_url(kind: str, folder: Path) -> tuple[str, str | None]:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'speed.db'}", None
    name = f"crmlink_speed_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", name


def drop_pg(name: str | None) -> None:
    if name:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_once(info: dict, url: str, profile: str | None, api: str | None = None) -> dict:
    database = open_database(url)
    opened: list[SalesforceConnector] = []
    limits = Thresholds(force=api) if api else None

    def connector(name: str) -> SalesforceConnector:
        opened.append(SalesforceConnector(account(info), plan_limits=limits))
        return opened[-1]

    workflow = load_text(textwrap.dedent(WORKFLOW), "speed.yaml")
    memory, profiler = PeakRss(), cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    run = run_workflow(database, workflow, None, open_connector=connector)
    if profiler and profile:
        profiler.disable()
        profiler.dump_stats(profile)
    took = time.perf_counter() - started
    peak = memory.stop()
    for c in opened:
        c.close()
    database.close()
    if not run.succeeded:
        raise SystemExit(f"the run failed: {run.error}")
    activity = run.activities[0]
    return {
        "rows": activity.rows_out,
        "seconds": round(took, 2),
        "rows_per_s": int(activity.rows_out / took),
        "api_calls": activity.api_calls,
        "read_plan": activity.read_plan,
        "client_peak_rss_mb": round(peak / 2**20, 1),
        "ru_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--state-dir", type=Path)
    parser.add_argument("--net", default="loopback", choices=["loopback", "wan"])
    parser.add_argument("--profile", help="write cProfile stats here")
    parser.add_argument("--api", help="force the read API (rest, rest-ranges, bulk, bulk-ranges)")
    args = parser.parse_args()
    state = args.state_dir or Path(f"/tmp/crmlink-speed-{args.records}")
    proc, info = start_sandbox(args.records, state, args.net)
    try:
        with tempfile.TemporaryDirectory() as folder:
            url, pg_name = database_url(args.db, Path(folder))
            try:
                figures = run_once(info, url, args.profile, args.api)
            finally:
                drop_pg(pg_name)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(json.dumps({"db": args.db, "net": args.net, **figures}))


if __name__ == "__main__":
    main()
