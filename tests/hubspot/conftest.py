"""HubSpot end to end, above the connector: a sandbox over real TLS and crmlink driven
through its CLI (the `crmlink` fixture: SQLite and PostgreSQL).

`hs_box` is one sandbox per test module (its records are few, so a reset is fast);
`hs_portal` resets it before each test, so every test (and both halves of a parametrized
one) starts from the same seeded portal. `Portal` reads and changes the sandbox's state
the way HubSpot users would (through its models) and counts it for the assertions.
`add_account(crmlink, box)` adds account `hs` from the sandbox's ready line.
"""

from __future__ import annotations

import json
import ssl
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from crmlink.sandbox.hubspot.app import HubSpotSandbox

ACCOUNT = "hs"
RECORDS = 120  # contacts; companies a tenth, deals a fifth, loyalty cards a twentieth


def start_sandbox(state_dir: Path, records: int = RECORDS, **options: Any) -> HubSpotSandbox:
    # A high ten-second tier: these tests measure crmlink, not the pacing (tested apart).
    options.setdefault("tier", 100_000)
    options.setdefault("search_per_second", 1_000)
    box = HubSpotSandbox(state_dir=state_dir, records=records, seed=11, **options)
    box.start()
    return box


@pytest.fixture(scope="module")
def hs_box(tmp_path_factory) -> Iterator[HubSpotSandbox]:
    box = start_sandbox(tmp_path_factory.mktemp("hs-e2e"))
    yield box
    box.stop()


@dataclass
class Portal:
    """The sandbox's side of a test: its records as HubSpot holds them."""

    box: HubSpotSandbox

    def control(self, method: str, path: str, **kwargs: Any) -> dict:
        info = self.box.info()
        verify = ssl.create_default_context(cafile=info["ca_bundle"])
        url = f"{info['url']}/__sandbox__/{path}"
        answer = httpx.request(method, url, verify=verify, timeout=60, **kwargs)
        answer.raise_for_status()
        return answer.json() if answer.content else {}

    def reset(self) -> None:
        self.control("POST", "reset")

    def api_calls(self) -> int:
        return int(self.control("GET", "stats")["total"])

    def object_type(self, name: str):
        return self.box.objects.resolve(name)

    def live(self, name: str = "contacts") -> dict[str, dict[str, str]]:
        """id -> properties of every live record of the type."""
        return self._rows(name, archived=False)

    def archived(self, name: str = "contacts") -> dict[str, dict[str, str]]:
        return self._rows(name, archived=True)

    def _rows(self, name: str, archived: bool) -> dict[str, dict[str, str]]:
        with self.box.sqlite.reader() as conn:
            rows = conn.execute(
                "SELECT id, properties FROM records WHERE object_type = ? AND archived = ?",
                (self.object_type(name).name, int(archived)),
            ).fetchall()
        return {str(row[0]): json.loads(row[1]) for row in rows}

    def update(self, name: str, record_id: str, properties: dict[str, str]) -> None:
        self.box.records.update(self.object_type(name), int(record_id), properties)

    def update_many(self, name: str, ids: list[str], make: Any) -> None:
        """Each record's new properties, `make(id)`, in one write transaction."""
        object_type = self.object_type(name)
        with self.box.records.batch():
            for record_id in ids:
                self.box.records.update(object_type, int(record_id), make(record_id))

    def archive(self, name: str, record_id: str) -> None:
        assert self.box.records.archive(self.object_type(name), int(record_id))

    def create(self, name: str, properties: dict[str, str]) -> str:
        return str(self.box.records.create(self.object_type(name), properties)[1])


@pytest.fixture
def hs_portal(hs_box) -> Portal:
    portal = Portal(hs_box)
    portal.reset()
    return portal


def add_account(crmlink, box: HubSpotSandbox, name: str = ACCOUNT, *extra: str) -> None:
    added = crmlink("account", "add", name, "--from-sandbox", str(box.state_dir), *extra)
    assert added.exit_code == 0, added.output


def workflow_file(tmp_path: Path, text: str, name: str = "flow.yaml") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def run_json(crmlink, target: str, *args: str) -> dict:
    """`workflow run TARGET --json`: the run record (the run must succeed)."""
    ran = crmlink("workflow", "run", target, "--json", *args)
    assert ran.exit_code == 0, ran.output
    return json.loads(ran.output)


def activity(record: dict, name: str) -> dict:
    return next(a for a in record["activities"] if a["name"] == name)
