"""A sandbox's life as a process: SIGTERM cleans up, a state folder keeps its port,
`sandbox wait` and `account add --from-sandbox` read the ready file."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmlink.cli import app

CRMLINK = [sys.executable, "-m", "crmlink.cli"]


@contextmanager
def sandbox(crm: str, *args: str) -> Iterator[subprocess.Popen]:
    """`crmlink sandbox CRM ARGS…` as a process; stopped with SIGTERM at the end."""
    process = subprocess.Popen(
        [*CRMLINK, "sandbox", crm, "--records", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        process.stdout.close()
        process.stderr.close()


def ready(process: subprocess.Popen) -> dict:
    line = process.stdout.readline()
    assert line, process.stderr.read()
    return json.loads(line)


def stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=30)


def port_of(info: dict) -> int:
    return int(info["url"].rsplit(":", 1)[1])


@pytest.fixture
def run(tmp_path, monkeypatch):
    for name in ("CRMLINK_HOME", "CRMLINK_DATABASE_URL", "CRMLINK_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()
    home = tmp_path / "home"

    def invoke(*args: str):
        return runner.invoke(app, list(args), env={"CRMLINK_HOME": str(home)}, input="")

    return invoke


# -- SIGTERM ------------------------------------------------------------------------------
@pytest.mark.parametrize("crm", ["salesforce", "dynamics"])
def test_sigterm_removes_the_temporary_folder_and_exits_0(crm):
    with sandbox(crm) as process:
        folder = Path(ready(process)["ca_bundle"]).parent.parent
        assert folder.is_dir()
        assert stop(process) == 0
    assert not folder.exists()


# -- the port kept in the state folder --------------------------------------------------------
def test_restart_on_a_state_dir_keeps_its_port(tmp_path):
    with sandbox("salesforce", "--state-dir", str(tmp_path)) as first:
        port = port_of(ready(first))
        assert stop(first) == 0
    with sandbox("salesforce", "--state-dir", str(tmp_path)) as second:
        assert port_of(ready(second)) == port


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_restart_with_port_given_uses_that_port(tmp_path):
    with sandbox("dynamics", "--state-dir", str(tmp_path)) as first:
        ready(first)
    wanted = free_port()
    with sandbox("dynamics", "--state-dir", str(tmp_path), "--port", str(wanted)) as second:
        assert port_of(ready(second)) == wanted


def test_restart_when_the_kept_port_is_busy_names_it(tmp_path):
    with sandbox("salesforce", "--state-dir", str(tmp_path)) as first:
        port = port_of(ready(first))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        result = subprocess.run(
            [*CRMLINK, "sandbox", "salesforce", "--records", "0", "--state-dir", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert (
        f"Error: port {port} on 127.0.0.1 (kept from the last start in {tmp_path}) is in use: "
        "choose another --port (or 0 for any free one)." in result.stderr
    )


# -- the ready file and `sandbox wait` ----------------------------------------------------------
def test_ready_file_is_private_and_goes_when_the_sandbox_stops(tmp_path):
    with sandbox("salesforce", "--state-dir", str(tmp_path)) as process:
        info = ready(process)
        path = tmp_path / "ready.json"
        assert json.loads(path.read_text()) == info
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stop(process) == 0
    assert not path.exists()


@pytest.mark.parametrize("crm", ["salesforce", "dynamics"])
def test_sandbox_wait_prints_the_ready_line_once_it_serves(crm, tmp_path):
    with sandbox(crm, "--state-dir", str(tmp_path)) as process:
        waited = subprocess.run(
            [*CRMLINK, "sandbox", "wait", str(tmp_path), "--timeout", "60"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert waited.returncode == 0, waited.stderr
        assert json.loads(waited.stdout) == ready(process)


def test_sandbox_wait_times_out_with_one_sentence(run, tmp_path):
    result = run("sandbox", "wait", str(tmp_path), "--timeout", "0.3")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"Error: no sandbox became ready in {tmp_path} within 0.3 s" in result.output


def test_sandbox_wait_ignores_a_stale_ready_file(run, tmp_path):
    with sandbox("salesforce", "--state-dir", str(tmp_path)) as process:
        info = ready(process)
        os.kill(process.pid, signal.SIGKILL)  # no clean-up: ready.json stays behind
        process.wait(timeout=30)
    assert (tmp_path / "ready.json").exists()
    result = run("sandbox", "wait", str(tmp_path), "--timeout", "0.5")
    assert result.exit_code == 1
    assert f"the sandbox of {tmp_path} ({info['url']}) did not answer within 0.5 s" in (
        result.output
    )


# -- account add --from-sandbox -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("crm", "auth", "described"),
    [
        ("salesforce", None, "(salesforce, password)"),
        ("salesforce", "jwt", "(salesforce, jwt)"),
        ("dynamics", None, "(dynamics, client-secret)"),
    ],
)
def test_account_add_from_sandbox_then_test_logs_in(run, tmp_path, crm, auth, described):
    state = tmp_path / "box"
    with sandbox(crm, "--state-dir", str(state)) as process:
        # started before the sandbox is ready: --from-sandbox waits for it
        added = run("account", "add", "box", "--from-sandbox", str(state),
                    *(["--auth", auth] if auth else []))  # fmt: skip
        assert added.exit_code == 0, added.output
        assert f"Added account 'box' {described}" in added.output
        info = ready(process)
        tested = run("account", "test", "box")
        assert tested.exit_code == 0, tested.output
        assert f"Account 'box': connected to {info['url']}." in tested.output
        shown = json.loads(run("account", "show", "box", "--json").output)
        assert shown["ca_bundle"] == info["ca_bundle"]


def test_account_add_from_sandbox_of_another_type_is_refused(run, tmp_path):
    with sandbox("dynamics", "--state-dir", str(tmp_path)) as process:
        ready(process)
        result = run(
            "account", "add", "box", "--from-sandbox", str(tmp_path), "--type", "salesforce"
        )
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert f"--from-sandbox {tmp_path} is a dynamics sandbox, not --type salesforce" in (
        result.output
    )


def test_account_add_without_type_url_auth_or_sandbox_says_what_is_missing(run):
    result = run("account", "add", "box")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "account add needs --type, --url, --auth: give them, or --from-sandbox DIR" in (
        result.output
    )
