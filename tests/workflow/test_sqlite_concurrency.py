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
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crmlink.sandbox.salesforce.app import SalesforceSandbox

CONTACTS = 50_000
CRMLINK = [sys.executable, "-m", "crmlink.cli"]

BIG = """\
name: big-import
activities:
  read:
    type: crm
    operation: import
    account: sfdc
    object: Contact
    fields: [FirstName, LastName, Email]
    next: [save]
  save:
    type: update
    table: crm_sfdc_contact
    operation: upsert
    keys: [id]
    mapping: {id: Id, firstname: FirstName, lastname: LastName, email: Email}
"""

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


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRMLINK_")}
    return env | {"CRMLINK_HOME": str(home), "NO_COLOR": "1"}


def _crmlink(home: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CRMLINK, *args], env=_env(home), input=input, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip


def _default_sigint() -> None:
    # A background job (CI, `cmd &`) starts with SIGINT ignored, and Python then never
    # turns it into KeyboardInterrupt: give the child Ctrl-C as a terminal would.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(home: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [*CRMLINK, *args], env=_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, preexec_fn=_default_sigint,
    )  # fmt: skip


def _add_account(home: Path, name: str, info: dict) -> subprocess.CompletedProcess:
    secrets = (
        f"password={info['password']}\nsecurity_token={info['security_token']}\n"
        f"client_secret={info['client_secret']}\n"
    )
    return _crmlink(
        home, "account", "add", name, "--type", "salesforce", "--url", info["url"],
        "--ca-bundle", info["ca_bundle"], "--auth", "password", "--username",
        info["username"], "--client-id", info["client_id"], "--secrets-stdin", input=secrets,
    )  # fmt: skip


def _wait_until_importing(home: Path, process: subprocess.Popen) -> None:
    """Until the big run is reading from the CRM (looked up in the database itself)."""
    deadline = time.monotonic() + 120
    query = (
        "SELECT count(*) FROM activity_runs JOIN workflow_runs ON workflow_runs.id = run_id "
        "WHERE workflow = 'big-import' AND activity = 'read' AND activity_runs.status = 'running'"
    )
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            with sqlite3.connect(home / "crmlink.db", timeout=30) as db:
                if db.execute(query).fetchone()[0]:
                    return
        except sqlite3.OperationalError:  # tables not there yet
            pass
        time.sleep(0.05)
    raise AssertionError("the big import never started")


def _ok(result: subprocess.CompletedProcess, what: str) -> None:
    assert "Traceback" not in result.stderr, f"{what}: {result.stderr}"
    assert result.returncode == 0, f"{what}: exit {result.returncode}: {result.stderr}"


@pytest.mark.slow
def test_a_long_run_and_five_commands_beside_it(big_sandbox, tmp_path):
    home = tmp_path / "home"
    info = big_sandbox.info()
    _ok(_add_account(home, "sfdc", info), "account add sfdc")
    _ok(_crmlink(home, "wizard", "sfdc", "--tables", "Contact"), "wizard")
    (tmp_path / "big.yaml").write_text(BIG)
    (tmp_path / "small.yaml").write_text(SMALL)
    big_sandbox_faults(big_sandbox, "latency=400")  # ~25 pages: the run lasts seconds

    big = _start(home, "workflow", "run", str(tmp_path / "big.yaml"), "--json")
    _wait_until_importing(home, big)
    beside = {
        "account add": _add_account(home, "second", info),
        "schema list": _crmlink(home, "schema", "list"),
        "workflow runs": _crmlink(home, "workflow", "runs"),
        "same workflow": _crmlink(home, "workflow", "run", str(tmp_path / "big.yaml")),
        "other workflow": _crmlink(home, "workflow", "run", str(tmp_path / "small.yaml")),
    }
    out, err = big.communicate(timeout=600)
    big_sandbox_faults(big_sandbox, "")

    assert big.returncode == 0, err
    for what in ("account add", "schema list", "workflow runs", "other workflow"):
        _ok(beside[what], what)
    refused = beside["same workflow"]
    assert refused.returncode == 1, refused.stderr
    assert "Traceback" not in refused.stderr
    assert "workflow 'big-import' is already running" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr

    record = json.loads(out)
    assert record["status"] == "succeeded"
    counts = {a["name"]: a["rows_out"] for a in record["activities"]}
    assert counts == {"read": CONTACTS, "save": CONTACTS}
    small = json.loads(_crmlink(home, "workflow", "runs", "small-import", "--json").stdout)
    assert small[0]["status"] == "succeeded"
    accounts = json.loads(_crmlink(home, "account", "list", "--json").stdout)
    assert {a["name"] for a in accounts} == {"sfdc", "second"}
    with sqlite3.connect(home / "crmlink.db") as db:
        stored = db.execute("SELECT count(*), count(DISTINCT id) FROM crm_sfdc_contact")
        assert stored.fetchone() == (CONTACTS, CONTACTS)


def big_sandbox_faults(sandbox, spec: str) -> None:
    import httpx

    from tests.conftest import tls

    response = httpx.put(f"{sandbox.url}/__sandbox__/faults", content=spec, verify=tls(sandbox))
    response.raise_for_status()
