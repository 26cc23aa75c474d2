"""One sentence instead of a traceback: busy ports and unknown hosts, malformed SQLite URLs,
broken or untrusted CA bundles, a demo run twice on one home."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time

import httpx
import pytest
from typer.testing import CliRunner

from crmlink.cli import app
from crmlink.connectors._http import Retrier, RetryPolicy
from crmlink.errors import UsageError
from crmlink.sandbox.core.tls import ensure_tls
from crmlink.sandbox.dynamics.app import DynamicsSandbox

SQLITE_FORMS = "sqlite:///relative.db or sqlite:////absolute/path.db"
CRMLINK = [sys.executable, "-m", "crmlink.cli"]


@pytest.fixture
def run(tmp_path, monkeypatch):
    """`crmlink ARGS…` in-process on a fresh home (SQLite inside it)."""
    for name in ("CRMLINK_HOME", "CRMLINK_DATABASE_URL", "CRMLINK_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()
    home = tmp_path / "home"

    def invoke(*args: str, env: dict | None = None, input: str | None = None):
        return runner.invoke(
            app, list(args), env={"CRMLINK_HOME": str(home), **(env or {})}, input=input
        )

    return invoke


def one_sentence(result, code: int, sentence: str) -> None:
    output = result.output if hasattr(result, "output") else result.stdout + result.stderr
    returncode = result.exit_code if hasattr(result, "exit_code") else result.returncode
    assert returncode == code, output
    assert "Traceback" not in output
    assert sentence in output


# -- 1. the sandbox's port and host --------------------------------------------------------
@pytest.fixture
def busy_port():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


@pytest.mark.parametrize("crm", ["salesforce", "dynamics"])
def test_sandbox_on_a_busy_port_says_choose_another(crm, busy_port):
    result = subprocess.run(
        [*CRMLINK, "sandbox", crm, "--records", "0", "--port", str(busy_port)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    one_sentence(
        result,
        2,
        f"Error: port {busy_port} on 127.0.0.1 is in use: choose another --port "
        "(or 0 for any free one).",
    )
    assert result.stdout == ""


@pytest.mark.parametrize("crm", ["salesforce", "dynamics"])
def test_sandbox_on_an_unknown_host_says_which_host(crm):
    result = subprocess.run(
        [*CRMLINK, "sandbox", crm, "--records", "0", "--host", "no-such-host.invalid"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    one_sentence(
        result, 2, "the host 'no-such-host.invalid' does not resolve to an address: give --host"
    )


def test_server_thread_start_error_reaches_the_caller(tmp_path):
    sandbox = DynamicsSandbox(state_dir=tmp_path / "dv", records=0)
    sandbox.tls.server_key.write_text("not a key")  # uvicorn fails to load it in its thread
    with pytest.raises(Exception) as caught:
        sandbox.start()
    assert "did not start" not in str(caught.value)  # the thread's own error, not a timeout
    sandbox.close()


# -- 2. malformed SQLite URLs ------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "sentence"),
    [
        ("sqlite://file", "the SQLite URL 'sqlite://file' names a host (file), not a file"),
        ("sqlite:////no/such/dir/x.db", "the folder /no/such/dir of the SQLite URL"),
    ],
)
def test_malformed_sqlite_url_names_the_right_form(run, url, sentence):
    result = run("account", "list", env={"CRMLINK_DATABASE_URL": url})
    one_sentence(result, 2, sentence)
    assert SQLITE_FORMS in result.output


def test_sqlite_url_of_a_folder_names_the_right_form(run, tmp_path):
    result = run("account", "list", env={"CRMLINK_DATABASE_URL": f"sqlite:///{tmp_path}"})
    one_sentence(result, 2, f"names the folder {tmp_path}, not a file: add a file name")
    assert SQLITE_FORMS in result.output


def test_sqlite_file_that_is_not_a_database_is_one_sentence(run, tmp_path):
    (tmp_path / "notes.db").write_text("not a database\n" * 100)
    url = f"sqlite:///{tmp_path / 'notes.db'}"
    result = run("account", "list", env={"CRMLINK_DATABASE_URL": url})
    one_sentence(result, 2, "(file is not a database): check CRMLINK_DATABASE_URL.")


# -- 3. CA bundles ---------------------------------------------------------------------
def add_sf_account(run, info: dict, ca_bundle) -> None:
    secrets = "".join(f"{k}={info[k]}\n" for k in ("password", "security_token", "client_secret"))
    result = run(
        "account", "add", "sfdc", "--type", "salesforce", "--url", info["url"],
        "--auth", "password", "--username", info["username"], "--client-id", info["client_id"],
        "--ca-bundle", str(ca_bundle), "--secrets-stdin", input=secrets,
    )  # fmt: skip
    assert result.exit_code == 0, result.output


@pytest.fixture
def sf_account(run, sf_sandbox, tmp_path):
    """Account 'sfdc' on the shared sandbox, trusting a copy of its CA (the test breaks it)."""
    ca = tmp_path / "ca.pem"
    shutil.copy(sf_sandbox.info()["ca_bundle"], ca)
    add_sf_account(run, sf_sandbox.info(), ca)
    return ca


FIX = "fix it with `crmlink account edit sfdc --ca-bundle FILE`."


def test_account_test_with_a_deleted_ca_bundle(run, sf_account):
    sf_account.unlink()
    result = run("account", "test", "sfdc")
    one_sentence(result, 2, f"the CA bundle {sf_account} of account 'sfdc' does not exist: {FIX}")


@pytest.mark.parametrize("content", ["garbage\n", ""], ids=["garbage", "empty"])
def test_account_test_with_a_ca_bundle_that_is_not_pem(run, sf_account, content):
    sf_account.write_text(content)
    result = run("account", "test", "sfdc")
    one_sentence(
        result,
        2,
        f"the CA bundle {sf_account} of account 'sfdc' is not a PEM file of certificates: {FIX}",
    )


WORKFLOW = """\
name: broken-ca
activities:
  import:
    type: crm
    operation: import
    account: sfdc
    object: Contact
    fields: [Id, Email]
