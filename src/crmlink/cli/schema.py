"""`crmlink schema list|show`: built-in and generated data schemas."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

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

if TYPE_CHECKING:  # the catalog (SQLAlchemy) is imported by the commands that run
    from crmlink.catalog.schema_model import Schema, SchemaField

app = typer.Typer(
    help="Data schemas: built-in ones and those the wizard generated.", no_args_is_help=True
)


def _builtin_summary() -> dict[str, Any]:
    from crmlink.catalog.recipient import SCHEMA_LABEL, SCHEMA_NAME, recipient_fields

    return {
        "name": SCHEMA_NAME,
        "kind": "builtin",
        "label": SCHEMA_LABEL,
        "account": None,
        "remote_table": None,
        "local_table": SCHEMA_NAME,
        "fields": len(recipient_fields()),
    }


def _summary(schema: Schema) -> dict[str, Any]:
    return {
        "name": schema.name,
        "kind": schema.kind,
        "label": schema.label,
        "account": schema.account,
        "remote_table": schema.remote_table,
        "local_table": schema.local_table,
        "fields": len(schema.live_fields()),
    }


@app.command("list")
@cli_errors()
def list_(home: HomeOpt = None, json_: JsonOpt = False) -> None:
    """List every data schema."""
    from crmlink.catalog.schemas import SchemaStore

    _, database = open_catalog(home)
    with database.connect() as conn:
        rows = [_builtin_summary()] + [_summary(s) for s in SchemaStore(conn).list()]
    if json_:
        print_json(rows)
        return
    columns = ["name", "kind", "label", "account", "remote_table", "local_table", "fields"]
    print_table(columns, [[r[c] for c in columns] for r in rows])


def _field_dict(f: SchemaField) -> dict[str, Any]:
    return {
        "column": f.column,
        "remote_name": f.remote_name,
        "label": f.label,
        "kind": f.kind,
        "type": f.local_type.describe(),
        "remote_type": f.remote_type,
        "flags": f.flags(),
        "enumeration": f.enumeration,
        "reference_to": f.reference_to,
    }


def _builtin_detail() -> dict[str, Any]:
    from crmlink.catalog.recipient import recipient_fields

    fields = [
        {"column": f.name, "remote_name": None, "label": f.label, "kind": f.type,
         "type": f.type if f.length is None else f"{f.type}({f.length})", "remote_type": None,
         "flags": ["key"] if f.primary_key else [], "enumeration": None, "reference_to": None}
        for f in recipient_fields()
    ]  # fmt: skip
    return {**_builtin_summary(), "fields": fields, "history": []}


@app.command("show")
@cli_errors()
def show(
    name: Annotated[str, typer.Argument(help="The schema's name (see `schema list`).")],
    home: HomeOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Show a schema's fields: columns, types, remote names, flags, enumerations."""
    from crmlink.catalog.recipient import SCHEMA_NAME
    from crmlink.catalog.schemas import SchemaStore

    if name == SCHEMA_NAME:
        detail = _builtin_detail()
    else:
        _, database = open_catalog(home)
        with database.connect() as conn:
            store = SchemaStore(conn)
            schema = store.get(name)
            detail = {**_summary(schema), "fields": [_field_dict(f) for f in schema.fields]}
            detail["history"] = store.history(name)
    if json_:
        print_json(detail)
        return
    print_fields([(k, v) for k, v in detail.items() if k not in ("fields", "history")])
    columns = ["column", "remote_name", "type", "kind", "flags", "enumeration"]
    rows = [[f[c] if c != "flags" else ", ".join(f[c]) for c in columns] for f in detail["fields"]]
    print_table(columns, rows)
    for change in detail["history"]:
        parts = (change["at"], change["change"], change["column"], change["detail"])
        typer.echo("  " + "  ".join(str(p) for p in parts if p))
