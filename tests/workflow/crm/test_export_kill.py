"""The restartable export, for real: `crmlink workflow run` in a subprocess, against a
sandbox subprocess slowed by a latency fault, SIGKILLed after a few composite calls;
then `crmlink workflow run` again resumes the run. In the sandbox each external ID
exists exactly once and every row is there."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import httpx
import pytest
from sqlalchemy import create_engine

from tests.catalog.test_account_test_sandbox import add_sandbox_account
from tests.workflow.crm.test_export import by_external_id, campaign_table, people

pytestmark = pytest.mark.slow

ROWS, BATCH = 300, 25


class SandboxProcess:
    def __init__(self, tmp_path) -> None:
        args = [sys.executable, "-m", "crmlink.cli", "sandbox", "salesforce", "--records", "5"]
        args += ["--state-dir", str(tmp_path / "org"), "--faults", "latency=150"]
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        self.info = json.loads(self.process.stdout.readline())
        self.client = httpx.Client(base_url=self.info["url"], verify=_tls(self.info))

    def composite_calls(self) -> int:
        stats = self.client.get("/__sandbox__/stats").json()["by_endpoint"]
        return sum(n for name, n in stats.items() if name.endswith("composite sobjects"))

    def stop(self) -> None:
        self.client.close()
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()


def _tls(info: dict):
    import ssl

    return ssl.create_default_context(cafile=info["ca_bundle"])


class _Org:  # what by_external_id needs: something sf_client can connect to
    def __init__(self, info: dict) -> None:
        self._info = info
        self.url = info["url"]

    def info(self) -> dict:
        return self._info


@pytest.fixture
def sandbox_process(tmp_path):
    sandbox = SandboxProcess(tmp_path)
    yield sandbox
    sandbox.stop()


def test_killed_export_reruns_with_no_duplicate_and_no_loss(
    crmlink, crmlink_home, database_url, sandbox_process, tmp_path
):
    add_sandbox_account(crmlink, sandbox_process.info, "password", name="sfdc")
    assert crmlink("account", "list").exit_code == 0  # the database is migrated
    engine = create_engine(database_url)
    campaign_table(_Database(engine), people(ROWS, "kill"))
    engine.dispose()
    workflow = tmp_path / "export.yaml"
    workflow.write_text(
        textwrap.dedent(f"""
        name: kill-export
        activities:
          pick: {{type: query, table: campaign_contacts, order_by: [id], next: [export]}}
          export:
            type: crm
            operation: export
            account: sfdc
            object: Contact
            mapping: {{LastName: last_name, Email: email, External_Id__c: ext_id}}
            key: External_Id__c
            batch_size: {BATCH}
    """)
    )
    env = {**os.environ, "CRMLINK_HOME": str(crmlink_home), "CRMLINK_DATABASE_URL": database_url}
    args = [sys.executable, "-m", "crmlink.cli", "workflow", "run", str(workflow), "--json"]
    child = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while sandbox_process.composite_calls() < 4 and time.monotonic() < deadline:
        assert child.poll() is None, child.communicate()[0].decode()[-1500:]
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.communicate()  # reaped (its pid is gone, so the run counts as crashed), pipes closed

    org = _Org(sandbox_process.info)
    before = by_external_id(org, "kill")
    assert BATCH * 3 <= sum(before.values()) < ROWS  # killed mid-way
    result = crmlink("workflow", "run", str(workflow), "--json")
    assert result.exit_code == 0, result.output
    assert "Resuming run" in result.stderr
    record = json.loads(result.stdout)
    assert record["status"] == "succeeded" and record["resumes"] >= 1
    assert by_external_id(org, "kill") == {f"kill-{i}": 1 for i in range(1, ROWS + 1)}
    export = next(a for a in record["activities"] if a["name"] == "export")
    assert export["rows_out"] == ROWS


class _Database:  # campaign_table's view of a database
    def __init__(self, engine) -> None:
        self.engine = engine

    def transaction(self):
        return self.engine.begin()
