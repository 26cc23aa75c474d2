"""Scenario 6: Dataverse contacts imported into SQLite, and recipients exported to an empty
environment (reset before every run): crmlink vs PowerPlatform-Dataverse-Client (in its own
venv) and a plain `requests` loop."""

from __future__ import annotations

from pathlib import Path

from bench import databases
from bench.contestants.jobs import (
    CRMLINK_BIN,
    Contestant,
    Job,
    Label,
    crmlink_note,
    crmlink_rows,
    measure,
    peer,
)  # fmt: skip
from bench.context import DV_FIELDS, Context, crmlink_env, new_folder
from bench.results import Measurement
from bench.sandboxes import DvApi

IMPORT, EXPORT = "dv import", "dv export"
IMPORT_WORKFLOW = """name: bench-dv-import
activities:
  read:
    type: crm
    operation: import
    account: dyn
    object: contact
    fields: [{fields}]
"""
EXPORT_WORKFLOW = """name: bench-dv-export
activities:
  pick:
    type: query
    table: recipient
    fields: [email, first_name, last_name, phone, city]
    next: [send]
  send:
    type: crm
    operation: export
    account: dyn
    object: contact
    mapping: {emailaddress1: email, firstname: first_name, lastname: last_name,
              telephone1: phone, address1_city: city}
"""


def _python(ctx: Context, mode: str) -> str | None:
    return str(ctx.venv("dataverse_client").python) if mode == "client" else None


def _import_job(ctx: Context, folder: Path, mode: str) -> Job:
    target = databases.fresh("sqlite", folder)
    if mode == "crmlink":
        home = ctx.crmlink_home(ctx.dv, "dyn", target.sqlalchemy_url)
        (folder / "import.yaml").write_text(IMPORT_WORKFLOW.format(fields=", ".join(DV_FIELDS[1:])))
        env = crmlink_env(home, {"CRMLINK_DATABASE_URL": target.sqlalchemy_url})
        command = [CRMLINK_BIN, "workflow", "run", str(folder / "import.yaml"), "--json"]
        return Job(command, folder, ctx.dv_count, crmlink_rows, env, crmlink_note)
    arguments = {"info": ctx.info_file(ctx.dv), "target": target.url, "table": "contact",
                 "fields": DV_FIELDS, "mode": mode}  # fmt: skip
    command = peer("dv_import.py", folder, arguments, _python(ctx, mode))
    verify = lambda _: databases.count_rows(target, "contact", "contactid")  # noqa: E731
    return Job(command, folder, ctx.dv_count, verify, _ca_env(ctx))


def _ca_env(ctx: Context) -> dict[str, str]:
    from bench.contestants.jobs import clean_env

    bundle = ctx.dv.info["ca_bundle"]  # the import sandbox's own CA (each sandbox has one)
    return clean_env(REQUESTS_CA_BUNDLE=bundle, SSL_CERT_FILE=bundle)


def _environment_contacts(ctx: Context) -> int:
    api = DvApi(ctx.dv_export)
    try:
        return api.count("contacts")
    finally:
        api.close()


def _export_job(ctx: Context, folder: Path, mode: str) -> Job:
    rows = ctx.options.dv_export_rows
    home = ctx.export_home("dynamics", ctx.dv_export, "dyn", rows)
    verify = lambda _: _environment_contacts(ctx)  # noqa: E731
    if mode == "crmlink":
        (folder / "export.yaml").write_text(EXPORT_WORKFLOW)
        command = [CRMLINK_BIN, "workflow", "run", str(folder / "export.yaml"), "--json"]
        return Job(command, folder, rows, verify, crmlink_env(home))
    arguments = {"info": ctx.info_file(ctx.dv_export), "database": str(home / "crmlink.db"),
                 "mode": mode}  # fmt: skip
    bundle = ctx.dv_export.info["ca_bundle"]
    from bench.contestants.jobs import clean_env

    env = clean_env(REQUESTS_CA_BUNDLE=bundle, SSL_CERT_FILE=bundle)
    return Job(
        peer("dv_export.py", folder, arguments, _python(ctx, mode)), folder, rows, verify, env
    )


def contestant(scenario: str, name: str, mode: str) -> Contestant:
    def run(ctx: Context, profile: str, round_: int) -> list[Measurement]:
        folder = new_folder(ctx.work / "runs", "dv")
        if scenario == EXPORT:
            ctx.dv_export.reset()
            sandbox, job = ctx.dv_export, _export_job(ctx, folder, mode)
        else:
            sandbox, job = ctx.dv, _import_job(ctx, folder, mode)
        target = "dataverse" if scenario == EXPORT else "sqlite"
        return [measure(sandbox, job, Label(scenario, name, target, profile, round_))]

    return Contestant(scenario, name, "dataverse" if scenario == EXPORT else "sqlite", run)


def contestants() -> list[Contestant]:
    peers = [("PowerPlatform-Dataverse-Client", "client"), ("requests loop", "requests")]
    return [
        contestant(scenario, name, mode)
        for scenario in (IMPORT, EXPORT)
        for name, mode in [("crmlink", "crmlink"), *peers]
    ]
