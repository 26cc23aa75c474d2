"""Scenario 1–3: a full import of every Contact (23 fields) into SQLite or PostgreSQL, by
crmlink, simple-salesforce (two ways), Airbyte and Singer; and the two halves of the floor."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from bench import databases
from bench.contestants import tools
from bench.contestants.jobs import (
    CRMLINK_BIN,
    Contestant,
    Job,
    Label,
    crmlink_note,
    crmlink_rows,
    measure,
    peer,
)
from bench.context import SF_FIELDS, Context, crmlink, crmlink_env, new_folder
from bench.results import Measurement

SCENARIO = "sf import"
TABLE = "contact"
WORKFLOW = """name: bench-import
activities:
  read:
    type: crm
    operation: import
    account: sfdc
    object: Contact
    fields: [{fields}]
"""
# a job maker: (context, run folder, target) -> job
Maker = Callable[[Context, Path, databases.Target], Job]


def crmlink_job(ctx: Context, folder: Path, target: databases.Target) -> Job:
    home = ctx.crmlink_home(ctx.sf, "sfdc", target.sqlalchemy_url)
    workflow = folder / "import.yaml"
    workflow.write_text(WORKFLOW.format(fields=", ".join(SF_FIELDS[1:])))
    env = crmlink_env(home, {"CRMLINK_DATABASE_URL": target.sqlalchemy_url})
    command = [CRMLINK_BIN, "workflow", "run", str(workflow), "--json"]
    return Job(command, folder, ctx.sf_count, crmlink_rows, env, crmlink_note)


KEPT = "crm_sfdc_contact"  # the wizard's table of Contact
KEEP_STEP = """    next: [save]
  save:
    type: update
    table: {table}
    operation: insert
    mapping: {{{mapping}}}
"""


def kept_job(ctx: Context, folder: Path, target: databases.Target) -> Job:
    """The import, then an `update` inserting every row into the wizard's table: what a
    user who keeps the Contacts runs (the one-activity import drops its working table at
    the run's end, while each peer's script ends with its rows in a table)."""
    home = ctx.crmlink_home(ctx.sf, "sfdc", target.sqlalchemy_url)
    database = {"CRMLINK_DATABASE_URL": target.sqlalchemy_url}
    crmlink(["wizard", "sfdc", "--tables", "Contact"], home, database)  # untimed set-up
    mapping = ", ".join(f"{field.lower()}: {field}" for field in SF_FIELDS)
    workflow = folder / "import-kept.yaml"
    workflow.write_text(
        WORKFLOW.format(fields=", ".join(SF_FIELDS[1:]))
        + KEEP_STEP.format(table=KEPT, mapping=mapping)
    )
    command = [CRMLINK_BIN, "workflow", "run", str(workflow), "--json"]
    rows = functools.partial(_kept_rows, target)
    return Job(command, folder, ctx.sf_count, rows, crmlink_env(home, database), crmlink_note)


def _kept_rows(target: databases.Target, _outcome: object) -> int:
    return databases.count_rows(target, KEPT, key="id")


def peer_job(script: str) -> Maker:
    def make(ctx: Context, folder: Path, target: databases.Target) -> Job:
        arguments = {"info": ctx.info_file(ctx.sf), "target": target.url, "table": TABLE}
        arguments |= {"fields": SF_FIELDS, "csv": str(ctx.floor_csv) if "floor" in script else ""}
        command = peer(script, folder, arguments)
        return Job(command, folder, ctx.sf_count, lambda _: databases.count_rows(target, TABLE))

    return make


def download_job(ctx: Context, folder: Path, target: databases.Target) -> Job:
    arguments = {"info": ctx.info_file(ctx.sf), "fields": SF_FIELDS}
    return Job(peer("floor_download.py", folder, arguments), folder, ctx.sf_count, _printed_rows)


def _printed_rows(outcome) -> int:  # type: ignore[no-untyped-def]
    import json

    return int(json.loads(outcome.stdout.strip().splitlines()[-1])["rows"])


def contestant(name: str, kind: str, make: Maker, slow: bool = False) -> Contestant:
    def run(ctx: Context, profile: str, round_: int) -> list[Measurement]:
        folder = new_folder(ctx.work / "runs", "import")
        target = databases.fresh(kind, folder) if kind != "-" else databases.Target("-", "")
        try:
            job = make(ctx, folder, target)
            return [measure(ctx.sf, job, Label(SCENARIO, name, kind, profile, round_))]
        finally:
            databases.drop(target)

    return Contestant(SCENARIO, name, kind, run, slow)


def contestants() -> list[Contestant]:
    found = []
    for kind in ("sqlite", "postgresql"):
        found += [
            contestant("crmlink", kind, crmlink_job),
            contestant("crmlink, kept in a table", kind, kept_job),
            contestant("simple-salesforce bulk2", kind, peer_job("ss_bulk2.py")),
            contestant("simple-salesforce query_all_iter", kind, peer_job("ss_query_all.py")),
            contestant("airbyte-source-salesforce", kind, tools.airbyte_job, slow=True),
            contestant("tap-salesforce (Singer)", kind, tools.singer_job, slow=True),
            contestant("floor: insert only", kind, peer_job("floor_insert.py")),
        ]
    return [*found, contestant("floor: download only", "-", download_job)]
