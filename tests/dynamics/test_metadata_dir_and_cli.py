"""Loading real metadata JSON, and the CLI's ready line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from crmlink.sandbox.dynamics.app import DynamicsSandbox
from tests.dynamics.conftest import api_client
from tests.reference import reference_files


def test_loads_recorded_metadata(tmp_path):
    folder = tmp_path / "meta"
    folder.mkdir()
    for path in reference_files("dynamics", "dataverse-gen", pattern="*.json") + reference_files(
        "dynamics", "terraform-provider-power-platform", pattern="*entitydefinition*"
    ):
        shutil.copy(path, folder / path.name)
    with DynamicsSandbox(state_dir=tmp_path / "s", records=30, seed=1, metadata_dir=folder) as sb:
        assert {"account", "opportunity", "queueitem", "businessunit", "mailbox"} <= set(
            sb.schema.entities
        )
        with api_client(sb) as http:
            rows = http.get(
                "accounts?$top=2", headers={"Prefer": 'odata.include-annotations="*"'}
            ).json()
            assert len(rows["value"]) == 2 and "accountid" in rows["value"][0]
            picks = http.get(
                "EntityDefinitions(LogicalName='account')/Attributes/"
                "Microsoft.Dynamics.CRM.MultiSelectPicklistAttributeMetadata?$expand=OptionSet"
            ).json()["value"]
            assert (
                picks[0]["LogicalName"] == "cdsify_multiselect" and picks[0]["OptionSet"]["Options"]
            )


def test_cli_prints_ready_line(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    cmd = [
        sys.executable,
        "-m",
        "crmlink.cli",
        "sandbox",
        "dynamics",
        "--records",
        "10",
        "--state-dir",
        str(tmp_path),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env, text=True)
    try:
        info = json.loads(proc.stdout.readline())
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        proc.stdout.close()
    assert info["type"] == "dynamics"  # what `account add --from-sandbox` reads
    assert set(info) == {
        "type",
        "url",
        "ca_bundle",
        "authority",
        "tenant_id",
        "client_id",
        "client_secret",
        "username",
        "password",
        "private_key",
        "certificate",
    }
    assert info["authority"] == f"{info['url']}/{info['tenant_id']}"
