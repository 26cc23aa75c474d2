"""The required ratio test: under a per-stream cap, four result pages of a Bulk 2.0 query
job downloaded in parallel take about a quarter of the time of the same four one after
another (as on Salesforce, where each download is its own stream). The pages are the links
`resultPages` lists; the cap is set from their size so the sequential run takes ~2.4 s."""

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


def _result_pages(api, job_id: str, page: int) -> list[str]:
    """The four pages' result URLs, as `resultPages` (API 58.0+) lists them."""
    listed = api.get(f"/jobs/query/{job_id}/resultPages", params={"maxRecords": page})
    listed.raise_for_status()
    assert listed.json()["done"] is True
    return [link["resultUrl"] for link in listed.json()["resultPages"]]


def _wire_size(sandbox, token: str, urls: list[str]) -> int:
    """The pages' bytes on the wire, downloaded once unpaced."""
    with sf_client(sandbox, token) as api:
        return sum(_get(api, sandbox, url).num_bytes_downloaded for url in urls)


def _get(api, sandbox, url: str):
    answer = api.get(f"{sandbox.url}{url}")  # the URL is a path from the host
    answer.raise_for_status()
    return answer


def _download(sandbox, token: str, url: str) -> None:
    with sf_client(sandbox, token) as api:
        _get(api, sandbox, url)


def test_four_parallel_pages_take_a_quarter_of_four_sequential(sf_net):
    token = password_token(sf_net)["access_token"]
    page = -(-sf_net.org.count("Contact") // 4)  # four pages (the org has 20,000 or more)
    with sf_client(sf_net, token) as api:
        urls = _result_pages(api, _finished_job(sf_net, api), page)
    assert len(urls) == 4
    size = _wire_size(sf_net, token, urls)
    cap_kbps = int(size * 8 / 1000 / SEQUENTIAL_SECONDS)
    set_faults(sf_net, f"profile=wan,rtt_ms=0,bandwidth_kbps={cap_kbps}")

    started = time.perf_counter()
    for url in urls:
        _download(sf_net, token, url)
    sequential = time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:
        for done in [pool.submit(_download, sf_net, token, url) for url in urls]:
            done.result()
    parallel = time.perf_counter() - started

    assert sequential >= 0.85 * SEQUENTIAL_SECONDS, f"the cap is not in force: {sequential:.2f} s"
    ratio = parallel / sequential
    print(
        f"4 pages, {size:,} bytes at {cap_kbps:,} kbit/s: sequential {sequential:.2f} s, "
        f"parallel {parallel:.2f} s, ratio {ratio:.2f}"
    )
    # 0.25 in theory; a shared cap (the bug this guards) gives about 1.0, and a loaded
    # machine (the suite runs in parallel workers) stretches the ideal well past 0.25
    assert ratio < 0.6, f"parallel {parallel:.2f} s / sequential {sequential:.2f} s = {ratio:.2f}"
