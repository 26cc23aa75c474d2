"""The command line starts light: each command imports what it uses, not what others use.

Checked on the modules a fresh interpreter holds after a command (`sys.modules`), never on
timings (`bench/startup.py` measures those): `crmlink --help` loads no database, HTTP or
web stack, and `crmlink workflow run` of a CRM-less workflow no HTTP client, no alembic
(the database is already migrated) and none of the other subcommands' modules.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer._click import Command
from typer.core import TyperCommand
from typer.main import get_command

from crmlink.cli import CrmlinkGroup, app
from crmlink.cli.lazy import LazyCommands
from crmlink.db.migrate import HEAD, head_revision

# a command's interpreter: run `crmlink ARGS…`, then write the imported module names to $OUT
PROBE = """
import atexit, json, os, sys
atexit.register(lambda: open(os.environ["OUT"], "w").write(json.dumps(sorted(sys.modules))))
sys.argv = ["crmlink", *sys.argv[1:]]
from crmlink.cli import app
app()
"""
NEVER_AT_START = {"sqlalchemy", "alembic", "httpx", "pydantic", "cryptography", "yaml",
                  "fastapi", "starlette", "jinja2", "uvicorn", "msal", "psycopg"}  # fmt: skip
WEB_AND_SANDBOXES = {"fastapi", "starlette", "jinja2", "uvicorn", "crmlink.web"}
SUBCOMMAND_MODULES = {target.partition(":")[0] for target in CrmlinkGroup.subcommands.values()}
STAND_IN = "httpx._main"  # crmlink.cli's empty stand-in for httpx's CLI: not httpx loaded
QUERY_WORKFLOW = "name: q\nactivities:\n  select:\n    type: query\n    table: recipient\n"


def _imported(tmp_path: Path, *args: str) -> set[str]:
    """The modules (and their top-level packages) loaded by `crmlink ARGS…`."""
    out = tmp_path / "modules.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRMLINK_")}
    env |= {"CRMLINK_HOME": str(tmp_path / "home"), "OUT": str(out), "COLUMNS": "100"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    names = set(json.loads(out.read_text())) - {STAND_IN}
    return names | {name.split(".")[0] for name in names}


def _loaded(names: set[str], prefixes: set[str]) -> set[str]:
    return {n for n in names if any(n == p or n.startswith(p + ".") for p in prefixes)}


def test_importing_the_cli_loads_no_subcommand_and_no_heavy_dependency(tmp_path: Path) -> None:
    code = "import json, sys; import crmlink.cli; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    names = set(json.loads(done.stdout)) - {STAND_IN}
    assert not _loaded(names, NEVER_AT_START | {"rich"})
    assert names & SUBCOMMAND_MODULES == {"crmlink.cli"}


def test_help_loads_no_database_http_or_web_stack(tmp_path: Path) -> None:
    names = _imported(tmp_path, "--help")
    assert not _loaded(names, NEVER_AT_START)  # rich is typer's help formatter: allowed
    assert not _loaded(
        names, {"crmlink.db", "crmlink.catalog.accounts", "crmlink.sandbox.core.base"}
    )


def test_a_subcommands_help_loads_only_its_own_module(tmp_path: Path) -> None:
    names = _imported(tmp_path, "workflow", "run", "--help")
    assert names & SUBCOMMAND_MODULES == {"crmlink.cli", "crmlink.cli.workflow"}
    assert not _loaded(names, NEVER_AT_START)


def test_a_crm_less_workflow_run_loads_no_http_client_alembic_or_other_commands(
    tmp_path: Path,
) -> None:
    workflow = tmp_path / "q.yaml"
    workflow.write_text(QUERY_WORKFLOW)
    first = _imported(tmp_path, "workflow", "run", str(workflow), "--json")
    assert "alembic" in first  # the first run creates the catalog
    names = _imported(tmp_path, "workflow", "run", str(workflow), "--json")
    assert "sqlalchemy" in names and "crmlink.workflow.engine" in names  # it did run
    assert not _loaded(names, {"httpx", "alembic", "cryptography", "rich"} | WEB_AND_SANDBOXES)
    assert not _loaded(names, {"crmlink.connectors.salesforce.connector", "crmlink.sandbox"})
    assert names & SUBCOMMAND_MODULES == {"crmlink.cli", "crmlink.cli.workflow"}


@pytest.mark.parametrize("args", [["account", "list", "--json"], ["version"]])
def test_other_commands_load_no_web_or_sandbox(tmp_path: Path, args: list[str]) -> None:
    names = _imported(tmp_path, *args)
    assert not _loaded(names, WEB_AND_SANDBOXES | {"crmlink.sandbox"})


def test_lazy_commands_build_only_what_is_looked_up() -> None:
    built: list[str] = []

    def make(name: str, target: str) -> Command:
        built.append(target)
        return TyperCommand(name)

    commands = LazyCommands({"eager": TyperCommand("eager")}, {"b": "m:b", "a": "m:a"}, make)
    assert list(commands) == ["b", "a", "eager"] and len(commands) == 3 and "a" in commands
    assert built == []
    assert commands["a"].name == "a" and commands.get("a") is commands["a"]
    assert built == ["m:a"]
    assert commands.get("nosuch") is None


def test_the_lazy_root_lists_every_subcommand_in_order_and_each_resolves() -> None:
    group = get_command(app)
    assert isinstance(group, CrmlinkGroup)
    assert list(group.commands) == list(CrmlinkGroup.subcommands)
    for name, command in group.commands.items():
        assert command.name == name
        assert (command.help or "").strip()


def test_the_fast_up_to_date_check_knows_alembics_head() -> None:
    """`migrate.HEAD` (read off the migration file names) lets an up-to-date database open
    without alembic: a migration named against the `NNNN_name.py` rule would break it."""
    assert head_revision() == HEAD


def test_httpx_comes_without_its_command_line_client_in_crmlinks_process() -> None:
    """httpx loads its own CLI (click, rich, pygments) whenever they are installed, as
    they are here: `crmlink` stands an empty module in for it."""
    code = "import json, sys; import crmlink.cli, httpx; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    names = set(json.loads(done.stdout))
    assert "httpx._client" in names
    assert not _loaded(names, {"click", "rich", "pygments"})
    plain = subprocess.run(
        [sys.executable, "-c", "import httpx, sys; print('pygments' in sys.modules)"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert plain.stdout.strip() == "True"  # what the stand-in spares (httpx as shipped)
