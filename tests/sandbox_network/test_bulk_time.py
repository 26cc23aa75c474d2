"""Bulk processing time under the profile: a job stays InProgress `bulk_s_per_10k` per
10,000 records, on the sandbox clock (so in real time, and at once when advanced). Bulk 2.0
query and ingest jobs and Bulk 1.0 batches."""

from __future__ import annotations

import time

import httpx

from tests.conftest import password_token
from tests.sandbox_network.helpers import advance, set_faults, sf_client, verify

SOQL = "SELECT Id, LastName FROM Contact"


def _query_job(api) -> str:
    created = api.post("/jobs/query", json={"operation": "query", "query": SOQL})
    created.raise_for_status()
    return created.json()["id"]


def _state(api, kind: str, job_id: str) -> dict:
    return api.get(f"/jobs/{kind}/{job_id}").json()


def test_a_20000_record_query_job_stays_in_progress_twice_the_per_10k_time(sf_net):
    contacts = sf_net.org.count("Contact")
    assert contacts >= 20_000
    hold = contacts / 10_000 * 100  # seconds, at bulk_s_per_10k=100
    set_faults(sf_net, "profile=wan,rtt_ms=0,bandwidth_kbps=0,bulk_s_per_10k=100")
    with sf_client(sf_net) as api:
        job_id = _query_job(api)
        advance(sf_net, 1)  # the query runs: its records are counted, processing begins
        running = _state(api, "query", job_id)
        assert (running["state"], running["numberRecordsProcessed"]) == ("InProgress", contacts)
        assert api.get(f"/jobs/query/{job_id}/results").status_code == 400  # not complete
        advance(sf_net, hold - 10)
        assert _state(api, "query", job_id)["state"] == "InProgress"
        advance(sf_net, 12)
        done = _state(api, "query", job_id)
        page = api.get(f"/jobs/query/{job_id}/results", params={"maxRecords": 10})
    assert done["state"] == "JobComplete"
    assert done["totalProcessingTime"] >= hold * 1000
    assert page.status_code == 200 and page.headers["Sforce-NumberOfRecords"] == "10"


def test_processing_time_elapses_in_real_time(sf_net):
    def until_complete(api) -> float:
        started = time.perf_counter()
        job_id = _query_job(api)
        while _state(api, "query", job_id)["state"] != "JobComplete":
            assert time.perf_counter() - started < 30, "the job never completed"
            time.sleep(0.05)
        return time.perf_counter() - started

    per_10k = 0.75
    expected = sf_net.org.count("Contact") / 10_000 * per_10k  # 1.5 s for 20,000 records
    with sf_client(sf_net) as api:
        plain = until_complete(api)
        set_faults(sf_net, f"bulk_s_per_10k={per_10k}")
        held = until_complete(api)
    assert 0.85 * expected <= held - plain <= expected + 1.5, f"{held:.2f} s vs {plain:.2f} s"


def test_an_aborted_job_stays_aborted_after_its_processing_time(sf_net):
    set_faults(sf_net, "bulk_s_per_10k=100")
    with sf_client(sf_net) as api:
        job_id = _query_job(api)
        advance(sf_net, 1)
        aborted = api.patch(f"/jobs/query/{job_id}", json={"state": "Aborted"})
        assert aborted.json()["state"] == "Aborted"
        advance(sf_net, 1000)
        assert _state(api, "query", job_id)["state"] == "Aborted"


def test_an_ingest_job_stays_in_progress_for_its_records(sf_net):
    rows = "".join(f"Held{i},held{i}@example.com\n" for i in range(500))
    set_faults(sf_net, "bulk_s_per_10k=400")  # 500 records: 20 s
    with sf_client(sf_net) as api:
        job_id = api.post("/jobs/ingest", json={"object": "Contact", "operation": "insert"})
        job_id = job_id.json()["id"]
        upload = api.put(
            f"/jobs/ingest/{job_id}/batches",
            content="LastName,Email\n" + rows,
            headers={"Content-Type": "text/csv"},
        )
        assert upload.status_code == 201
        api.patch(f"/jobs/ingest/{job_id}", json={"state": "UploadComplete"}).raise_for_status()
        advance(sf_net, 1)
        running = _state(api, "ingest", job_id)
        assert (running["state"], running["numberRecordsProcessed"]) == ("InProgress", 500)
        advance(sf_net, 17)
        assert _state(api, "ingest", job_id)["state"] == "InProgress"
        advance(sf_net, 4)
        assert _state(api, "ingest", job_id)["state"] == "JobComplete"


def test_a_bulk1_batch_stays_in_progress_for_its_records(sf_net):
    set_faults(sf_net, "bulk_s_per_10k=1000")  # 100 records: 10 s
    token = password_token(sf_net)["access_token"]
    base = f"{sf_net.url}/services/async/59.0"
    headers = {"X-SFDC-Session": token, "Content-Type": "application/json"}
    records = [{"LastName": f"Batch{i}"} for i in range(100)]
    with httpx.Client(verify=verify(sf_net), headers=headers) as client:
        body = {"operation": "insert", "object": "Contact", "contentType": "JSON"}
        job = client.post(f"{base}/job", json=body).json()
        batch = client.post(f"{base}/job/{job['id']}/batch", json=records).json()
        url = f"{base}/job/{job['id']}/batch/{batch['id']}"
        running = client.get(url).json()  # the first look runs it; processing begins
        assert (running["state"], running["numberRecordsProcessed"]) == ("InProgress", 100)
        advance(sf_net, 8)
        assert client.get(url).json()["state"] == "InProgress"
        advance(sf_net, 3)
        assert client.get(url).json()["state"] == "Completed"
