"""The command line: the sandbox ready line, bad input, help on every command, the demo."""

from __future__ import annotations

import json
import re
import ssl
import subprocess
import sys

import httpx
import pytest
from typer.main import get_command
from typer.testing import CliRunner

from crmlink.cli import app

runner = CliRunner()
READY_KEYS = {
    "url", "ca_bundle", "username", "password", "security_token", "client_id",
    "client_secret", "private_key", "certificate",
}  # fmt: skip


def test_sandbox_prints_one_ready_line_and_serves(tmp_path):
    command = [sys.executable, "-m", "crmlink.cli", "sandbox", "salesforce", "--records", "10"]
    command += ["--state-dir", str(tmp_path), "--seed", "1"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(process.stdout.readline())
        assert set(info) >= READY_KEYS
        assert info["url"].startswith("https://127.0.0.1:")
        verify = ssl.create_default_context(cafile=info["ca_bundle"])
        versions = httpx.get(f"{info['url']}/services/data/", verify=verify)
        assert versions.status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--faults", "503=7"], "fault 'error_503': Input should be less than or equal to 1"),
        (["--describe-dir", "/nonexistent"], "--describe-dir /nonexistent is not a folder"),
    ],
)
def test_sandbox_bad_input_exits_2_with_one_sentence(args, message, tmp_path):
    result = runner.invoke(app, ["sandbox", "salesforce", "--state-dir", str(tmp_path), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_empty_describe_dir_is_refused(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(
        app, ["sandbox", "salesforce", "--describe-dir", str(empty), "--state-dir", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "no describe JSON files found" in result.output


def _commands(group, prefix: tuple[str, ...] = ()):
    # typer carries its own copy of click: a group is what has sub-commands
    for name, command in group.commands.items():
        yield (*prefix, name), command
        if hasattr(command, "commands"):
            yield from _commands(command, (*prefix, name))


@pytest.mark.parametrize("path", [p for p, _ in _commands(get_command(app))], ids=" ".join)
def test_every_command_has_help(path):
    command = dict(_commands(get_command(app)))[path]
    assert (command.help or "").strip(), f"crmlink {' '.join(path)} has no help text"
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0


def test_demo_runs_the_whole_journey(tmp_path):
    from crmlink.demo import run_demo

    steps = {s.name: s for s in run_demo(records=300, home=tmp_path / "home")}
    assert steps["import contacts"].rows == 300
    assert steps["export leads"].result.startswith("recipients 21, export 20 (1 rejected)")
    reimported = int(re.match(r"import (\d+),", steps["re-import (10 changed)"].result).group(1))
    assert 10 <= reimported < 20  # the 10 changed, and the overlap's boundary row: not all 300
    assert steps["import deletions (5)"].rows == 5
    assert steps["delete leads"].rows == 20
    assert steps["dynamics import"].rows == 75  # records // 4 contacts, through the same engine
    assert all(s.api_calls > 0 for s in steps.values())


def test_demo_command_prints_the_summary():
    result = runner.invoke(app, ["demo", "--records", "100"])
    assert result.exit_code == 0, result.output
    assert "crmlink demo" in result.output and "import deletions (5)" in result.output
    assert "The demo's home was temporary" in result.output
