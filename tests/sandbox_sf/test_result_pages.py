"""Bulk API 2.0 parallel result download: `GET /jobs/query/{id}/resultPages` (API 58.0+)."""

from __future__ import annotations

import csv
import io

import httpx

JOBS = "/services/data/v59.0/jobs/query"


def create_job(http) -> str:
    body = {"operation": "query", "query": "SELECT Id, LastName FROM Contact"}
    response = http.post(JOBS, json=body)
    response.raise_for_status()
    return response.json()["id"]


def finished_job(http) -> str:
    job_id = create_job(http)
    http.post("/__sandbox__/clock", params={"advance": 5}).raise_for_status()
    assert http.get(f"{JOBS}/{job_id}").json()["state"] == "JobComplete"
    return job_id


def rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text)))


def test_pages_cover_the_result_once(sf_fresh, http):
    job_id = finished_job(http)
    first = http.get(f"{JOBS}/{job_id}/resultPages", params={"maxRecords": 7}).json()
    assert set(first) == {"resultPages", "nextRecordsUrl", "done"}
    assert len(first["resultPages"]) == 5 and first["done"] is False
    second = http.get(first["nextRecordsUrl"]).json()
    assert second["done"] is True and second["nextRecordsUrl"] is None
    links = [page["resultUrl"] for page in first["resultPages"] + second["resultPages"]]
    assert all(link.startswith(f"{JOBS}/{job_id}/results?locator=") for link in links)
    assert all(link.endswith("&maxRecords=7") for link in links)
    pages = [rows(http.get(link)) for link in links]
    total = sf_fresh.org.count("Contact")
    assert [len(p) for p in pages] == [7] * (total // 7) + [total % 7]
    ids = [row["Id"] for page in pages for row in page]
    assert len(ids) == len(set(ids)) == total
    assert ids == [row["Id"] for row in rows(http.get(f"{JOBS}/{job_id}/results"))]


def test_default_page_size_is_one_link(http):
    job_id = finished_job(http)
    body = http.get(f"{JOBS}/{job_id}/resultPages").json()
    assert body["done"] is True and len(body["resultPages"]) == 1
    assert body["resultPages"][0]["resultUrl"].endswith("&maxRecords=100000")


def test_unfinished_job_is_refused(http):
    job_id = create_job(http)
    response = http.get(f"{JOBS}/{job_id}/resultPages")
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALIDJOBSTATE"


def test_before_api_58_it_does_not_exist(http):
    job_id = finished_job(http)
    response = http.get(f"/services/data/v57.0/jobs/query/{job_id}/resultPages")
    assert response.status_code == 404
    assert response.json()[0]["errorCode"] == "NOT_FOUND"


def test_unknown_job(http):
    response = http.get(f"{JOBS}/750000000000000AAA/resultPages")
    assert response.status_code == 404
