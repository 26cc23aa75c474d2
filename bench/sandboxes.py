"""A sandbox CRM run as a subprocess (its CPU and memory are never the contestant's).

The state folder keeps the seeded org between runs: a second start with the same folder and
record count reuses it instead of seeding again (1,000,000 contacts take ~90 s to seed).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

SF_API = "/services/data/v62.0"


class Sandbox:
    """`crmlink sandbox <crm>` with its control API (stats, faults, reset, clock)."""

    def __init__(self, crm: str, state_dir: Path, records: int, timeout: float = 1800) -> None:
        self.crm, self.state_dir, self.records = crm, state_dir, records
        self.timeout = timeout  # the longest a contestant may run against it
        self.proc: subprocess.Popen[str] | None = None
        self.info: dict[str, Any] = {}
        self._control: httpx.Client | None = None

    def start(self) -> Sandbox:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "crmlink.cli", "sandbox", self.crm, "--port", "0"]
        cmd += ["--records", str(self.records), "--state-dir", str(self.state_dir)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"the {self.crm} sandbox exited ({self.proc.wait()}) before ready")
        self.info = json.loads(line)
        self._control = httpx.Client(
            base_url=self.info["url"], verify=self.info["ca_bundle"], timeout=600
        )
        self.warm()
        return self

    def warm(self) -> None:
        """Read the org's database files once, untimed, so that they are in the OS page
        cache: otherwise the first contestant after a start pays the cold reads (a 1.3 GB
        org: about 10 s) and the ones after it do not."""
        for path in sorted(self.state_dir.glob("*.sqlite3*")):
            with path.open("rb") as handle:
                while handle.read(1 << 24):
                    pass

    def stop(self) -> None:
        if self._control is not None:
            self._control.close()
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a hung sandbox ignores SIGTERM
                self.proc.kill()
                self.proc.wait()
            if self.proc.stdout is not None:
                self.proc.stdout.close()

    def healthy(self) -> bool:
        """Whether the control API answers within 15 s (a deadlocked sandbox does not)."""
        try:
            self.control.get("/__sandbox__/stats", timeout=15).raise_for_status()
        except httpx.HTTPError:
            return False
        return True

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def control(self) -> httpx.Client:
        assert self._control is not None, "start() first"
        return self._control

    def info_file(self, folder: Path) -> Path:
        """The ready line as a file, for the contestants' scripts."""
        path = folder / f"{self.crm}-{self.state_dir.name}-info.json"
        path.write_text(json.dumps(self.info))
        return path

    def set_profile(self, profile: str) -> None:
        self.control.put("/__sandbox__/faults", content=f"profile={profile}").raise_for_status()

    def reset_stats(self) -> None:
        self.control.delete("/__sandbox__/stats").raise_for_status()

    def calls(self) -> int:
        return int(self.control.get("/__sandbox__/stats").json()["total"])

    def reset(self) -> None:
        self.control.post("/__sandbox__/reset").raise_for_status()

    def advance_clock(self, seconds: float) -> None:
        self.control.post("/__sandbox__/clock", params={"advance": seconds}).raise_for_status()


def sf_token(client: httpx.Client, info: dict[str, Any]) -> str:
    """An access token by the password flow (one API call)."""
    form = {
        "grant_type": "password",
        "client_id": info["client_id"],
        "client_secret": info["client_secret"],
        "username": info["username"],
        "password": info["password"] + info["security_token"],
    }
    response = client.post("/services/oauth2/token", data=form)
    response.raise_for_status()
    return str(response.json()["access_token"])


def dv_token(client: httpx.Client, info: dict[str, Any]) -> str:
    form = {
        "grant_type": "client_credentials",
        "client_id": info["client_id"],
        "client_secret": info["client_secret"],
        "scope": f"{info['url']}/.default",
    }
    response = client.post(f"{info['authority']}/oauth2/v2.0/token", data=form)
    response.raise_for_status()
    return str(response.json()["access_token"])


class SfApi:
    """The bench's own REST calls to a Salesforce sandbox (counts, setup changes)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.client = httpx.Client(
            base_url=sandbox.info["url"], verify=sandbox.info["ca_bundle"], timeout=600
        )
        self.client.headers["Authorization"] = f"Bearer {sf_token(self.client, sandbox.info)}"

    def close(self) -> None:
        self.client.close()

    def query(self, soql: str) -> list[dict[str, Any]]:
        body = self.client.get(f"{SF_API}/query", params={"q": soql}).raise_for_status().json()
        records = list(body["records"])
        while not body["done"]:
            body = self.client.get(body["nextRecordsUrl"]).raise_for_status().json()
            records += body["records"]
        return records

    def count(self, sobject: str) -> int:
        soql = f"SELECT COUNT() FROM {sobject}"  # a fixed object name, never user input
        return int(self.client.get(f"{SF_API}/query", params={"q": soql}).json()["totalSize"])

    def update(self, sobject: str, records: list[dict[str, Any]]) -> None:
        """sObject Collections PATCH, 200 a call."""
        for start in range(0, len(records), 200):
            batch = [{"attributes": {"type": sobject}, **r} for r in records[start : start + 200]]
            body = {"allOrNone": True, "records": batch}
            self.client.patch(f"{SF_API}/composite/sobjects", json=body).raise_for_status()


class DvApi:
    """The bench's own Web API calls to a Dataverse sandbox (counts)."""

    def __init__(self, sandbox: Sandbox) -> None:
        info = sandbox.info
        self.client = httpx.Client(base_url=info["url"], verify=info["ca_bundle"], timeout=600)
        self.client.headers["Authorization"] = f"Bearer {dv_token(self.client, info)}"

    def close(self) -> None:
        self.client.close()

    def count(self, entity_set: str) -> int:
        """Rows of an entity set, paged by id (the sandbox caps $count at 5,000 like Dataverse)."""
        total, url = 0, f"/api/data/v9.2/{entity_set}?$select=contactid"
        headers = {"Prefer": "odata.maxpagesize=5000"}
        while url:
            body = self._get(url, headers).json()
            total += len(body["value"])
            url = body.get("@odata.nextLink")
        return total

    def _get(self, url: str, headers: dict[str, str]) -> httpx.Response:
        """GET, waiting out service protection (429 after a contestant spent the quota)."""
        for _ in range(20):
            response = self.client.get(url, headers=headers)
            if response.status_code != 429:
                return response.raise_for_status()
            time.sleep(min(float(response.headers.get("Retry-After") or 5), 60))
        return response.raise_for_status()
