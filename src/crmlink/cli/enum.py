"""`crmlink enum sync|list|show`: CRM picklists → campaign enumerations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from crmlink.cli.common import (
    HomeOpt,
    JsonOpt,
    cli_errors,
    open_catalog,
    print_fields,
    print_json,
    print_table,
)

if TYPE_CHECKING:  # the catalog and the connectors are imported by the commands that run
    from crmlink.wizard.enums import Picklist

app = typer.Typer(
    help="Enumerations: value lists, synced from CRM picklists.", no_args_is_help=True
)


@app.command("sync")
@cli_errors()
def sync(
    account: Annotated[str, typer.Argument(help="The external account whose picklists to sync.")],
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="PICKLIST=ENUMERATION[:replace], e.g. Contact_LeadSource=leadSource:replace "
            "(repeatable). Without :replace the CRM values are added.",
        ),
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Sync every picklist to an enumeration of its name.")
    ] = False,
    replace: Annotated[
        bool, typer.Option("--replace", help="With --all: replace values instead of adding.")
    ] = False,
    tables: Annotated[
        str | None, typer.Option("--tables", help="Only these CRM tables (comma-separated).")
    ] = None,
    home: HomeOpt = None,
    json_: JsonOpt = False,
) -> None:
    """List the picklists of the account's generated schemas, or sync them (--map, --all).

    Multi-select picklists are synced too; their enumeration is marked multiple. Inactive
    values are kept and marked inactive.
    """
    from crmlink.cli.connecting import account_connector
    from crmlink.wizard.enums import Mapping, list_picklists, parse_mapping, sync_picklists

    mappings = [parse_mapping(m) for m in map_ or []]
    wanted = [t.strip() for t in tables.split(",")] if tables else None
    with account_connector(home, account) as (database, connector):
        picklists = list_picklists(database.engine, connector, account, wanted, _warn)
        if all_:
            mappings += [Mapping(p.name, p.name, replace) for p in picklists]
        if not mappings:
            _print_picklists(picklists, json_)
            return
        results = sync_picklists(database.engine, picklists, mappings)
    if json_:
        print_json(results)
        return
    rows = [
        (r.enumeration, "yes" if r.created else "", r.added, r.updated, r.removed) for r in results
    ]
    print_table(["enumeration", "created", "added", "updated", "removed"], rows)


def _print_picklists(picklists: list[Picklist], json_: bool) -> None:
    rows = [
        {"name": p.name, "label": p.label, "multiple": p.multiple, "values": len(p.values)}
        for p in picklists
    ]
    if json_:
        print_json(rows)
    else:
        print_table(["name", "label", "multiple", "values"], [list(r.values()) for r in rows])


@app.command("list")
@cli_errors()
def list_(home: HomeOpt = None, json_: JsonOpt = False) -> None:
    """List the enumerations."""
    from crmlink.catalog.enums import EnumStore

    _, database = open_catalog(home)
    with database.connect() as conn:
        enums = EnumStore(conn).list()
    rows = [
        {"name": e.name, "label": e.label, "multiple": e.multiple, "values": len(e.values),
         "source": e.source}
        for e in enums
    ]  # fmt: skip
    if json_:
        print_json(rows)
    else:
        print_table(
            ["name", "label", "multiple", "values", "source"], [list(r.values()) for r in rows]
        )


@app.command("show")
@cli_errors()
def show(
    name: Annotated[str, typer.Argument(help="The enumeration's name.")],
    home: HomeOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Show an enumeration and its values (inactive ones marked)."""
    from crmlink.catalog.enums import EnumStore

    _, database = open_catalog(home)
    with database.connect() as conn:
        enumeration = EnumStore(conn).get(name)
    if json_:
        print_json(enumeration)
        return
    print_fields(
        [("name", enumeration.name), ("label", enumeration.label),
         ("multiple", enumeration.multiple), ("source", enumeration.source)]
    )  # fmt: skip
    print_table(
        ["value", "label", "active"], [(v.value, v.label, v.active) for v in enumeration.values]
    )


def _warn(sentence: str) -> None:
    """A table left out: said on stderr, the others are listed or synced."""
    typer.echo(f"warning: {sentence}", err=True)
