"""Scenario 4: recipients exported to Contact (plain inserts) into an empty org, reset
before every run: crmlink vs simple-salesforce `bulk2` insert and its sObject Collections
loop. The check is the org's Contact count afterwards."""

from __future__ import annotations

from pathlib import Path

from bench.contestants.jobs import CRMLINK_BIN, Contestant, Job, Label, measure, peer
from bench.context import Context, crmlink_env, new_folder
from bench.results import Measurement
from bench.sandboxes import SfApi

SCENARIO = "sf export"
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
    arguments = {"info": ctx.info_file(ctx.sf_export), "database": str(home / "crmlink.db"),
                 "mode": mode}  # fmt: skip
    return Job(peer("ss_export.py", folder, arguments), folder, rows, lambda _: _org_contacts(ctx))


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
    ]
