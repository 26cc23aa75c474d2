"""airbyte-source-salesforce, unpatched, against the Salesforce sandbox: its CLI (`spec`,
`check`, `discover`, `read`) with a config file and a configured catalog. Its login host is
hard-coded, so it reaches the sandbox through the login proxy (`login_proxy.py`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import sf_client
from tests.thirdparty.conftest import live, run, sf_count_with_deleted, tool_env, venv_of

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def airbyte(tool_venvs, sf_sandbox, login_proxy, tmp_path_factory):
    """Runs `source-salesforce <command> …` and returns its Airbyte messages."""
    tmp_path = tmp_path_factory.mktemp("airbyte")
    venv = venv_of(tool_venvs, "airbyte")
    info = sf_sandbox.info()
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "auth_type": "Client",
                "client_id": info["client_id"],
                "client_secret": info["client_secret"],
                "refresh_token": info["refresh_token"],
                "start_date": "2000-01-01T00:00:00Z",
                "stream_slice_step": "P10000D",  # one Bulk job per read (years do not add)
                "lookback_window": "PT1S",
                "force_use_bulk_api": True,
                "streams_criteria": [{"criteria": "exacts", "value": "Contact"}],
            }
        )
    )
    env = tool_env(venv, tmp_path / "home", login_proxy.bundle, HTTPS_PROXY=login_proxy.url)

    def call(command: str, *args: str) -> list[dict]:
        out = run([str(venv.bin("source-salesforce")), command, *args], env, tmp_path)
        return [json.loads(line) for line in out.splitlines() if line.startswith("{")]

    call.config = str(config)  # type: ignore[attr-defined]
    call.folder = tmp_path  # type: ignore[attr-defined]
    return call


def of_type(messages: list[dict], kind: str) -> list[dict]:
    return [m for m in messages if m["type"] == kind]


@pytest.fixture(scope="module")
def discovered(airbyte) -> dict:
    """The Contact stream as `discover` lists it (discovered once: it takes seconds)."""
    (catalog,) = of_type(airbyte("discover", "--config", airbyte.config), "CATALOG")
    return next(s for s in catalog["catalog"]["streams"] if s["name"] == "Contact")


def configured(airbyte, stream: dict, mode: str) -> str:
    entry = {"stream": stream, "sync_mode": mode, "destination_sync_mode": "append"}
    if mode == "incremental":
        entry["cursor_field"] = stream["default_cursor_field"]
    path = Path(airbyte.folder) / f"catalog-{mode}.json"
    path.write_text(json.dumps({"streams": [entry]}))
    return str(path)


def test_spec_names_the_config_keys(airbyte):
    (spec,) = of_type(airbyte("spec"), "SPEC")
    properties = spec["spec"]["connectionSpecification"]["properties"]
    assert {"client_id", "client_secret", "refresh_token", "start_date"} <= set(properties)


def test_check_succeeds(airbyte):
    (status,) = of_type(airbyte("check", "--config", airbyte.config), "CONNECTION_STATUS")
    assert status["connectionStatus"]["status"] == "SUCCEEDED"


def test_discover_lists_contact_with_its_fields(discovered, sf_sandbox):
    stream = discovered
    assert stream["supported_sync_modes"] == ["full_refresh", "incremental"]
    assert stream["default_cursor_field"] == ["SystemModstamp"]
    fields = {f.name for f in sf_sandbox.org.object("Contact").fields.values()}
    assert {"Id", "Email", "LastName", "SystemModstamp"} <= set(stream["json_schema"]["properties"])
    assert set(stream["json_schema"]["properties"]) <= fields


def test_read_full_refresh_returns_every_contact(airbyte, discovered, sf_sandbox):
    catalog = configured(airbyte, discovered, "full_refresh")
    messages = airbyte("read", "--config", airbyte.config, "--catalog", catalog)
    records = [m["record"]["data"] for m in of_type(messages, "RECORD")]
    assert len(records) == sf_count_with_deleted(sf_sandbox, "Contact")  # it reads queryAll
    assert len(live(records)) == sf_sandbox.org.count("Contact")
    assert len({r["Id"] for r in records}) == len(records)


def test_incremental_read_with_state_returns_only_what_changed(airbyte, discovered, sf_sandbox):
    catalog = configured(airbyte, discovered, "incremental")
    first = airbyte("read", "--config", airbyte.config, "--catalog", catalog)
    assert len(of_type(first, "RECORD")) == sf_count_with_deleted(sf_sandbox, "Contact")
    state = Path(airbyte.folder) / "state.json"
    state.write_text(json.dumps([of_type(first, "STATE")[-1]["state"]]))
    sf = sf_client(sf_sandbox)
    changed = sf.query("SELECT Id FROM Contact ORDER BY Id LIMIT 1")["records"][0]["Id"]
    sf.Contact.update(changed, {"LastName": "Airbyte-Incremental"})
    sf.session.close()
    args = ("--config", airbyte.config, "--catalog", catalog, "--state", str(state))
    records = [m["record"]["data"] for m in of_type(airbyte("read", *args), "RECORD")]
    assert [(r["Id"], r["LastName"]) for r in records] == [(changed, "Airbyte-Incremental")]
