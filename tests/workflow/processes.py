"""Real `crmlink` processes beside each other on one SQLite home: start, wait, check.

Shared by the process-level workflow tests (concurrency, interruption).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import tls

CRMLINK = [sys.executable, "-m", "crmlink.cli"]

# a long import (into the Contact schema made by the wizard) to run beside other commands
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


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRMLINK_")}
    return env | {"CRMLINK_HOME": str(home), "NO_COLOR": "1"}


def crmlink(home: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CRMLINK, *args], env=env_for(home), input=input, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip


def default_sigint() -> None:
    # A background job (CI, `cmd &`) starts with SIGINT ignored, and Python then never
    # turns it into KeyboardInterrupt: give the child Ctrl-C as a terminal would.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(home: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [*CRMLINK, *args], env=env_for(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, preexec_fn=default_sigint,
    )  # fmt: skip


def add_account(home: Path, name: str, info: dict) -> subprocess.CompletedProcess:
    secrets = (
        f"password={info['password']}\nsecurity_token={info['security_token']}\n"
        f"client_secret={info['client_secret']}\n"
    )
    return crmlink(
        home, "account", "add", name, "--type", "salesforce", "--url", info["url"],
        "--ca-bundle", info["ca_bundle"], "--auth", "password", "--username",
        info["username"], "--client-id", info["client_id"], "--secrets-stdin", input=secrets,
    )  # fmt: skip


def wait_until_importing(home: Path, process: subprocess.Popen) -> None:
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


def ok(result: subprocess.CompletedProcess, what: str) -> None:
    assert "Traceback" not in result.stderr, f"{what}: {result.stderr}"
    assert result.returncode == 0, f"{what}: exit {result.returncode}: {result.stderr}"


def set_faults(sandbox, spec: str) -> None:
    response = httpx.put(f"{sandbox.url}/__sandbox__/faults", content=spec, verify=tls(sandbox))
    response.raise_for_status()
