"""The export floor: the same rows as pre-built Bulk 2.0 CSV files (written untimed by the
contestant), each uploaded as one ingest job, all jobs at once; nothing read from a database
and no results fetched. With one file that is a single job; with several, the jobs are
created, uploaded, closed and polled in parallel (their processing overlaps on the server)."""

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from loader import args, done
from sf_login import token

API = "/services/data/v62.0/jobs/ingest"
FINAL = ("JobComplete", "Failed", "Aborted")


def upload(client: httpx.Client, path: Path) -> str:
    """A job for the file: created, its CSV uploaded, closed; its id."""
    body = {"object": "Contact", "operation": "insert", "contentType": "CSV", "lineEnding": "LF"}
    job = client.post(API, json=body).raise_for_status().json()["id"]
    headers = {"Content-Type": "text/csv"}
    uploaded = client.put(f"{API}/{job}/batches", content=path.read_bytes(), headers=headers)
    uploaded.raise_for_status()
    client.patch(f"{API}/{job}", json={"state": "UploadComplete"}).raise_for_status()
    return str(job)


def finished(client: httpx.Client, job: str) -> int:
    """Polls the job until it is final; the records it wrote."""
    while True:
        info = client.get(f"{API}/{job}").raise_for_status().json()
        if info["state"] in FINAL:
            if info["state"] != "JobComplete":
                raise SystemExit(f"job {job} ended {info['state']}: {info.get('errorMessage')}")
            return int(info["numberRecordsProcessed"]) - int(info["numberRecordsFailed"])
        time.sleep(0.2)


def main() -> None:
    a = args()
    info = json.loads(Path(a["info"]).read_text())
    files = [Path(p) for p in a["files"]]
    limits = httpx.Limits(max_connections=max(len(files), 1))
    with httpx.Client(
        base_url=info["url"], verify=info["ca_bundle"], timeout=900, limits=limits
    ) as client:
        client.headers["Authorization"] = f"Bearer {token(client, info)}"
        with ThreadPoolExecutor(max(len(files), 1)) as pool:
            jobs = list(pool.map(lambda path: upload(client, path), files))
            written = sum(pool.map(lambda job: finished(client, job), jobs))
    done(rows=written)


main()
