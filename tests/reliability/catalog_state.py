"""What the wizard and enum sync leave in a database, as comparable values: the schema
catalog, the local tables it describes (their columns), and the enumerations."""

from __future__ import annotations

from sqlalchemy import Engine, inspect, select

from crmlink.catalog.schema_tables import enum_values, enumerations, schema_fields, schemas

_SCHEMA = ("name", "kind", "label", "account", "remote_table", "local_table", "key_column")
_SKIP_FIELD = {"id", "schema_id"}
_COLUMN_AT = [c.name for c in schema_fields.c if c.name not in _SKIP_FIELD].index("column_name")


def state(engine: Engine) -> dict:
    """Schemas with their fields, the local tables' columns, the enumerations."""
    with engine.connect() as conn:
        rows = conn.execute(select(schemas).order_by(schemas.c.name)).mappings().all()
        fields = conn.execute(
            select(schemas.c.name.label("schema_name"), schema_fields)
            .join(schemas, schemas.c.id == schema_fields.c.schema_id)
            .order_by(schemas.c.name, schema_fields.c.position)
        ).mappings()
        by_schema: dict[str, list[tuple]] = {}
        for f in fields:
            kept = tuple(v for k, v in f.items() if k not in _SKIP_FIELD and k != "schema_name")
            by_schema.setdefault(f["schema_name"], []).append(kept)
        enums = _enumerations(conn)
    return {
        "schemas": {r["name"]: tuple(r[c] for c in _SCHEMA) for r in rows},
        "fields": by_schema,
        "tables": tables(engine),
        "enumerations": enums,
    }


def _enumerations(conn) -> dict[str, tuple]:
    out: dict[str, tuple] = {}
    for row in conn.execute(select(enumerations).order_by(enumerations.c.name)).mappings():
        values = conn.execute(
            select(enum_values.c.value, enum_values.c.label, enum_values.c.active)
            .where(enum_values.c.enum_id == row["id"])
            .order_by(enum_values.c.position)
        ).all()
        out[row["name"]] = (
            row["label"],
            row["multiple"],
            row["source"],
            [tuple(v) for v in values],
        )
    return out


def tables(engine: Engine) -> dict[str, list[str]]:
    """Every local table the wizard makes (`crm_…`): its columns."""
    found = inspect(engine)
    return {
        name: [c["name"] for c in found.get_columns(name)]
        for name in sorted(found.get_table_names())
        if name.startswith("crm_")
    }


def assert_consistent(engine: Engine) -> None:
    """No table half made: each schema's local table exists with the schema's columns,
    and no local table exists without its schema."""
    now = state(engine)
    local = {row[5]: name for name, row in now["schemas"].items()}
    assert set(now["tables"]) == set(local), (
        f"tables {sorted(now['tables'])} vs schemas' tables {sorted(local)}"
    )
    for table, schema in local.items():
        columns = [f[_COLUMN_AT] for f in now["fields"].get(schema, [])]
        assert set(now["tables"][table]) == set(columns), f"{table}: columns differ"
