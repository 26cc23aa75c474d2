"""`crmlink --version` and shell completion (typer's, through the installed console script)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from crmlink import __version__
from crmlink.cli import app

CRMLINK = Path(sys.executable).with_name("crmlink")  # the console script in the venv


def test_version_option_prints_the_version():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{__version__}\n"


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CRMLINK), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_show_completion_prints_a_bash_script_for_crmlink():
    env = {"SHELL": "/bin/bash", "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    result = _run(env, "--show-completion", "bash")
    assert result.returncode == 0, result.stderr
    assert "complete -o default -F _crmlink_completion crmlink" in result.stdout
    assert "_CRMLINK_COMPLETE=complete_bash" in result.stdout


def test_completing_acc_offers_account():
    env = {"_CRMLINK_COMPLETE": "complete_bash", "COMP_WORDS": "crmlink acc", "COMP_CWORD": "1"}
    result = _run(env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["account"]
