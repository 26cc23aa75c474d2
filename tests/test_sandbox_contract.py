"""The control contract and the route tables, the same on every sandbox.

`/__sandbox__/reset|seed|faults|stats|clock` behave alike on Salesforce, Dynamics and
HubSpot; every
route of each sandbox's table is reachable and counted by its name; a path no route serves
answers in the CRM's error shape and is counted as `unknown <METHOD> <path shape>`.
"""

from __future__ import annotations

import re
import ssl
from collections import Counter

import httpx
import pytest

from crmlink.sandbox.core.routing import RouteSpec, path_shape
from crmlink.sandbox.dynamics.app import DynamicsSandbox
from crmlink.sandbox.hubspot.app import HubSpotSandbox
from crmlink.sandbox.salesforce.app import SalesforceSandbox
from crmlink.sandbox.salesforce.models.bulk import query_jobs

RECORDS = 10
_PARAM = re.compile(r"{([a-zA-Z_]\w*)(?::\w+)?}")


KINDS = {"salesforce": SalesforceSandbox, "dynamics": DynamicsSandbox, "hubspot": HubSpotSandbox}


@pytest.fixture(params=list(KINDS))
def sandbox(request, tmp_path):
    kind = KINDS[request.param]
    started = kind(state_dir=tmp_path / request.param, records=RECORDS, seed=5)
    started.start()
    yield started
    started.stop()


@pytest.fixture
def sf(tmp_path):
    started = SalesforceSandbox(state_dir=tmp_path / "sf", records=RECORDS, seed=5)
    started.start()
    yield started
    started.stop()


@pytest.fixture
def dv(tmp_path):
    started = DynamicsSandbox(state_dir=tmp_path / "dv", records=RECORDS, seed=5)
    started.start()
    yield started
    started.stop()


def client(sandbox) -> httpx.Client:
    tls = ssl.create_default_context(cafile=str(sandbox.tls.ca_bundle))
    headers = {}
    if isinstance(sandbox, HubSpotSandbox):  # every HubSpot API call needs its token
        headers["Authorization"] = f"Bearer {sandbox.info()['access_token']}"
    return httpx.Client(base_url=sandbox.url, verify=tls, timeout=30, headers=headers)


def contacts(sandbox) -> int:
    if isinstance(sandbox, SalesforceSandbox):
        return sandbox.org.count("Contact")
    if isinstance(sandbox, HubSpotSandbox):
        return sandbox.records.count(sandbox.objects.resolve("contacts"))
    return sandbox.org.count(sandbox.schema.by_set("contacts"))


def dv_headers(sandbox) -> dict:
    info = sandbox.info()
    form = {
        "grant_type": "client_credentials",
        "client_id": info["client_id"],
        "client_secret": info["client_secret"],
        "scope": f"{info['url']}/.default",
    }
    with client(sandbox) as http:
        token = http.post(f"{info['authority']}/oauth2/v2.0/token", data=form).json()
    return {"Authorization": f"Bearer {token['access_token']}", "Accept": "application/json"}


def add_contact(sandbox) -> None:
    if isinstance(sandbox, SalesforceSandbox):
        sandbox.org.insert("Contact", {"LastName": "Added"})
        return
    if isinstance(sandbox, HubSpotSandbox):
        with client(sandbox) as http:
            added = http.post("/crm/v3/objects/contacts", json={"properties": {"lastname": "A"}})
        assert added.status_code == 201
        return
    with client(sandbox) as http:
        response = http.post(
            "/api/data/v9.2/contacts", json={"lastname": "Added"}, headers=dv_headers(sandbox)
        )
    assert response.status_code == 204


# -- the control contract ---------------------------------------------------------------
def test_reset_returns_to_the_seeded_state(sandbox):
    seeded = contacts(sandbox)
    add_contact(sandbox)
    assert contacts(sandbox) == seeded + 1
    with client(sandbox) as http:
        http.post("/__sandbox__/reset").raise_for_status()
    assert contacts(sandbox) == seeded


def test_seed_adds_generated_records(sandbox):
    before = contacts(sandbox)
    with client(sandbox) as http:
        http.post("/__sandbox__/seed", params={"records": 3, "seed": 1}).raise_for_status()
    assert contacts(sandbox) > before


def test_faults_are_read_and_set(sandbox):
    with client(sandbox) as http:
        http.put("/__sandbox__/faults", content="latency=5").raise_for_status()
        assert http.get("/__sandbox__/faults").json()["latency_ms"] == 5


