"""Every command's `--help`: a help text, and no raw type hints (`<str>`, `{name}`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import typer
from typer.testing import CliRunner

from crmlink.cli import app

RAW_HINTS = ("<str>", "<int>", "<bool>", "<path>", "<list[")


def _commands(command, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], object]]:
    """The command and, recursively, its sub-commands (typer may vendor click: duck-typed)."""
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(typer.main.get_command(app)))


def test_the_walk_reaches_nested_commands():
    paths = {" ".join(path) for path, _ in COMMANDS}
    assert {"account add", "workflow cursor show", "sandbox salesforce"} <= paths


@pytest.mark.parametrize(
    "path, command", COMMANDS, ids=[" ".join(p) or "crmlink" for p, _ in COMMANDS]
)
def test_help_has_a_text_and_no_raw_type_hints(path, command):
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert command.help, f"`crmlink {' '.join(path)}` has no help text"
    arguments = [p.name for p in command.params if p.param_type_name == "argument"]
    raw = [hint for hint in RAW_HINTS if hint in result.output]
    raw += ["{" + name + "}" for name in arguments if "{" + name + "}" in result.output]
    assert not raw, f"`crmlink {' '.join(path)} --help` shows {raw}"
