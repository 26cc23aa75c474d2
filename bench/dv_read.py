"""Read 200,000 contacts from the Dynamics sandbox with `odata.maxpagesize=5000`.

Starts `crmlink sandbox dynamics` as a subprocess (so its memory is measured alone),
follows `@odata.nextLink`s with httpx over TLS, and prints rows/s and the server's peak
RSS sampled with psutil. Run: `PYTHONPATH=src .venv/bin/python bench/dv_read.py`.
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psutil


def start_server(records: int, state_dir: Path) -> tuple[subprocess.Popen, dict, float]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    cmd = [sys.executable, "-m", "crmlink.cli", "sandbox", "dynamics", "--records", str(records)]
    cmd += ["--state-dir", str(state_dir)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env, text=True)
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        raise SystemExit("the sandbox did not start")
    return proc, json.loads(line), time.perf_counter() - started


class PeakRss(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.samples: list[int] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.samples.append(self.process.memory_info().rss)
            time.sleep(0.05)


def token(info: dict, verify: ssl.SSLContext) -> str:
    form = {
        "grant_type": "client_credentials",
        "client_id": info["client_id"],
        "client_secret": info["client_secret"],
        "scope": f"{info['url']}/.default",
    }
    response = httpx.post(f"{info['authority']}/oauth2/v2.0/token", data=form, verify=verify)
    response.raise_for_status()
    return response.json()["access_token"]


def read_all(info: dict, select: str | None, page_size: int) -> tuple[int, int, float]:
    verify = ssl.create_default_context(cafile=info["ca_bundle"])
    headers = {
        "Authorization": f"Bearer {token(info, verify)}",
        "Prefer": f"odata.maxpagesize={page_size}",
        "Accept": "application/json",
    }
    url = f"{info['url']}/api/data/v9.2/contacts"
    if select:
        url += f"?$select={select}"
    rows = pages = 0
    started = time.perf_counter()
    with httpx.Client(headers=headers, verify=verify, timeout=120) as client:
        while url:
            body = client.get(url).raise_for_status().json()
            rows += len(body["value"])
            pages += 1
            url = body.get("@odata.nextLink")
    return rows, pages, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--page-size", type=int, default=5000)
    parser.add_argument(
        "--select",
        default="firstname,lastname,emailaddress1,telephone1,"
        "address1_city,address1_country,birthdate,gendercode,creditlimit,modifiedon",
    )
    parser.add_argument("--state-dir", type=Path, default=None)
    args = parser.parse_args()
    import tempfile

    state = args.state_dir or Path(tempfile.mkdtemp(prefix="dv-bench-"))
    proc, info, startup = start_server(args.records, state)
    monitor = PeakRss(proc.pid)
    try:
        base_rss = psutil.Process(proc.pid).memory_info().rss
        monitor.start()
        print(f"server ready in {startup:.1f}s (seeding {args.records:,} contacts + related)")
        for label, select in (("selected columns", args.select), ("all columns", None)):
            rows, pages, elapsed = read_all(info, select, args.page_size)
            print(
                f"{label:17}: {rows:,} rows in {pages} pages, {elapsed:.2f}s, "
                f"{rows / elapsed:,.0f} rows/s"
            )
        monitor.stop.set()
        monitor.join()
        peak = max(monitor.samples)
        print(
            f"server RSS: {base_rss / 2**20:.0f} MiB after seeding, peak while reading "
            f"{peak / 2**20:.0f} MiB"
        )
    finally:
        proc.terminate()
        proc.wait(timeout=20)


if __name__ == "__main__":
    main()
