"""The `crmlink` command line: each command parses, calls the library, renders.

One module per noun; this one assembles them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crmlink import __version__
from crmlink.cli import account, enum, sandbox, schema, user, web, wizard, worker, workflow
from crmlink.cli.crm_help import labels_help
from crmlink.cli.usage import OneSentenceGroup

app = typer.Typer(
    name="crmlink",
    cls=OneSentenceGroup,  # click's usage errors as one sentence
    help=f"Link a marketing (campaign) database to CRMs: {labels_help()}.",
    no_args_is_help=True,
    add_completion=True,
)
app.add_typer(sandbox.app, name="sandbox")
app.add_typer(account.app, name="account")
app.add_typer(schema.app, name="schema")
app.add_typer(enum.app, name="enum")
app.command("wizard")(wizard.wizard)
app.add_typer(workflow.app, name="workflow")
app.command("worker")(worker.worker)
app.add_typer(user.app, name="user")
app.command("web")(web.web)


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


@app.command()
def version() -> None:
    """Print crmlink's version."""
    typer.echo(__version__)


@app.command()
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
