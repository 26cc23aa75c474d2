"""Archived records and their 90-day retention on the sandbox clock, deterministic seeds,
the control API (reset, seed, stats, faults, clock) and the command line (`crmlink sandbox
hubspot`, `crmlink sandbox wait`)."""

from __future__ import annotations

import json
import signal
import ssl
import subprocess
import sys
import time

import httpx
import pytest

from crmlink.sandbox.hubspot.app import HubSpotSandbox
from tests.sandbox_hs.conftest import hs_client


@pytest.fixture
def fresh(tmp_path):
    sandbox = HubSpotSandbox(state_dir=tmp_path, records=100, seed=3)
    sandbox.start()
    yield sandbox
    sandbox.stop()


def _all(api, object_type: str, **params) -> list[dict]:
    out, after = [], None
    while True:
        query = {"limit": 100, **params, **({"after": after} if after else {})}
        page = api.get(f"/crm/v3/objects/{object_type}", params=query).json()
        out += page["results"]
        if "paging" not in page:
            return out
        after = page["paging"]["next"]["after"]


def test_archived_lists_only_archived_records_and_keeps_them_90_days(fresh):
    with hs_client(fresh) as api:
        seeded_archived = _all(api, "contacts", archived="true")
        assert seeded_archived and all(r["archived"] and r["archivedAt"] for r in seeded_archived)
        live = _all(api, "contacts")
        assert not {r["id"] for r in live} & {r["id"] for r in seeded_archived}
        victim = live[0]["id"]
        assert api.delete(f"/crm/v3/objects/contacts/{victim}").status_code == 204
        assert victim in {r["id"] for r in _all(api, "contacts", archived="true")}
        fresh.clock.advance(89 * 86_400)
        assert victim in {r["id"] for r in _all(api, "contacts", archived="true")}
        fresh.clock.advance(2 * 86_400)
        assert _all(api, "contacts", archived="true") == []  # past 90 days: gone for good
        assert (
            api.get(f"/crm/v3/objects/contacts/{victim}", params={"archived": "true"}).status_code
            == 404
        )


def test_the_same_seed_gives_the_same_portal(tmp_path):
    def snapshot(path, seed):
        sandbox = HubSpotSandbox(state_dir=path, records=60, seed=seed)
        sandbox.start()
        try:
            with hs_client(sandbox) as api:
                return {
                    t: [(r["id"], r["properties"], r["createdAt"]) for r in _all(api, t)]
                    for t in ("contacts", "companies", "deals", "loyalty_card")
                }
        finally:
            sandbox.stop()

    first, second = snapshot(tmp_path / "a", 9), snapshot(tmp_path / "b", 9)
    assert first == second
    assert {t: len(v) for t, v in first.items()}["companies"] == 6
    assert snapshot(tmp_path / "c", 10)["contacts"] != first["contacts"]


def test_control_api_reset_seed_stats_clock(fresh):
    with hs_client(fresh) as api:
        api.delete("/__sandbox__/stats")
        before = len(_all(api, "contacts"))
        api.post(
            "/crm/v3/objects/contacts", json={"properties": {"email": "extra@control.example"}}
        )
        seeded = api.post("/__sandbox__/seed", params={"records": 40, "seed": 5}).json()
        assert seeded["seeded"]["contacts"] == 40 and seeded["seeded"]["companies"] == 4
        assert len(_all(api, "contacts")) > before + 30
        stats = api.get("/__sandbox__/stats").json()["by_endpoint"]
        assert stats["GET objects contacts"] >= 1 and stats["POST objects contacts"] == 1
        made = api.post(
            "/crm/v3/schemas",
            json={"name": "gadget", "labels": {"singular": "Gadget", "plural": "Gadgets"}},
        )
        assert made.status_code == 201
        assert api.post("/__sandbox__/reset").json() == {"reset": True}
        assert len(_all(api, "contacts")) == before
        assert api.get("/crm/v3/objects/gadget").status_code == 404  # custom objects made go
        assert (
            api.get(
                "/crm/v3/objects/contacts/extra@control.example", params={"idProperty": "email"}
            ).status_code
            == 404
        )
        clock = api.post("/__sandbox__/clock", params={"advance": 3600}).json()
        assert clock["offset_seconds"] == 3600
        created = api.post(
            "/crm/v3/objects/deals", json={"properties": {"dealname": "Later"}}
        ).json()
        assert created["createdAt"][:13] == clock["now"][:13]  # records are stamped by it


