"""Measure an export of N recipients to Contact (not a test): crmlink's `crm` export from a
SQLite home, and the two simple-salesforce approaches (`bulk2.Contact.insert` and a
composite-collection loop of 200), and the export floor (`floor`: the rows as one pre-built
CSV, one Bulk 2.0 ingest job, no results fetched; `floor-10`: ten such jobs at once),
against a Salesforce sandbox run as a subprocess, loopback or under its WAN profile.
Prints one JSON line per contestant, with the sandbox's own CPU seconds.

    .venv/bin/python -m tests.speed.measure_export --records 100000 --net loopback
    .venv/bin/python -m tests.speed.measure_export --records 100000 --net wan
    .venv/bin/python -m tests.speed.measure_export --only crmlink --profile exp.prof
"""

from __future__ import annotations

import argparse
import cProfile
import json
import resource
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

from crmlink.connectors.salesforce import SalesforceConnector
from crmlink.db import open_database
from crmlink.model import AccountSettings
from crmlink.workflow.engine import run_workflow
from crmlink.workflow.loader import load_text

COLUMNS = {"email": "Email", "first_name": "FirstName", "last_name": "LastName",
           "phone": "Phone", "company": "Department", "city": "MailingCity"}  # fmt: skip
WORKFLOW = """
name: speed-export
activities:
  pick: {type: query, table: audience, order_by: [id], next: [export]}
  export:
    type: crm
    operation: export
    account: sfdc
    object: Contact
    mapping: {%s}
    %s
"""


def start_sandbox(state_dir: Path) -> tuple[subprocess.Popen, dict]:
    cmd = [sys.executable, "-m", "crmlink.cli", "sandbox", "salesforce", "--port", "0"]
    cmd += ["--records", "100", "--state-dir", str(state_dir)]
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
        api_version="62.0",
        secrets={
            "password": info["password"],
            "security_token": info["security_token"],
            "client_secret": info["client_secret"],
        },
    )


def make_recipients(path: Path, count: int) -> None:
    with sqlite3.connect(path) as conn:
        names = ", ".join(f"{c} TEXT" for c in COLUMNS)
        conn.execute(f"CREATE TABLE audience (id INTEGER PRIMARY KEY, {names})")
        conn.executemany(
            "INSERT INTO audience VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    i,
                    f"r{i}@example.com",
                    f"First{i}",
                    f"Last{i}",
                    f"+1555{i:07d}",
                    f"Company {i % 97}",
                    f"City {i % 31}",
                )  # fmt: skip
                for i in range(1, count + 1)
            ),
        )


def records_from(path: Path) -> list[dict]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM audience ORDER BY id").fetchall()
    return [{COLUMNS[c]: v for c, v in zip(COLUMNS, row, strict=True) if v} for row in rows]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


CPU_AT_START = 0.0


def run_crmlink(info: dict, db: Path, args: argparse.Namespace) -> dict[str, Any]:
    database = open_database(f"sqlite:///{db}")
    opened: list[SalesforceConnector] = []
    options, profile = args.options, args.profile

    def connector(name: str) -> SalesforceConnector:
        opened.append(SalesforceConnector(account(info)))
        writer = opened[-1].writer
        writer.ingest.workers = args.job_workers or writer.ingest.workers
        writer.workers = args.collection_workers or writer.workers
        writer.bulk_threshold = args.bulk_threshold or writer.bulk_threshold
        return opened[-1]

    mapping = ", ".join(f"{field}: {column}" for column, field in COLUMNS.items())
    workflow = load_text(textwrap.dedent(WORKFLOW % (mapping, options)), "speed.yaml")
    profiler = cProfile.Profile() if profile else None
    global CPU_AT_START
    CPU_AT_START = _cpu()
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    run = run_workflow(database, workflow, None, open_connector=connector)
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    took = time.perf_counter() - started
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    for c in opened:
        c.close()
    database.close()
    if not run.succeeded:
        raise SystemExit(f"the run failed: {run.error}")
    export = run.activities[1]
    return {
        "rows": export.rows_out,
        "seconds": round(took, 2),
        "api_calls": export.api_calls,
        "client_cpu_s": round(cpu.ru_utime + cpu.ru_stime - CPU_AT_START, 1),
        "client_peak_rss_mb": round(cpu.ru_maxrss / 1024),
    }


