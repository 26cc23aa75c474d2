"""Scenario 5: crmlink's incremental import after 1 % of the contacts changed, then again
with none changed; API calls counted.

Each round starts from a fresh home whose first (untimed, loopback) run read everything.
The changes are stamped in the past with the sandbox clock, so the runs' look-back overlap
(10 s here; 300 s by default, which would make a run within five minutes of the changes read
them again, by design) does not blur the two figures: the 1 % are stamped 60 s ago and one
other contact 30 s ago, so the "none changed" run's window holds just that one contact, the
one at the cursor, which an incremental run always reads again (docs/semantics.md). What a
run must read is counted by the bench from the org: every contact at or after its window's
start (the committed cursor minus the overlap)."""

from __future__ import annotations

import datetime as dt
import time
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
)
from bench.context import SF_FIELDS, Context, crmlink, crmlink_env, new_folder
from bench.results import Measurement
from bench.sandboxes import SfApi

OVERLAP_S = 10
WORKFLOW = f"""name: bench-incremental
activities:
  read:
    type: crm
    operation: import
    account: sfdc
    object: Contact
    fields: [{{fields}}]
    incremental: true
    overlap: {OVERLAP_S}
"""


def _stamp(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("+0000", "+00:00"))


def _soql_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def in_window(api: SfApi, start: dt.datetime) -> int:
    """Contacts stamped at or after `start` (queried from the second before, then exact)."""
    since = _soql_time(start - dt.timedelta(seconds=1))
    rows = api.query(f"SELECT SystemModstamp FROM Contact WHERE SystemModstamp >= {since}")
    return sum(1 for r in rows if _stamp(r["SystemModstamp"]) >= start)


def latest_stamp(api: SfApi) -> dt.datetime:
    soql = "SELECT SystemModstamp FROM Contact ORDER BY SystemModstamp DESC LIMIT 1"
    return _stamp(api.query(soql)[0]["SystemModstamp"])


def change(ctx: Context, api: SfApi, round_: int) -> dt.datetime:
    """1 % of the contacts changed 60 s ago and one more 30 s ago; the latter's stamp."""
    share = max(ctx.options.rows // 100, 1)
    ids = [r["Id"] for r in api.query(f"SELECT Id FROM Contact ORDER BY Id LIMIT {share + 1}")]
    ctx.sf.advance_clock(-60)
    try:
        api.update("Contact", [{"Id": i, "Title": f"bench {round_}"} for i in ids[:share]])
        ctx.sf.advance_clock(30)
        api.update("Contact", [{"Id": ids[share], "Title": f"bench {round_} last"}])
    finally:
        ctx.sf.advance_clock(30)
    soql = f"SELECT SystemModstamp FROM Contact WHERE Id = '{ids[share]}'"  # an org id
    return _stamp(api.query(soql)[0]["SystemModstamp"])


def _prepared(ctx: Context, folder: Path, profile: str, round_: int) -> tuple[Job, Job]:
    target = databases.fresh("sqlite", folder)
    home = ctx.crmlink_home(ctx.sf, "sfdc", target.sqlalchemy_url)
    workflow = folder / "incremental.yaml"
    workflow.write_text(WORKFLOW.format(fields=", ".join(SF_FIELDS[1:])))
    env = crmlink_env(home, {"CRMLINK_DATABASE_URL": target.sqlalchemy_url})
    command = [CRMLINK_BIN, "workflow", "run", str(workflow), "--json"]
    api = SfApi(ctx.sf)
    try:
        ctx.sf.set_profile("loopback")  # set-up at full speed
        latest = latest_stamp(api)
        time.sleep(max(0.0, (latest - dt.datetime.now(dt.UTC)).total_seconds() + 75))
        crmlink(["workflow", "run", str(workflow)], home, env)  # the baseline, untimed
        touched = change(ctx, api, round_)
        first = in_window(api, latest - dt.timedelta(seconds=OVERLAP_S))
        second = in_window(api, touched - dt.timedelta(seconds=OVERLAP_S))
    finally:
        api.close()
        ctx.sf.set_profile(profile)
    return Job(command, folder, first, crmlink_rows, env, crmlink_note), Job(
        command, folder, second, crmlink_rows, env, crmlink_note
    )


def run(ctx: Context, profile: str, round_: int) -> list[Measurement]:
    folder = new_folder(ctx.work / "runs", "incremental")
    changed, unchanged = _prepared(ctx, folder, profile, round_)

    def label(scenario: str) -> Label:
        return Label(scenario, "crmlink", "sqlite", profile, round_)

    return [
        measure(ctx.sf, changed, label("incremental 1% changed")),
        measure(ctx.sf, unchanged, label("incremental none changed")),
    ]


def contestants() -> list[Contestant]:
    return [Contestant("incremental", "crmlink", "sqlite", run)]
