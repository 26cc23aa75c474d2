"""Command-line mistakes click finds (an unknown option, a wrong type, a missing argument,
a number out of range) said as crmlink says every error: one line, `Error: ….`, exit 2,
naming the `--help` to read — never click's boxed, multi-line usage screen.

`OneSentenceGroup` is the root command's class; it runs click in non-standalone mode and
renders what click raises.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import typer
from typer._click import exceptions as click  # typer runs its own copy of click
from typer.core import TyperGroup

from crmlink.cli.common import terminal_safe
from crmlink.errors import clip

MAX_MESSAGE = 300  # click quotes the offending value: a 10 000-character one is cut
MAX_WORD = 60  # …and so is one long word of it (a 5000-digit number), keeping the rest
_LONG_WORD = re.compile(rf"\S{{{MAX_WORD + 1},}}")
MAX_ID = 2**63 - 1  # SQLite's and PostgreSQL's largest integer key


class OneSentenceGroup(TyperGroup):
    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, False, **extra)
        except click.ClickException as exc:
            _exit(usage_sentence(exc), exc.exit_code)
        except click.Abort:
            _exit("aborted; nothing more was done", 1)
        sys.exit(result if isinstance(result, int) else 0)


def _exit(sentence: str, code: int) -> NoReturn:
    typer.echo(f"Error: {terminal_safe(sentence)}", err=True)
    sys.exit(code)


def usage_sentence(exc: click.ClickException) -> str:
    """One line ending in a full stop: click's message, cut if long, and where help is."""
    message = " ".join(_message(exc).split()).rstrip(".")
    message = _LONG_WORD.sub(lambda m: m.group(0)[:MAX_WORD] + "…", message)
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 1] + "…"
    context = getattr(exc, "ctx", None)
    if context is None:
        return message + "."
    return f"{message}; see `{context.command_path} --help`."


def _message(exc: click.ClickException) -> str:
    if isinstance(exc, click.NoSuchOption) and exc.option_name.lstrip("-").isdigit():
        return (
            f"{clip(exc.option_name)} is not an option, and no id or count here is negative: "
            "give a positive number"
        )
    return exc.format_message()
