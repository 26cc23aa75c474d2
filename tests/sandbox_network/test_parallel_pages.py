"""The required ratio test: under a per-stream cap, four result pages of a Bulk 2.0 query
job downloaded in parallel take about a quarter of the time of the same four one after
another (as on Salesforce, where each download is its own stream)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from tests.conftest import password_token
from tests.sandbox_network.helpers import advance, set_faults, sf_client

SOQL = "SELECT Id, FirstName, LastName, Email, Phone, Title FROM Contact"
SEQUENTIAL_SECONDS = 2.4  # what the cap is set for: four pages one after another


def _finished_job(sandbox, api) -> str:
    created = api.post("/jobs/query", json={"operation": "query", "query": SOQL})
    created.raise_for_status()
    job_id = created.json()["id"]
    advance(sandbox, 1)  # the job runs now (no processing time without a profile)
    assert api.get(f"/jobs/query/{job_id}").json()["state"] == "JobComplete"
    return job_id


def _locators(api, job_id: str, page: int) -> tuple[list[str | None], int]:
    """The four pages' locators (first: none) by following Sforce-Locator, unpaced; and
    the four pages' size on the wire."""
    locators: list[str | None] = [None]
    size = 0
    while True:
        params = {"maxRecords": page, **({"locator": locators[-1]} if locators[-1] else {})}
        answer = api.get(f"/jobs/query/{job_id}/results", params=params)
        answer.raise_for_status()
        size += answer.num_bytes_downloaded
        following = answer.headers["Sforce-Locator"]
        if following == "null":
            return locators, size
        locators.append(following)


def _download(sandbox, token: str, job_id: str, locator: str | None, page: int) -> None:
    with sf_client(sandbox, token) as api:
        params = {"maxRecords": page, **({"locator": locator} if locator else {})}
        api.get(f"/jobs/query/{job_id}/results", params=params).raise_for_status()


def test_four_parallel_pages_take_a_quarter_of_four_sequential(sf_net):
    token = password_token(sf_net)["access_token"]
    page = -(-sf_net.org.count("Contact") // 4)  # four pages (the org has 20,000 or more)
    with sf_client(sf_net, token) as api:
        job_id = _finished_job(sf_net, api)
        locators, size = _locators(api, job_id, page)
    assert len(locators) == 4
    cap_kbps = int(size * 8 / 1000 / SEQUENTIAL_SECONDS)
    set_faults(sf_net, f"profile=wan,rtt_ms=0,bandwidth_kbps={cap_kbps}")

    started = time.perf_counter()
    for locator in locators:
        _download(sf_net, token, job_id, locator, page)
    sequential = time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:
        for done in [pool.submit(_download, sf_net, token, job_id, loc, page) for loc in locators]:
            done.result()
    parallel = time.perf_counter() - started

    assert sequential >= 0.85 * SEQUENTIAL_SECONDS, f"the cap is not in force: {sequential:.2f} s"
    ratio = parallel / sequential
    print(
        f"4 pages, {size:,} bytes at {cap_kbps:,} kbit/s: sequential {sequential:.2f} s, "
        f"parallel {parallel:.2f} s, ratio {ratio:.2f}"
    )
    assert ratio < 0.45, f"parallel {parallel:.2f} s / sequential {sequential:.2f} s = {ratio:.2f}"
