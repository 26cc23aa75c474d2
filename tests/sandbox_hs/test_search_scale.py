"""Search over a 50,000-contact portal: pages complete (no timing asserts), the 10,000-result
cap as clients meet it (the page reaching 10,000 still offers `after=10000`, which is a
400), and hs_lastmodifieddate windows — the way past the cap — read every record once."""

from __future__ import annotations

import ssl

import httpx
import pytest

from crmlink.sandbox.hubspot.app import HubSpotSandbox

SEARCH = "/crm/v3/objects/contacts/search"
CONTACTS = 50_000


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    started = HubSpotSandbox(
        state_dir=tmp_path_factory.mktemp("hs-big"),
        records=CONTACTS,
        seed=3,
        search_per_second=100_000,
    )
    started.start()
    yield started
    started.stop()


@pytest.fixture(scope="module")
def client(big):
    info = big.info()
    verify = ssl.create_default_context(cafile=info["ca_bundle"])
    headers = {"Authorization": f"Bearer {info['access_token']}"}
    with httpx.Client(base_url=info["url"], verify=verify, headers=headers, timeout=60) as c:
        yield c


def search(client, body: dict, status: int = 200) -> dict:
    answer = client.post(SEARCH, json=body)
    assert answer.status_code == status, answer.text
    return answer.json()


def live_contacts(big) -> int:
    with big.sqlite.reader() as conn:
        return conn.execute(
            "SELECT count(*) FROM records WHERE object_type = 'contacts' AND archived = 0"
        ).fetchone()[0]


def test_total_counts_every_live_match_past_the_cap(big, client):
    body = search(client, {"limit": 200, "properties": ["email"]})
    live = live_contacts(big)
    assert live > 45_000  # about 2% of the seeded contacts are archived
    assert body["total"] == live
    assert len(body["results"]) == 200
    assert body["paging"]["next"]["after"] == "200"


def test_the_cap_is_met_by_following_next(client):
    last = search(client, {"limit": 200, "after": "9800"})
    assert len(last["results"]) == 200
    assert last["paging"]["next"]["after"] == "10000"
    error = search(client, {"limit": 200, "after": last["paging"]["next"]["after"]}, 400)
    assert error["category"] == "VALIDATION_ERROR"
    assert "10,000" in error["message"]
    clipped = search(client, {"limit": 200, "after": "9900"})
    assert len(clipped["results"]) == 100  # no page reaches past 10,000


def test_windows_by_last_modified_read_everything_once(big, client):
    """Slices of hs_lastmodifieddate, each under the cap, sorted by it: every live record
    once (ids checked against the table)."""
    with big.sqlite.reader() as conn:
        low, high = conn.execute(
            "SELECT min(updated_ms), max(updated_ms) FROM records "
            "WHERE object_type = 'contacts' AND archived = 0"
        ).fetchone()
    seen: list[str] = []
    start, width = low, (high - low) // 4 + 1
    while start <= high:
        filters = [
            {"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": str(start)},
            {"propertyName": "hs_lastmodifieddate", "operator": "LT", "value": str(start + width)},
        ]
        body = {
            "filterGroups": [{"filters": filters}],
            "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
            "properties": ["hs_lastmodifieddate"],
            "limit": 200,
        }
        page = search(client, body)
        if page["total"] >= 10_000:  # this window cannot be read whole: halve it
            width //= 2
            continue
        while True:
            stamps = [r["properties"]["hs_lastmodifieddate"] for r in page["results"]]
            assert stamps == sorted(stamps)
            seen += [r["id"] for r in page["results"]]
            after = page.get("paging", {}).get("next", {}).get("after")
            if after is None:
                break
            page = search(client, {**body, "after": after})
        start += width
    assert len(seen) == len(set(seen)) == live_contacts(big)


def test_property_filters_and_sorts_complete_over_50k(client):
    by_points = search(
        client,
        {
            "filterGroups": [
                {
                    "filters": [
                        {
                            "propertyName": "email",
                            "operator": "CONTAINS_TOKEN",
                            "value": "*@example.com",
                        }
                    ]
                }
            ],
            "sorts": ["-createdate"],
            "properties": ["email"],
            "limit": 200,
        },
    )
    assert 0 < by_points["total"] < CONTACTS
    assert all(r["properties"]["email"].endswith("@example.com") for r in by_points["results"])
    stamps = [r["properties"]["createdate"] for r in by_points["results"]]
    assert stamps == sorted(stamps, reverse=True)
