"""tap-salesforce (Singer), unpatched, against the Salesforce sandbox: `--discover`, then a
sync with `--properties` in REST and in Bulk 1.0 mode. Its login host is hard-coded, so it
reaches the sandbox through the login proxy (`login_proxy.py`)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import sf_client
from tests.thirdparty.conftest import live, run, sf_count_with_deleted, tool_env, venv_of

pytestmark = pytest.mark.slow


@pytest.fixture
def tap(tool_venvs, sf_sandbox, login_proxy, tmp_path):
    """tap(api_type, *args) runs the tap with a config for that API; returns its stdout."""
    venv = venv_of(tool_venvs, "tap_salesforce")
    info = sf_sandbox.info()
    env = tool_env(venv, tmp_path / "home", login_proxy.bundle, HTTPS_PROXY=login_proxy.url)

    def call(api_type: str, *args: str) -> str:
        config = tmp_path / f"config-{api_type}.json"
        config.write_text(
            json.dumps(
                {
                    "client_id": info["client_id"],
                    "client_secret": info["client_secret"],
                    "refresh_token": info["refresh_token"],
                    "start_date": "2000-01-01T00:00:00Z",
                    "api_type": api_type,
                    "select_fields_by_default": True,
                }
            )
        )
        return run([str(venv.bin("tap-salesforce")), "--config", str(config), *args], env, tmp_path)

    call.folder = tmp_path  # type: ignore[attr-defined]
    return call


def sync(tap, api_type: str, *args: str) -> list[dict]:
    """The Singer messages of a sync (one JSON document a line)."""
    out = tap(api_type, *args)
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def contact_entry(tap, api_type: str) -> dict:
    catalog = json.loads(tap(api_type, "--discover"))
    return next(s for s in catalog["streams"] if s["stream"] == "Contact")


def properties(tap, entry: dict, replication_key: str | None = None) -> str:
    """A catalog selecting the Contact stream (incremental on `replication_key` if given)."""
    for item in entry["metadata"]:
        if item["breadcrumb"] == []:
            item["metadata"]["selected"] = True
            if replication_key:
                item["metadata"]["replication-key"] = replication_key
                item["metadata"]["replication-method"] = "INCREMENTAL"
    path = tap.folder / "properties.json"
    path.write_text(json.dumps({"streams": [entry]}))
    return str(path)


def records(messages: list[dict]) -> list[dict]:
    return [m["record"] for m in messages if m["type"] == "RECORD"]


def test_discover_lists_the_sandbox_objects(tap, sf_sandbox):
    catalog = json.loads(tap("REST", "--discover"))
    streams = {s["stream"]: s for s in catalog["streams"]}
    assert {"Account", "Contact", "Lead", "Opportunity"} <= set(streams)
    fields = {f.name for f in sf_sandbox.org.object("Contact").fields.values()}
    assert set(streams["Contact"]["schema"]["properties"]) == fields


def test_discover_in_bulk_mode_marks_compound_fields_unsupported(tap):
    entry = contact_entry(tap, "BULK")
    inclusion = {tuple(m["breadcrumb"]): m["metadata"].get("inclusion") for m in entry["metadata"]}
    assert inclusion[("properties", "MailingAddress")] == "unsupported"
    assert inclusion[("properties", "Email")] == "available"


def test_sync_rest_returns_every_contact(tap, sf_sandbox):
    messages = sync(tap, "REST", "--properties", properties(tap, contact_entry(tap, "REST")))
    rows = records(messages)
    assert len(rows) == sf_count_with_deleted(sf_sandbox, "Contact")  # it reads queryAll
    assert len(live(rows)) == sf_sandbox.org.count("Contact")
    sf = sf_client(sf_sandbox)
    one = sf.Contact.get(rows[0]["Id"])
    sf.session.close()
    assert (rows[0]["LastName"], rows[0]["Email"]) == (one["LastName"], one["Email"])


def test_sync_rest_incremental_bookmarks_and_resumes(tap, sf_sandbox):
    catalog = properties(tap, contact_entry(tap, "REST"), "SystemModstamp")
    first = sync(tap, "REST", "--properties", catalog)
    assert len(records(first)) == sf_count_with_deleted(sf_sandbox, "Contact")
    state = [m["value"] for m in first if m["type"] == "STATE"][-1]
    assert state["bookmarks"]["Contact"]["SystemModstamp"]
    sf = sf_client(sf_sandbox)
    changed = sf.query("SELECT Id FROM Contact ORDER BY Id LIMIT 1")["records"][0]["Id"]
    sf.Contact.update(changed, {"LastName": "Tap-Incremental"})
    sf.session.close()
    state_file = tap.folder / "state.json"
    state_file.write_text(json.dumps(state))
    again = records(sync(tap, "REST", "--properties", catalog, "--state", str(state_file)))
    assert (changed, "Tap-Incremental") in [(r["Id"], r["LastName"]) for r in again]
    assert len(again) < sf_count_with_deleted(sf_sandbox, "Contact")


def test_sync_bulk_returns_every_contact(tap, sf_sandbox):
    messages = sync(tap, "BULK", "--properties", properties(tap, contact_entry(tap, "BULK")))
    rows = records(messages)
    assert len(rows) == sf_count_with_deleted(sf_sandbox, "Contact")  # Bulk queryAll
    assert len(live(rows)) == sf_sandbox.org.count("Contact")
    assert len({r["Id"] for r in rows}) == len(rows)
    assert all("MailingAddress" not in r for r in rows)