def test_seeding_50000_contacts_is_fast(tmp_path):
    started = time.process_time()  # CPU time: other processes on the machine do not count
    sandbox = HubSpotSandbox(state_dir=tmp_path, records=50_000, seed=1)
    elapsed = time.process_time() - started
    try:
        assert (
            sandbox.records.count(sandbox.objects.resolve("contacts"))
            + sandbox.records.count(sandbox.objects.resolve("contacts"), archived=True)
            == 50_000
        )
        assert elapsed < 10, elapsed  # about 5 s
    finally:
        sandbox.close()


def test_the_command_line_serves_with_the_wan_profile_and_waits(tmp_path):
    cli = [sys.executable, "-m", "crmlink.cli"]
    proc = subprocess.Popen(
        [
            *cli,
            "sandbox",
            "hubspot",
            "--state-dir",
            str(tmp_path),
            "--records",
            "20",
            "--profile",
            "wan",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        waited = subprocess.run(
            [*cli, "sandbox", "wait", str(tmp_path), "--timeout", "60"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert waited.returncode == 0, waited.stderr
        ready = json.loads(waited.stdout)
        assert json.loads(proc.stdout.readline()) == ready  # the same one line on stdout
        assert ready["type"] == "hubspot"
        assert {
            "url",
            "ca_bundle",
            "access_token",
            "portal_id",
            "client_id",
            "client_secret",
            "refresh_token",
            "redirect_uri",
        } <= set(ready)
        assert "authorization_code" not in ready
        verify = ssl.create_default_context(cafile=ready["ca_bundle"])
        headers = {"Authorization": f"Bearer {ready['access_token']}"}
        answer = httpx.get(
            f"{ready['url']}/crm/v3/objects/contacts", verify=verify, headers=headers
        )
        assert answer.status_code == 200 and answer.json()["results"]
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        proc.stdout.close()
        proc.stderr.close()


def test_definitions_made_through_the_api_outlive_a_restart(tmp_path):
    first = HubSpotSandbox(state_dir=tmp_path, records=10, seed=2)
    first.start()
    try:
        with hs_client(first) as api:
            schema = api.post(
                "/crm/v3/schemas",
                json={
                    "name": "boat",
                    "labels": {"singular": "Boat", "plural": "Boats"},
                    "properties": [
                        {"name": "hull", "label": "Hull", "type": "string", "fieldType": "text"}
                    ],
                    "associatedObjects": ["CONTACT"],
                },
            ).json()
            boat = api.post("/crm/v3/objects/boat", json={"properties": {"hull": "H1"}}).json()
            api.patch(
                "/crm/v3/properties/contacts/interests",
                json={"options": [{"label": "Sailing", "value": "sailing"}]},
            )
            api.post("/crm/v3/properties/deals/groups", json={"name": "kept", "label": "Kept"})
    finally:
        first.stop()
    second = HubSpotSandbox(state_dir=tmp_path, records=10, seed=2)
    second.start()
    try:
        with hs_client(second) as api:
            assert api.get(f"/crm/v3/schemas/{schema['objectTypeId']}").json()["name"] == "boat"
            got = api.get(f"/crm/v3/objects/boat/{boat['id']}", params={"properties": "hull"})
            assert got.json()["properties"]["hull"] == "H1"
            interests = api.get("/crm/v3/properties/contacts/interests").json()
            assert [o["value"] for o in interests["options"]] == ["sailing"]
            assert api.get("/crm/v3/properties/deals/groups/kept").status_code == 200
            api.post("/__sandbox__/reset")
            assert api.get("/crm/v3/schemas/boat").status_code == 404
    finally:
        second.stop()
    third = HubSpotSandbox(state_dir=tmp_path, records=10, seed=2)
    try:
        assert [t.name for t in third.objects.custom()] == ["loyalty_card"]  # reset dropped it
    finally:
        third.close()
