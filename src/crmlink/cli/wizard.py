"""`crmlink wizard ACCOUNT`: CRM tables → data schemas and local tables."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from crmlink.cli.common import HomeOpt, JsonOpt, cli_errors, console, print_json, print_table
from crmlink.errors import UsageError

if TYPE_CHECKING:  # the wizard and the connectors are imported by the command that runs
    from crmlink.model import TableSummary
    from crmlink.wizard.run import TableOutcome

AccountArg = Annotated[str, typer.Argument(help="The external account to read tables from.")]


@cli_errors()
def wizard(
    account: AccountArg,
    list_: Annotated[bool, typer.Option("--list", help="Only list the CRM's tables.")] = False,
    tables: Annotated[
        str | None,
        typer.Option("--tables", help="Comma-separated API names, e.g. Contact,Account."),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every queryable table.")] = False,
    home: HomeOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Generate (or migrate) a data schema and a local table per chosen CRM table.

    Re-running it after the CRM changed adds new columns, retires removed ones (their
    data is kept) and widens retyped ones. A table that fails is reported; the others go on.
    """
    from crmlink.cli.connecting import account_connector
    from crmlink.wizard.run import run_wizard

    with account_connector(home, account) as (database, connector):
        available = connector.list_tables()
        if list_:
            _print_tables(available, json_)
            return
        chosen = _choose(available, tables, all_)
        say = _progress(json_)
        outcomes = run_wizard(database.engine, connector, account, chosen, say)
    _report(outcomes, json_)
    if any(o.status == "failed" for o in outcomes):
        raise typer.Exit(1)


def _print_tables(available: list[TableSummary], json_: bool) -> None:
    rows = [{"name": t.name, "label": t.label, "custom": t.custom} for t in available]
    if json_:
        print_json(rows)
    else:
        print_table(
            ["label", "API name", "custom"], [(r["label"], r["name"], r["custom"]) for r in rows]
        )


def _choose(available: list[TableSummary], tables: str | None, all_: bool) -> list[str]:
    names = {t.name.lower(): t.name for t in available}
    if tables:
        chosen = [t.strip() for t in tables.split(",") if t.strip()]
        unknown = [t for t in chosen if t.lower() not in names]
        if unknown:
            raise _unknown_tables(unknown, list(names.values()))
        return [names[t.lower()] for t in chosen]
    if all_:
        return [t.name for t in available if t.queryable]
    if on_terminal():
        return _pick(available)
    raise UsageError("choose tables with --tables Contact,Account or --all (or run on a terminal)")


def on_terminal() -> bool:
    """Whether a person can answer the picker (stdin is a terminal)."""
    return sys.stdin.isatty()


def _unknown_tables(unknown: list[str], names: list[str]) -> UsageError:
    from difflib import get_close_matches

    hints = []
    for name in unknown:
        close = get_close_matches(name, names, n=3)
        hints.append(f"{name!r}" + (f" (did you mean {', '.join(close)}?)" if close else ""))
    return UsageError(
        f"the CRM has no table {', '.join(hints)}; see `crmlink wizard ACCOUNT --list`"
    )


def _pick(available: list[TableSummary]) -> list[str]:
    """The interactive picker: numbers or API names, comma-separated."""
    for number, table in enumerate(available, 1):
        typer.echo(f"{number:>4}  {table.name}  ({table.label})")
    answer = typer.prompt("Tables to generate (numbers or API names, comma-separated)")
    by_name = {t.name.lower(): t.name for t in available}
    chosen = []
    for part in (p.strip() for p in answer.split(",") if p.strip()):
        if part.isdigit() and 1 <= int(part) <= len(available):
            chosen.append(available[int(part) - 1].name)
        elif part.lower() in by_name:
            chosen.append(by_name[part.lower()])
        else:
            raise _unknown_tables([part], list(by_name.values()))
    return chosen


def _progress(json_: bool) -> Callable[[str], None]:
    if json_:
        return lambda message: None
    out = console()
    return lambda message: out.print(f"[dim]{message}[/]")


def _report(outcomes: list[TableOutcome], json_: bool) -> None:
    if json_:
        print_json([o.as_dict() for o in outcomes])
        return
    rows = [
        (o.table, o.status, o.schema, o.local_table, o.columns, len(o.not_stored), o.error)
        for o in outcomes
    ]
    print_table(
        ["table", "status", "schema", "local table", "columns", "not stored", "error"], rows
    )
    for outcome in outcomes:
        for change in outcome.changes:
            typer.echo(f"  {outcome.table}: {change.describe()}")
        for item in outcome.not_stored:
            typer.echo(f"  {outcome.table}.{item.name} not stored: {item.reason}")
        for note in outcome.notes:
            typer.echo(f"  {outcome.table}.{note}")