def test_clock_shows_and_advances(sandbox):
    with client(sandbox) as http:
        assert http.get("/__sandbox__/clock").json()["offset_seconds"] == 0
        moved = http.post("/__sandbox__/clock", params={"advance": 3600}).json()
    assert moved["offset_seconds"] == 3600
    assert moved["now"].endswith("Z")


def test_clock_advance_completes_a_bulk_job_without_sleeping(sf, monkeypatch):
    monkeypatch.setattr(query_jobs, "MIN_RUN_SECONDS", 3600)  # real time never gets there
    headers = {"Authorization": f"Bearer {sf.auth.issue_token()}"}
    jobs = "/services/data/v59.0/jobs/query"
    with client(sf) as http:
        body = {"operation": "query", "query": "SELECT Id FROM Contact"}
        job = http.post(jobs, json=body, headers=headers).json()
        assert http.get(f"{jobs}/{job['id']}", headers=headers).json()["state"] == "InProgress"
        http.post("/__sandbox__/clock", params={"advance": 3601}).raise_for_status()
        done = http.get(f"{jobs}/{job['id']}", headers=headers).json()
    assert done["state"] == "JobComplete"
    assert done["numberRecordsProcessed"] == RECORDS


def test_clock_advance_lands_a_late_commit_without_sleeping(dv):
    headers = dv_headers(dv)
    with client(dv) as http:
        http.put("/__sandbox__/faults", content="late_commit=3600").raise_for_status()
        created = http.post("/api/data/v9.2/accounts", json={"name": "Late"}, headers=headers)
        url = created.headers["OData-EntityId"]
        assert http.get(url, headers=headers).status_code == 404
        http.post("/__sandbox__/clock", params={"advance": 3601}).raise_for_status()
        assert http.get(url, headers=headers).json()["name"] == "Late"


def test_stats_count_by_route_name(sandbox):
    path, name = (
        ("/services/data", "GET versions")
        if isinstance(sandbox, SalesforceSandbox)
        else ("/account-info/v3/details", "GET account details")
        if isinstance(sandbox, HubSpotSandbox)
        else ("/common/userrealm/a@b.example", "GET user realm")
    )
    with client(sandbox) as http:
        http.delete("/__sandbox__/stats").raise_for_status()
        http.get(path).raise_for_status()
        http.get(path).raise_for_status()
        stats = http.get("/__sandbox__/stats").json()
    assert stats == {"total": 2, "by_endpoint": {name: 2}}


def test_unknown_path_answers_the_crm_error_and_is_counted(sandbox):
    with client(sandbox) as http:
        http.delete("/__sandbox__/stats").raise_for_status()
        response = http.get("/no/such/003000000000001")
        stats = http.get("/__sandbox__/stats").json()["by_endpoint"]
    assert response.status_code == 404
    if isinstance(sandbox, SalesforceSandbox):
        assert response.json()[0]["errorCode"] == "NOT_FOUND"
    elif isinstance(sandbox, HubSpotSandbox):
        assert response.json()["category"] == "OBJECT_NOT_FOUND"
    else:
        assert response.json()["error"]["code"] == "0x8006088a"
    assert stats == {"unknown GET /no/such/{id}": 1}


# -- the route tables ---------------------------------------------------------------------
def sample_params(sandbox, spec: RouteSpec) -> dict[str, str]:
    version = "59.0" if isinstance(sandbox, SalesforceSandbox) else "v9.2"
    known = {"version": version, "rest": "", "resource": "contacts", "kind": "successfulResults"}
    return {name: known.get(name, "x1") for name, _ in spec.params()}


def fill(path: str, params: dict[str, str]) -> str:
    return _PARAM.sub(lambda m: params[m.group(1)], path)


def test_every_route_is_reachable_and_counted_by_its_name(sandbox):
    expected: Counter[str] = Counter()
    with client(sandbox) as http:
        http.delete("/__sandbox__/stats").raise_for_status()
        for spec in sandbox.routes:
            params = sample_params(sandbox, spec)
            for path in spec.paths():
                method = spec.methods[0]
                http.request(method, fill(path, params))
                expected[f"{method} {spec.name.format(**params)}"] += 1
        stats = http.get("/__sandbox__/stats").json()["by_endpoint"]
    assert stats == dict(expected)


def test_path_shape_folds_versions_and_ids():
    assert path_shape("/services/data/v59.0/x/0035g00000AbCdE") == "/services/data/{version}/x/{id}"
    assert path_shape("/services/async/59.0/job") == "/services/async/{version}/job"