"""


def test_workflow_run_with_a_deleted_ca_bundle(run, sf_account, tmp_path):
    (tmp_path / "wf.yaml").write_text(WORKFLOW)
    sf_account.unlink()
    result = run("workflow", "run", str(tmp_path / "wf.yaml"))
    one_sentence(result, 2, f"the CA bundle {sf_account} of account 'sfdc' does not exist: {FIX}")


@pytest.mark.parametrize(
    "content",
    ["garbage\n", "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"],
    ids=["garbage", "pem-header-only"],
)
def test_account_add_refuses_a_ca_bundle_that_is_not_pem(run, tmp_path, content):
    (tmp_path / "ca.pem").write_text(content)
    result = run(
        "account", "add", "sfdc", "--type", "salesforce", "--url", "https://127.0.0.1:1",
        "--auth", "client-credentials", "--client-id", "x", "--ca-bundle", str(tmp_path / "ca.pem"),
        "--secrets-stdin", input="client_secret=s\n",
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert f"--ca-bundle {tmp_path / 'ca.pem'}" in result.output
    assert run("account", "list", "--json").output.strip() == "[]"


@pytest.fixture
def other_ca(tmp_path):
    """A valid CA bundle, but not the one that signed the sandbox's certificate."""
    return ensure_tls(tmp_path / "other-tls").ca_bundle


def test_untrusted_certificate_fails_at_once_naming_ca_bundle(run, sf_sandbox, other_ca):
    add_sf_account(run, sf_sandbox.info(), other_ca)
    started = time.monotonic()
    result = run("account", "test", "sfdc")
    one_sentence(result, 2, "the TLS certificate of Salesforce could not be verified")
    assert "`crmlink account edit sfdc --ca-bundle FILE`" in result.output
    assert time.monotonic() - started < 3  # retries would sleep ≥ 3.75 s in all


def test_untrusted_certificate_is_not_retried(sf_sandbox, other_ca):
    import ssl

    sleeps: list[float] = []
    calls = []
    retrier = Retrier("Salesforce", "sfdc", RetryPolicy(attempts=5), sleeps.append)
    with httpx.Client(verify=ssl.create_default_context(cafile=str(other_ca))) as client:

        def call():
            calls.append(1)
            return client.get(f"{sf_sandbox.url}/services/data/")

        with pytest.raises(UsageError, match="--ca-bundle"):
            retrier.run(call, idempotent=True)
    assert (len(calls), sleeps) == (1, [])


@pytest.fixture(scope="module")
def dv_box(tmp_path_factory):
    sandbox = DynamicsSandbox(state_dir=tmp_path_factory.mktemp("dv-ca"), records=5, seed=1)
    sandbox.start()
    yield sandbox
    sandbox.stop()


def test_dynamics_untrusted_certificate_names_ca_bundle(run, dv_box, other_ca):
    info = dv_box.info()
    result = run(
        "account", "add", "dyn", "--type", "dynamics", "--url", info["url"],
        "--auth", "client-secret", "--tenant-id", info["tenant_id"],
        "--client-id", info["client_id"], "--ca-bundle", str(other_ca), "--secrets-stdin",
        input=f"client_secret={info['client_secret']}\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    result = run("account", "test", "dyn")
    one_sentence(result, 2, "could not be verified")
    assert "`crmlink account edit dyn --ca-bundle FILE`" in result.output


# -- 4. the demo, twice on one home ----------------------------------------------------------
@pytest.mark.slow
def test_demo_runs_twice_on_the_same_home(run, tmp_path):
    home = tmp_path / "demo-home"
    first = run("demo", "--records", "20", "--home", str(home))
    assert first.exit_code == 0, first.output
    second = run("demo", "--records", "20", "--home", str(home))
    assert second.exit_code == 0, second.output
    assert "Traceback" not in second.output
    assert "16 steps in" in second.output


def test_demo_refuses_a_home_with_other_accounts(run, tmp_path):
    home = tmp_path / "not-a-demo"
    added = run(
        "account", "add", "prod", "--type", "salesforce", "--url", "https://acme.example",
        "--auth", "client-credentials", "--client-id", "x", "--home", str(home),
        "--secrets-stdin", input="client_secret=s\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    result = run("demo", "--records", "10", "--home", str(home))
    one_sentence(result, 2, f"{home} is not a demo home: it holds the accounts 'prod'")
    listed = json.loads(run("account", "list", "--json", "--home", str(home)).output)
    assert [a["name"] for a in listed] == ["prod"]