def run_simple_salesforce(info: dict, db: Path, mode: str) -> dict[str, Any]:
    import requests
    from simple_salesforce import Salesforce

    session = requests.Session()
    session.trust_env = False
    session.verify = info["ca_bundle"]
    started = time.perf_counter()
    form = {
        "grant_type": "password",
        "client_id": info["client_id"],
        "client_secret": info["client_secret"],
        "username": info["username"],
        "password": info["password"] + info["security_token"],
    }
    token = session.post(f"{info['url']}/services/oauth2/token", data=form).json()
    sf = Salesforce(
        instance_url=info["url"], session_id=token["access_token"], session=session, version="62.0"
    )
    records = records_from(db)
    if mode == "bulk2":
        results = sf.bulk2.Contact.insert(records=records, wait=1)
        sent = sum(
            int(r["numberRecordsProcessed"]) - int(r["numberRecordsFailed"]) for r in results
        )
    else:
        sent = 0
        for start in range(0, len(records), 200):
            batch = [{"attributes": {"type": "Contact"}, **r} for r in records[start : start + 200]]
            body = {"allOrNone": False, "records": batch}
            answer = sf.restful("composite/sobjects", method="POST", json=body)
            sent += sum(1 for result in answer if result["success"])
    took = time.perf_counter() - started
    session.close()
    return {"rows": sent, "seconds": round(took, 2)}


def run_floor(info: dict, db: Path, jobs: int) -> dict[str, Any]:
    """The rows as `jobs` pre-built CSV bodies (untimed), uploaded as that many Bulk 2.0
    ingest jobs at once, polled until done; no results fetched."""
    import concurrent.futures
    import csv
    import io

    rows = [[r.get(f, "") for f in COLUMNS.values()] for r in records_from(db)]
    size = -(-len(rows) // jobs)
    bodies = []
    for start in range(0, len(rows), size):
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(COLUMNS.values())
        writer.writerows(rows[start : start + size])
        bodies.append(text.getvalue().encode())
    tls = ssl.create_default_context(cafile=info["ca_bundle"])
    api = "/services/data/v62.0/jobs/ingest"
    started = time.perf_counter()
    limits = httpx.Limits(max_connections=jobs)
    with httpx.Client(base_url=info["url"], verify=tls, timeout=600, limits=limits) as c:
        form = {"grant_type": "password", "client_id": info["client_id"],
                "client_secret": info["client_secret"], "username": info["username"],
                "password": info["password"] + info["security_token"]}  # fmt: skip
        token = c.post("/services/oauth2/token", data=form).raise_for_status().json()
        c.headers["Authorization"] = f"Bearer {token['access_token']}"

        def one(body: bytes) -> int:
            spec = {"object": "Contact", "operation": "insert", "lineEnding": "LF"}
            job = c.post(api, json=spec).raise_for_status().json()["id"]
            headers = {"Content-Type": "text/csv"}
            c.put(f"{api}/{job}/batches", content=body, headers=headers).raise_for_status()
            c.patch(f"{api}/{job}", json={"state": "UploadComplete"}).raise_for_status()
            while (state := c.get(f"{api}/{job}").raise_for_status().json())["state"] not in (
                "JobComplete", "Failed", "Aborted"):  # fmt: skip
                time.sleep(0.2)
            return int(state["numberRecordsProcessed"]) - int(state["numberRecordsFailed"])

        with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
            sent = sum(pool.map(one, bodies))
    return {"rows": sent, "seconds": round(time.perf_counter() - started, 2)}


def control(info: dict, net: str) -> None:
    tls = ssl.create_default_context(cafile=info["ca_bundle"])
    with httpx.Client(base_url=info["url"], verify=tls, timeout=600) as c:
        c.post("/__sandbox__/reset").raise_for_status()
        c.put("/__sandbox__/faults", content=f"profile={net}").raise_for_status()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--net", default="loopback", choices=["loopback", "wan"])
    parser.add_argument(
        "--only", action="append", help="crmlink, ss-bulk2, ss-composite, floor, floor-10"
    )
    parser.add_argument("--options", default="", help="extra export options (YAML, one line)")
    parser.add_argument("--profile", help="write crmlink's cProfile stats here")
    parser.add_argument("--job-workers", type=int, help="Bulk ingest jobs at once")
    parser.add_argument("--collection-workers", type=int, help="Collections calls at once")
    parser.add_argument("--bulk-threshold", type=int, help="rows from which Bulk is used")
    args = parser.parse_args()
    wanted = args.only or ["crmlink", "ss-bulk2", "ss-composite"]
    with tempfile.TemporaryDirectory() as folder:
        proc, info = start_sandbox(Path(folder) / "state")
        try:
            db = Path(folder) / "home.db"
            open_database(f"sqlite:///{db}").close()  # the catalog first
            make_recipients(db, args.records)
            server = psutil.Process(proc.pid)
            for who in wanted:
                control(info, args.net)
                cpu = sum(server.cpu_times()[:2])
                if who == "crmlink":
                    figures = run_crmlink(info, db, args)
                elif who.startswith("floor"):
                    figures = run_floor(info, db, int(who.partition("-")[2] or 1))
                else:
                    figures = run_simple_salesforce(info, db, who.removeprefix("ss-"))
                figures["sandbox_cpu_s"] = round(sum(server.cpu_times()[:2]) - cpu, 1)
                print(json.dumps({"who": who, "net": args.net, **figures}), flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            if proc.stdout:
                proc.stdout.close()


if __name__ == "__main__":
    main()
