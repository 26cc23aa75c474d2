"""`crmlink web`: loopback by default, a warning when exposed without TLS, TLS with
--certfile/--keyfile (served by uvicorn, cookies Secure)."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys

import httpx
import pytest

from crmlink.sandbox.core.tls import ensure_tls
from tests.web.serving import free_port, wait_listening


@pytest.fixture
def served(monkeypatch):
    """uvicorn.run replaced: the keyword arguments `crmlink web` gave it."""
    import uvicorn

    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    return calls


def test_loopback_by_default_without_warning(crmlink, served):
    result = crmlink("web")
    assert result.exit_code == 0, result.output
    assert served[0]["host"] == "127.0.0.1"
    assert "Warning" not in result.output
    assert "serving http://127.0.0.1:8400/" in result.output
    assert "No users yet: add one with `crmlink user add NAME --role admin`." in result.output


def test_exposed_without_tls_warns(crmlink, served):
    result = crmlink("web", "--host", "0.0.0.0", "--port", "8500")
    assert result.exit_code == 0, result.output
    assert (served[0]["host"], served[0]["port"]) == ("0.0.0.0", 8500)
    assert "Warning: serving plain HTTP on 0.0.0.0" in result.output


def test_exposed_with_tls_does_not_warn(crmlink, served, tmp_path):
    tls = ensure_tls(tmp_path / "tls")
    result = crmlink("web", "--host", "0.0.0.0", "--certfile", str(tls.server_cert),
                     "--keyfile", str(tls.server_key))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Warning" not in result.output
    assert served[0]["ssl_certfile"] == str(tls.server_cert)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--certfile", "cert.pem"), "give --certfile and --keyfile together"),
        (("--certfile", "nope.pem", "--keyfile", "nope.key"), "--certfile nope.pem is not a file"),
    ],
)
def test_bad_tls_options_are_one_sentence(crmlink, served, args, said):
    result = crmlink("web", *args)
    assert result.exit_code == 2
    assert said in result.output
    assert served == []


def test_served_over_tls_with_secure_cookies(crmlink_home, database_url, tmp_path):
    tls = ensure_tls(tmp_path / "tls")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRMLINK_")}
    env |= {"CRMLINK_HOME": str(crmlink_home), "CRMLINK_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "crmlink.cli", "web", "--port", str(port),
               "--certfile", str(tls.server_cert), "--keyfile", str(tls.server_key)]  # fmt: skip
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        wait_listening(port, process)
        verify = ssl.create_default_context(cafile=str(tls.ca_bundle))
        with httpx.Client(base_url=f"https://127.0.0.1:{port}", verify=verify) as client:
            answer = client.get("/sign-in")
    finally:
        process.terminate()
        process.wait(timeout=15)
        process.stderr.close()
    assert answer.status_code == 200
    assert "secure" in answer.headers["set-cookie"].lower()
