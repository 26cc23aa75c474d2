"""Fixtures of the third-party tool tests: the tools' venvs (built in parallel once per
session, cached between runs), the login proxy and a runner for driver scripts."""

from __future__ import annotations

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from crmlink.sandbox.salesforce.app import SalesforceSandbox
from tests.conftest import SF_RECORDS, _close_sessions
from tests.thirdparty.login_proxy import LoginProxy
from tests.thirdparty.venvs import TOOLS, Venv, VenvUnavailable, driver, ensure


@pytest.fixture(scope="session")
def tool_venvs() -> dict[str, Venv | VenvUnavailable]:
    """Every tool's venv, built side by side (uv spends most of its time waiting on I/O)."""

    def build(tool: str) -> Venv | VenvUnavailable:
        try:
            return ensure(tool)
        except VenvUnavailable as exc:
            return exc

    with ThreadPoolExecutor(max_workers=len(TOOLS)) as pool:
        return dict(zip(TOOLS, pool.map(build, TOOLS), strict=True))


def venv_of(tool_venvs: dict, tool: str) -> Venv:
    found = tool_venvs[tool]
    if isinstance(found, VenvUnavailable):
        pytest.fail(str(found), pytrace=False)
    return found


@pytest.fixture(scope="session")
def sf_sandbox(tmp_path_factory):
    """The tools' own org, not the suite's shared one: other tests move that one's clock,
    stamping records ahead of real time, which a tool's incremental read by the real clock
    rightly leaves for later."""
    sandbox = SalesforceSandbox(
        state_dir=tmp_path_factory.mktemp("sf-thirdparty"), records=SF_RECORDS, seed=7
    )
    sandbox.start()
    yield sandbox
    _close_sessions(sandbox)
    sandbox.stop()


@pytest.fixture(scope="session")
def login_proxy(sf_sandbox, tmp_path_factory):
    info = sf_sandbox.info()
    proxy = LoginProxy(info["url"], Path(info["ca_bundle"]), tmp_path_factory.mktemp("login"))
    proxy.start()
    yield proxy
    proxy.stop()


def tool_env(venv: Venv, home: Path, ca_bundle: Path | str, **extra: str) -> dict[str, str]:
    """A clean environment: the venv first on PATH, a private HOME, the CA bundle given the
    ways requests, urllib3, httpx and aiohttp read it, nothing of the test process's own."""
    home.mkdir(parents=True, exist_ok=True)
    return {
        "PATH": f"{venv.path / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "REQUESTS_CA_BUNDLE": str(ca_bundle),
        "SSL_CERT_FILE": str(ca_bundle),
        "NO_PROXY": "127.0.0.1,localhost",
        **extra,
    }


def run(command: list[str], env: dict[str, str], cwd: Path, timeout: int = 240) -> str:
    """Run a tool; a non-zero exit fails the test with the tail of what it printed."""
    done = subprocess.run(
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        tail = "\n".join((done.stdout + "\n" + done.stderr).strip().splitlines()[-40:])
        pytest.fail(f"{Path(command[0]).name} exited {done.returncode}:\n{tail}", pytrace=False)
    return done.stdout


def run_driver(venv: Venv, script: str, args: dict, env: dict[str, str], cwd: Path):
    """A driver script in the tool's venv: arguments as JSON in, one JSON document out."""
    out = run([str(venv.python), driver(script), json.dumps(args)], env, cwd)
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def dv_sandbox(tmp_path_factory):
    """A Dataverse sandbox for the Dataverse clients (tests/dynamics has its own)."""
    from crmlink.sandbox.dynamics.app import DynamicsSandbox

    sandbox = DynamicsSandbox(state_dir=tmp_path_factory.mktemp("dv-tools"), records=300, seed=7)
    sandbox.start()
    yield sandbox
    sandbox.stop()


def dv_rows(sandbox, sql: str, params: tuple = ()) -> list[tuple]:
    """Rows straight from the Dataverse sandbox's own store (what the clients must match)."""
    with sandbox.org.read() as conn:
        return conn.execute(sql, params).fetchall()


def dv_args(sandbox) -> dict[str, str]:
    info = sandbox.info()
    return {k: info[k] for k in ("url", "authority", "tenant_id", "client_id", "client_secret")}


def sf_count_with_deleted(sandbox, name: str) -> int:
    """Live and recycle-bin records of an object in the Salesforce sandbox's store: what a
    queryAll-based tool (airbyte, tap-salesforce) reads; its live ones are `org.count`."""
    obj = sandbox.org.object(name)
    with sandbox.store.lock:
        return sandbox.store.conn.execute(f'SELECT COUNT(*) FROM "{obj.table}"').fetchone()[0]


def live(records: list[dict]) -> list[dict]:
    return [r for r in records if not r.get("IsDeleted")]
