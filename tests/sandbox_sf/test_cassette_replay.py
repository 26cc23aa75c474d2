"""Replay every recorded CumulusCI and Snowfakery interaction against the sandbox.

Each cassette runs on a freshly reset sandbox loaded with the recorded orgs' describes
(`tests/reference/salesforce/describe/`, the default metadata for the other objects) and
seeded, so the objects the requests name exist. Ids the sandbox hands out replace the
recorded ones in later requests (`replay.IdMap`). Each answer is compared with the
recorded one by status code, JSON (or XML) shape and error codes; at least 98 % must
match. `ManualEdit*` cassettes, which CumulusCI's authors edited by hand (trimmed describes,
a simulated 500, a request body cut short), are replayed and shown but not counted.
`pytest -s` prints the mismatches.
"""

from __future__ import annotations

import json
import shutil

import httpx
import pytest

from crmlink.sandbox.salesforce.app import SalesforceSandbox
from crmlink.sandbox.salesforce.models.describes import METADATA_DIR
from tests.conftest import password_token, tls
from tests.reference import reference_path
from tests.sandbox_sf import replay

REQUIRED = 0.98


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    folder = tmp_path_factory.mktemp("describes")
    for path in METADATA_DIR.glob("*.json"):
        if path.name != "_global.json":
            shutil.copy(path, folder / path.name)
    for path in reference_path("salesforce", "describe").glob("cumulusci_*_describe.json"):
        if "PersonAccount" not in path.name:  # a second Account, of another org
            name = path.name.removeprefix("cumulusci_").removesuffix("_describe.json")
            target = "_global.json" if name == "Global" else f"{name}.json"
            shutil.copy(path, folder / target)
    for name, describe in replay.scaffolds().items():
        (folder / f"{name}.json").write_text(json.dumps(describe), encoding="utf-8")
    started = SalesforceSandbox(
        state_dir=tmp_path_factory.mktemp("sf"), describe_dir=folder, records=60, seed=4
    )
    with started:
        yield started


def content_type(body: str) -> str:
    text = body.lstrip()
    if text.startswith(("{", "[")):
        return "application/json"
    if text.startswith("<"):
        return "application/xml; charset=UTF-8"
    return "text/csv"


def replay_cassette(sandbox, http: httpx.Client, interactions) -> list[tuple[str, list[str]]]:
    """(label, differences) of each interaction, in order."""
    http.post("/__sandbox__/reset").raise_for_status()
    token = password_token(sandbox)["access_token"]
    headers = {"Authorization": f"Bearer {token}", "X-SFDC-Session": token}
    ids, results = replay.IdMap(), []
    org = http.get(
        "/services/data/v62.0/query",
        params={"q": "SELECT Id FROM Organization LIMIT 1"},
        headers=headers,
    )
    ids.ids[replay.ORGANIZATION_ID] = org.json()["records"][0]["Id"]
    for it in interactions:
        http.post("/__sandbox__/clock", params={"advance": 30}).raise_for_status()
        body = ids.apply(it.body)
        sent = dict(headers)
        if body:
            sent["Content-Type"] = content_type(body)
        response = http.request(it.method, ids.apply(it.path), content=body, headers=sent)
        theirs, ours = replay.parse(it.recorded), replay.parse(response.content)
        problems = replay.differences(theirs, ours)
        if response.status_code != it.status:
            problems.insert(0, f"status {it.status} != {response.status_code}")
        ids.learn(theirs, ours)
        results.append((it.label, problems))
    return results


def test_recorded_interactions_match(sandbox):
    results = []
    with httpx.Client(base_url=sandbox.url, verify=tls(sandbox), timeout=60) as http:
        for path in replay.cassette_files():
            results += replay_cassette(sandbox, http, replay.load(path))
    counted = [(label, p) for label, p in results if not label.startswith("ManualEdit")]
    mismatched = [(label, problems) for label, problems in counted if problems]
    matched = len(counted) - len(mismatched)
    print(f"\ncassette replay: {matched}/{len(counted)} recorded interactions match")
    for label, problems in mismatched:
        print(f"  {label}: {'; '.join(problems)[:240]}")
    edited = [(label, p) for label, p in results if label.startswith("ManualEdit")]
    print(f"hand-edited (not counted): {sum(not p for _, p in edited)}/{len(edited)} match")
    for label, problems in edited:
        if problems:
            print(f"  {label}: {'; '.join(problems)[:240]}")
    assert matched / len(counted) >= REQUIRED
