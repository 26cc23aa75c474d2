"""Benchmark: a Bulk API 2.0 query of every Contact from a sandbox run as a subprocess.

    .venv/bin/python bench/sf_bulk_query.py --records 1000000 --state-dir /tmp/sf-bench

Starts `crmlink sandbox salesforce` (seeding N contacts unless the state folder already
holds them), gets a token, runs the query job, downloads every result set with httpx
streaming (rows counted, never stored), and prints seed time, job time, download rows/s,
API calls and the server's peak RSS (sampled every 50 ms). With `--compare` it runs again
with N/10 records in a second state folder to show that memory stays flat.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psutil

SOQL = (
    "SELECT Id, FirstName, LastName, Email, Phone, AccountId, LeadSource, CreatedDate, "
    "LastModifiedDate FROM Contact"
)
PAGE = 100_000


class PeakRss:
    """Peak resident memory of a process, sampled in a thread every 50 ms."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, self.process.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(0.05)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def start_server(records: int, state_dir: Path) -> tuple[subprocess.Popen, dict, float]:
    cmd = [sys.executable, "-m", "crmlink.cli", "sandbox", "salesforce"]
    cmd += ["--records", str(records), "--state-dir", str(state_dir)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line:
        proc.wait()
        raise SystemExit(f"the sandbox exited with code {proc.returncode} before it was ready")
    return proc, json.loads(line), time.perf_counter() - started


def token(client: httpx.Client, info: dict) -> str:
    response = client.post(
        "/services/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": info["client_id"],
            "client_secret": info["client_secret"],
            "username": info["username"],
            "password": info["password"] + info["security_token"],
        },
    )
    response.raise_for_status()
    return response.json()["access_token"]


def run_job(client: httpx.Client) -> tuple[str, float]:
    started = time.perf_counter()
    job = client.post("/services/data/v59.0/jobs/query", json={"operation": "query", "query": SOQL})
    job.raise_for_status()
    job_id = job.json()["id"]
    while True:
        state = client.get(f"/services/data/v59.0/jobs/query/{job_id}").json()
        if state["state"] in ("JobComplete", "Failed", "Aborted"):
            break
        time.sleep(0.1)
    if state["state"] != "JobComplete":
        raise SystemExit(f"job ended {state['state']}: {state.get('errorMessage')}")
    return job_id, time.perf_counter() - started


def download(client: httpx.Client, job_id: str) -> tuple[int, float]:
    rows, locator = 0, None
    started = time.perf_counter()
    while True:
        params = {"maxRecords": PAGE, **({"locator": locator} if locator else {})}
        url = f"/services/data/v59.0/jobs/query/{job_id}/results"
        with client.stream("GET", url, params=params) as response:
            response.raise_for_status()
            lines = sum(chunk.count(b"\n") for chunk in response.iter_bytes(1 << 16))
            rows += lines - 1  # the header line (no value holds a newline here)
            locator = response.headers["Sforce-Locator"]
        if locator == "null":
            return rows, time.perf_counter() - started


def measure(records: int, state_dir: Path) -> dict:
    proc, info, seed_time = start_server(records, state_dir)
    memory = PeakRss(proc.pid)
    try:
        headers = {}
        with httpx.Client(base_url=info["url"], verify=info["ca_bundle"], timeout=600) as client:
            headers["Authorization"] = f"Bearer {token(client, info)}"
            client.headers.update(headers)
            client.delete("/__sandbox__/stats")
            job_id, job_time = run_job(client)
            rows, took = download(client, job_id)
            calls = client.get("/__sandbox__/stats").json()["total"]
    finally:
        peak = memory.stop()
        proc.terminate()
        proc.wait(timeout=30)
    return {
        "records": records,
        "startup_and_seed_s": round(seed_time, 2),
        "job_s": round(job_time, 2),
        "rows": rows,
        "download_s": round(took, 2),
        "rows_per_s": int(rows / took) if took else None,
        "api_calls": calls,
        "server_peak_rss_mb": round(peak / 2**20, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--state-dir", type=Path, default=Path("/tmp/crmlink-bench-sf"))
    parser.add_argument("--compare", action="store_true", help="also run with N/10 records")
    args = parser.parse_args()
    runs = [(args.records, args.state_dir)]
    if args.compare:
        small = args.state_dir.with_name(args.state_dir.name + "-small")
        runs.append((max(args.records // 10, 1), small))
    for records, state_dir in runs:
        print(json.dumps(measure(records, state_dir)), flush=True)


if __name__ == "__main__":
    main()
