"""Round trip and per-stream bandwidth, measured on the real clock (the task asks for these
timings; margins are generous)."""

from __future__ import annotations

import httpx

from tests.sandbox_network.helpers import set_faults, sf_client, timed, verify

CONTACTS = "SELECT Id, FirstName, LastName, Email, Phone FROM Contact"


def test_round_trip_added_to_every_request(sf_net):
    with sf_client(sf_net) as api:
        api.get("/limits").raise_for_status()  # the connection is open before timing
        plain = timed(lambda: [api.get("/limits").raise_for_status() for _ in range(3)])
        set_faults(sf_net, "profile=wan,rtt_ms=400,bandwidth_kbps=0")
        slowed = timed(lambda: [api.get("/limits").raise_for_status() for _ in range(3)])
    added = (slowed - plain) / 3
    assert 0.35 <= added <= 0.9, f"{added:.3f} s added per request, wanted about 0.4"


def test_round_trip_on_top_of_fault_latency(sf_net):
    with sf_client(sf_net) as api:
        api.get("/limits").raise_for_status()
        set_faults(sf_net, "latency=300")
        latency = timed(lambda: api.get("/limits").raise_for_status())
        set_faults(sf_net, "latency=300,rtt_ms=300")
        both = timed(lambda: api.get("/limits").raise_for_status())
    assert 0.25 <= both - latency <= 0.8


def test_control_calls_are_never_slowed(sf_net):
    set_faults(sf_net, "profile=wan,rtt_ms=3000,bandwidth_kbps=1")
    took = timed(lambda: httpx.get(f"{sf_net.url}/__sandbox__/stats", verify=verify(sf_net)).json())
    assert took < 1.5  # one round trip alone would be 3 s


def test_a_body_under_the_cap_takes_its_size_over_the_cap(sf_net):
    with sf_client(sf_net) as api:
        first = api.get("/query", params={"q": CONTACTS})
        first.raise_for_status()
        size = first.num_bytes_downloaded
        assert size > 200_000  # 2,000 records: big enough to time
        cap_kbps = int(size * 8 / 1000 / 1.5)  # the body should take 1.5 s
        set_faults(sf_net, f"bandwidth_kbps={cap_kbps}")
        took = timed(lambda: api.get("/query", params={"q": CONTACTS}).raise_for_status())
    expected = size * 8 / 1000 / cap_kbps
    assert 0.85 * expected <= took <= expected + 1.0, f"{took:.2f} s, expected {expected:.2f}"


def test_an_upload_under_the_cap_takes_its_size_over_the_cap(sf_net):
    rows = "".join(f"Sandbox{i},Network{i},n{i}@example.com\n" for i in range(6000))
    body = ("FirstName,LastName,Email\n" + rows).encode()
    with sf_client(sf_net) as api:
        job = api.post("/jobs/ingest", json={"object": "Contact", "operation": "insert"})
        job.raise_for_status()
        cap_kbps = int(len(body) * 8 / 1000 / 1.0)  # the upload should take 1 s
        set_faults(sf_net, f"bandwidth_kbps={cap_kbps}")
        url = f"/jobs/ingest/{job.json()['id']}/batches"
        headers = {"Content-Type": "text/csv"}
        took = timed(lambda: api.put(url, content=body, headers=headers).raise_for_status())
        set_faults(sf_net, "")
        api.patch(f"/jobs/ingest/{job.json()['id']}", json={"state": "Aborted"})
    assert 0.85 <= took <= 2.0, f"{took:.2f} s, expected about 1"
