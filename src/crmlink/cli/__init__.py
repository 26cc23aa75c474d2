"""The `crmlink` command line: each command parses, calls the library, renders.

One module per noun; this one assembles them. A subcommand's module is imported only when
that subcommand runs (or `--help` lists it: `cli/lazy.py`), and imports its heavy
dependencies (SQLAlchemy, httpx, rich, the sandboxes…) inside the functions that run, so
`crmlink --help` and `crmlink workflow run` start in a fraction of a second
(`bench/startup.py`; `tests/test_startup_imports.py` guards it).
"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Annotated

import typer

from crmlink import __version__
from crmlink.cli.crm_help import labels_help
from crmlink.cli.lazy import LazyGroup
from crmlink.cli.usage import OneSentenceGroup


def _without_httpx_command_line() -> None:
    """httpx imports its own command-line client (`httpx._main`: click, rich, pygments,
    about 50 ms of every start) whenever those happen to be installed. The `crmlink`
    command never runs it, so an empty module stands in for it, registered before
    anything imports httpx (only in this process: importing crmlink as a library
    leaves httpx as it is)."""
    if "httpx" in sys.modules:
        return
    stand_in = types.ModuleType("httpx._main")

    def main() -> None:
        raise SystemExit("httpx's command line is not loaded in crmlink's process")

    stand_in.main = main  # type: ignore[attr-defined]
    sys.modules.setdefault("httpx._main", stand_in)


_without_httpx_command_line()


class CrmlinkGroup(LazyGroup, OneSentenceGroup):
    """The root: click's usage errors as one sentence, subcommands imported on use."""

    subcommands = {  # in the order `crmlink --help` lists them
        "wizard": "crmlink.cli.wizard:wizard",
        "worker": "crmlink.cli.worker:worker",
        "web": "crmlink.cli.web:web",
        "version": "crmlink.cli:version",
        "demo": "crmlink.cli:demo",
        "sandbox": "crmlink.cli.sandbox:app",
        "account": "crmlink.cli.account:app",
        "schema": "crmlink.cli.schema:app",
        "enum": "crmlink.cli.enum:app",
        "workflow": "crmlink.cli.workflow:app",
        "user": "crmlink.cli.user:app",
    }


app = typer.Typer(
    name="crmlink",
    cls=CrmlinkGroup,
    help=f"Link a marketing (campaign) database to CRMs: {labels_help()}.",
    no_args_is_help=True,
    add_completion=True,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print crmlink's version and exit.",
        ),
    ] = False,
) -> None:
    """Link a marketing (campaign) database to CRMs (the registry's: `--help` names them)."""


def version() -> None:
    """Print crmlink's version."""
    typer.echo(__version__)


def demo(
    records: Annotated[
        int, typer.Option(min=10, max=1_000_000, help="Contacts seeded in the sandbox.")
    ] = 2000,
    home: Annotated[
        Path | None, typer.Option(help="Keep the demo's home here (default: a throwaway one).")
    ] = None,
) -> None:
    """Run the whole journey against the built-in sandbox CRMs (no account needed).

    Account, wizard, enumerations, import, export with ids written back, incremental
    re-import, deletions — each step's rows, rejects, API calls and seconds.
    """
    from crmlink.cli.common import cli_errors
    from crmlink.demo import run_demo

    with cli_errors():
        run_demo(records, home)


__all__ = ["app"]
