"""The embedded SQLite default serves a long workflow and other commands at once.

A workflow imports 50,000 contacts (slowed by sandbox latency, so it runs for a while)
into the campaign database on SQLite, in its own process. While it runs, other real
`crmlink` processes start beside it: `account add`, `schema list`, `workflow runs`,
another workflow, and the same workflow. Each succeeds, or (the same workflow) gets the
one-sentence "already running" refusal; none waits for the lock until it gives up, none
prints a traceback, and the first run's result is what it would have been alone.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from crmlink.sandbox.salesforce.app import SalesforceSandbox
from tests.workflow.processes import (
    BIG,
    add_account,
    crmlink,
    ok,
    set_faults,
    start,
    wait_until_importing,
)

CONTACTS = 50_000

SMALL = """\
name: small-import
activities:
  read:
    type: crm
    operation: import
    account: sfdc
    object: Contact
    fields: [Email]
    limit: 100
"""


@pytest.fixture(scope="module")
def big_sandbox(tmp_path_factory):
    sandbox = SalesforceSandbox(
        state_dir=tmp_path_factory.mktemp("sf-big"), records=CONTACTS, seed=11
    )
    sandbox.start()
    yield sandbox
    sandbox.stop()


@pytest.mark.slow
def test_a_long_run_and_five_commands_beside_it(big_sandbox, tmp_path):
    home = tmp_path / "home"
    info = big_sandbox.info()
    ok(add_account(home, "sfdc", info), "account add sfdc")
    ok(crmlink(home, "wizard", "sfdc", "--tables", "Contact"), "wizard")
    (tmp_path / "big.yaml").write_text(BIG)
    (tmp_path / "small.yaml").write_text(SMALL)
    set_faults(big_sandbox, "latency=1200")  # ~25 pages read ahead: the run lasts 30 s

    big = start(home, "workflow", "run", str(tmp_path / "big.yaml"), "--json")
    wait_until_importing(home, big)
    beside = {
        "account add": add_account(home, "second", info),
        "schema list": crmlink(home, "schema", "list"),
        "workflow runs": crmlink(home, "workflow", "runs"),
        "same workflow": crmlink(home, "workflow", "run", str(tmp_path / "big.yaml")),
        "other workflow": crmlink(home, "workflow", "run", str(tmp_path / "small.yaml")),
    }
    out, err = big.communicate(timeout=600)
    set_faults(big_sandbox, "")

    assert big.returncode == 0, err
    for what in ("account add", "schema list", "workflow runs", "other workflow"):
        ok(beside[what], what)
    refused = beside["same workflow"]
    assert refused.returncode == 1, refused.stderr
    assert "Traceback" not in refused.stderr
    assert "workflow 'big-import' is already running" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr

    record = json.loads(out)
    assert record["status"] == "succeeded"
    counts = {a["name"]: a["rows_out"] for a in record["activities"]}
    assert counts == {"read": CONTACTS, "save": CONTACTS}
    small = json.loads(crmlink(home, "workflow", "runs", "small-import", "--json").stdout)
    assert small[0]["status"] == "succeeded"
    accounts = json.loads(crmlink(home, "account", "list", "--json").stdout)
    assert {a["name"] for a in accounts} == {"sfdc", "second"}
    with sqlite3.connect(home / "crmlink.db") as db:
        stored = db.execute("SELECT count(*), count(DISTINCT id) FROM crm_sfdc_contact")
        assert stored.fetchone() == (CONTACTS, CONTACTS)
