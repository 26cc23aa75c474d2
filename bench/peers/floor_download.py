"""The download floor: a Bulk 2.0 query job whose result pages (`resultPages`, the pages
Salesforce sizes, as a client gets them: `resultPages` takes no size) are fetched five at a
time with httpx and thrown away, lines counted."""

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from loader import args, done
from sf_login import token

API = "/services/data/v62.0/jobs/query"


def finished_job(client: httpx.Client, soql: str) -> str:
    job = client.post(API, json={"operation": "query", "query": soql}).raise_for_status().json()
    while True:
        state = client.get(f"{API}/{job['id']}").raise_for_status().json()["state"]
        if state == "JobComplete":
            return job["id"]
        if state in ("Failed", "Aborted"):
            raise SystemExit(f"the query job ended {state}")
        time.sleep(0.2)


def lines(client: httpx.Client, url: str) -> int:
    with client.stream("GET", url) as response:
        response.raise_for_status()
        return sum(chunk.count(b"\n") for chunk in response.iter_bytes(1 << 16)) - 1


def main() -> None:
    a = args()
    info = json.loads(Path(a["info"]).read_text())
    limits = httpx.Limits(max_connections=8)
    with httpx.Client(
        base_url=info["url"], verify=info["ca_bundle"], timeout=900, limits=limits
    ) as client:
        client.headers["Authorization"] = f"Bearer {token(client, info)}"
        job = finished_job(client, f"SELECT {', '.join(a['fields'])} FROM Contact")
        url, pending = f"{API}/{job}/resultPages", []
        with ThreadPoolExecutor(5) as pool:  # five streams busy all along: the next listing
            while url:  # is asked while the pages of this one download
                body = client.get(url).raise_for_status().json()
                pending += [pool.submit(lines, client, p["resultUrl"]) for p in body["resultPages"]]
                url = body.get("nextRecordsUrl")
            rows = sum(page.result() for page in pending)
    done(rows=rows)


main()
