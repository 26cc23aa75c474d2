"""Scenario 4: recipients exported to Contact (plain inserts) into an empty org, reset
before every run: crmlink vs simple-salesforce `bulk2` insert and its sObject Collections
loop, and the export floor: the same rows as pre-built CSV files (written untimed) uploaded
as Bulk 2.0 ingest jobs with nothing read from a database and no results fetched, as one
job and as `FLOOR_JOBS` jobs at once (on the WAN profile a job's processing time grows with
its records, so parallel jobs can beat the single one). The check is the org's Contact
count afterwards."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

from bench.contestants.jobs import CRMLINK_BIN, Contestant, Job, Label, measure, peer
from bench.context import Context, crmlink_env, new_folder
from bench.results import Measurement
from bench.sandboxes import SfApi

SCENARIO = "sf export"
FLOOR_JOBS = 10  # the parallel floor's jobs: crmlink's jobs at 100,000 rows
COLUMNS = {"email": "Email", "first_name": "FirstName", "last_name": "LastName",
           "phone": "Phone", "company": "Department", "city": "MailingCity"}  # fmt: skip
WORKFLOW = """name: bench-export
activities:
  pick:
    type: query
    table: recipient
    fields: [email, first_name, last_name, phone, company, city]
    next: [send]
  send:
    type: crm
    operation: export
    account: sfdc
    object: Contact
    mapping: {Email: email, FirstName: first_name, LastName: last_name, Phone: phone,
              Department: company, MailingCity: city}
"""


def _org_contacts(ctx: Context) -> int:
    api = SfApi(ctx.sf_export)
    try:
        return api.count("Contact")
    finally:
        api.close()


def _job(ctx: Context, folder: Path, mode: str) -> Job:
    rows = ctx.options.export_rows
    home = ctx.export_home("salesforce", ctx.sf_export, "sfdc", rows)
    if mode == "crmlink":
        (folder / "export.yaml").write_text(WORKFLOW)
        command = [CRMLINK_BIN, "workflow", "run", str(folder / "export.yaml"), "--json"]
        return Job(command, folder, rows, lambda _: _org_contacts(ctx), crmlink_env(home))
    arguments: dict = {"info": ctx.info_file(ctx.sf_export)}
    if mode.startswith("floor"):
        jobs = FLOOR_JOBS if mode == "floor-parallel" else 1
        arguments["files"] = floor_files(home / "crmlink.db", folder, jobs)
        return Job(peer("export_floor.py", folder, arguments), folder, rows,
                   lambda _: _org_contacts(ctx))  # fmt: skip
    arguments |= {"database": str(home / "crmlink.db"), "mode": mode}
    return Job(peer("ss_export.py", folder, arguments), folder, rows, lambda _: _org_contacts(ctx))


def floor_files(database: Path, folder: Path, jobs: int) -> list[str]:
    """The recipients as `jobs` Bulk 2.0 CSV files (untimed set-up): the Contact fields
    of `COLUMNS`, empty values as empty cells (left unset on insert)."""
    with sqlite3.connect(database) as conn:
        rows = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM recipient ORDER BY id").fetchall()
    size = -(-len(rows) // jobs)
    paths = []
    for number, start in enumerate(range(0, len(rows), size)):
        path = folder / f"floor-{number}.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(COLUMNS.values())
            writer.writerows([v or "" for v in row] for row in rows[start : start + size])
        paths.append(str(path))
    return paths


def contestant(name: str, mode: str) -> Contestant:
    def run(ctx: Context, profile: str, round_: int) -> list[Measurement]:
        ctx.sf_export.reset()
        job = _job(ctx, new_folder(ctx.work / "runs", "export"), mode)
        return [measure(ctx.sf_export, job, Label(SCENARIO, name, "salesforce", profile, round_))]

    return Contestant(SCENARIO, name, "salesforce", run)


def contestants() -> list[Contestant]:
    return [
        contestant("crmlink", "crmlink"),
        contestant("simple-salesforce bulk2 insert", "bulk2"),
        contestant("simple-salesforce composite loop", "composite"),
        contestant("floor: one Bulk job, no results", "floor"),
        contestant(f"floor: {FLOOR_JOBS} Bulk jobs at once, no results", "floor-parallel"),
    ]
