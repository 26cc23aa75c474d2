"""A SQLite database another process keeps locked: one sentence, exit 1, no traceback,
and a workflow activity that hits it records the same sentence, not a raw error."""

from __future__ import annotations

import sqlite3

from typer.testing import CliRunner

from crmlink.cli import app
from crmlink.db import engine as db_engine

SECRETS = "client_secret=s3cret\n"


def test_a_write_that_waits_past_the_busy_timeout_is_one_sentence(tmp_path, monkeypatch):
    monkeypatch.setattr(db_engine, "SQLITE_BUSY_MS", 300)
    home = tmp_path / "home"
    env = {"CRMLINK_HOME": str(home)}
    runner = CliRunner()
    assert runner.invoke(app, ["account", "list"], env=env).exit_code == 0  # migrated

    holder = sqlite3.connect(home / "crmlink.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's long write transaction
    try:
        result = runner.invoke(
            app,
            ["account", "add", "sf", "--type", "salesforce", "--url", "https://x.example",
             "--auth", "client-credentials", "--client-id", "c", "--secrets-stdin"],
            input=SECRETS, env=env,
        )  # fmt: skip
        reading = runner.invoke(app, ["account", "list"], env=env)
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.output.startswith("Error: the campaign database is busy: another crmlink")
    assert "nothing was changed" in result.output
    assert reading.exit_code == 0, reading.output  # readers never wait for a writer


def test_a_missing_package_is_one_sentence_naming_it(capsys):
    import pytest
    import typer

    from crmlink.cli.common import cli_errors

    with pytest.raises(typer.Exit) as stopped, cli_errors():
        raise ModuleNotFoundError("No module named 'msal'", name="msal")
    assert stopped.value.exit_code == 1
    said = capsys.readouterr().err
    assert said.startswith("Error: crmlink needs the Python package 'msal', which is not installed")
    assert "`pip install msal`" in said
