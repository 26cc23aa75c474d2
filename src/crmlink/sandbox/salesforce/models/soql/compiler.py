"""`compile_query`: SOQL text -> `CompiledQuery` (parameterised SQLite SQL + converters).

Identifiers reach the SQL only through `quote_ident` after a catalog lookup; every
literal is a bound parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypedDict, cast

from ...errors import InvalidType
from ..describes import Catalog, ObjectMeta
from . import ast
from .dates import format_datetime
from .errors_fmt import NumberOutsideValidRange, located, malformed, unsupported_object
from .filters import FilterCompiler
from .parser import parse
from .query import ChildPlan, CompiledQuery, TypeofPlan
from .records import aggregate_builder, plan_aggregates, plan_fields, record_builder
from .resolve import Resolver
from .types import ID_TYPES, is_text

MAX_OFFSET = 2000


class _CommonFields(TypedDict):
    """The `CompiledQuery` fields every kind of SELECT starts with."""

    object: ObjectMeta
    from_sql: str
    where_sql: str
    params: list
    order_sql: str


def compile_query(
    text: str, catalog: Catalog, *, include_deleted: bool = False, now: datetime
) -> CompiledQuery:
    """Compile SOQL `text` against `catalog`, as of `now` (rows visible at `now`)."""
    text = text.strip()
    query = parse(text)
    obj = catalog.get(query.object_name)
    if obj is None:
        raise unsupported_object(text, query.object_pos, query.object_name)
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    resolver = Resolver(catalog, obj, text, query.object_alias)
    kind = _select_kind(query, text)
    compiled = _select(query, kind, resolver, obj, text)
    _where(compiled, query, resolver, text, now, include_deleted)
    compiled.order_sql = _order(query, resolver, text, kind)
    compiled.from_sql = resolver.from_sql()
    compiled.limit, compiled.offset = query.limit, _offset(query, text)
    compiled.children = [
        _child(text, child, catalog, obj, include_deleted, now) for child in query.children
    ]
    compiled.typeofs = [_typeof(text, item, catalog, obj, now) for item in query.typeofs]
    return compiled


def _typeof(
    text: str, item: ast.TypeOf, catalog: Catalog, parent: ObjectMeta, now: datetime
) -> TypeofPlan:
    """One `SELECT fields FROM Type` per type the reference may point at: the WHEN
    branches', and ELSE's for the other types the sandbox serves."""
    ref = parent.relationship(item.relationship)
    if ref is None:
        raise malformed(text, item.pos, f"Didn't understand relationship '{item.relationship}'")
    lists = {name.lower(): (start, end) for name, start, end in item.branches}
    by_type = {}
    for type_name in ref.reference_to:
        fields = lists.get(type_name.lower(), item.otherwise)
        if fields is not None and catalog.get(type_name) is not None:
            soql = f"SELECT {text[fields[0] : fields[1]]} FROM {type_name}"
            by_type[type_name] = compile_query(soql, catalog, now=now)
    return TypeofPlan(ref.relationship_name or item.relationship, ref.name, by_type)


def _child(  # noqa: PLR0913 - the outer query's context, passed down once
    text: str,
    child: ast.ChildQuery,
    catalog: Catalog,
    parent: ObjectMeta,
    include_deleted: bool,
    now: datetime,
) -> ChildPlan:
    """Compile `(SELECT … FROM Relationship …)` as a query of the child object."""
    wanted = child.relationship.lower()
    for rel in parent.raw.get("childRelationships") or []:
        name, child_obj = rel.get("relationshipName"), catalog.get(rel.get("childSObject", ""))
        if name and name.lower() == wanted and child_obj is not None:
            rel_end = child.relationship_pos + len(child.relationship)
            inner = text[child.start : child.relationship_pos] + child_obj.name
            inner += text[rel_end : child.end]
            compiled = compile_query(inner, catalog, include_deleted=include_deleted, now=now)
            return ChildPlan(name, rel["field"], compiled)
    message = (
        f"Didn't understand relationship '{child.relationship}' in FROM part of query call. "
        "If you are attempting to use a custom relationship, be sure to append the '__r' "
        "after the custom relationship name. Please reference your WSDL or the describe call "
        "for the appropriate names."
    )
    raise InvalidType(located(text, child.relationship_pos, message))


def _select_kind(query: ast.Query, text: str) -> str:
    aggs = [i for i in query.select if isinstance(i, ast.Aggregate)]
    if not aggs:
        return "fields"
    if any(a.func == "COUNT" and a.arg is None for a in aggs):
        if len(query.select) > 1:
            raise malformed(
                text, aggs[0].pos, "COUNT() must be the only element in the SELECT list"
            )
        return "count"
    plain = [i for i in query.select if isinstance(i, ast.FieldPath)]
    if plain:
        raise malformed(text, plain[0].pos, f"Field must be grouped or aggregated: {plain[0].text}")
    return "aggregate"


def _select(
    query: ast.Query, kind: str, resolver: Resolver, obj: ObjectMeta, text: str
) -> CompiledQuery:
    common = _CommonFields(object=obj, from_sql="", where_sql="", params=[], order_sql="t.rowid")
    if kind == "count":
        return CompiledQuery(
            count_only=True, aggregate=False, select_sql="", limit=None, offset=None, **common
        )
    # _select_kind made sure the select list is all aggregates or all field paths
    builder: Callable[[tuple, str], dict | None]
    if kind == "aggregate":
        plan = plan_aggregates(cast("list[ast.Aggregate]", list(query.select)), resolver, text)
        builder = aggregate_builder(plan.aggregate_keys)
        header = [key for key, _ in plan.aggregate_keys]
    else:
        plan = plan_fields(cast("list[ast.FieldPath]", list(query.select)), resolver, text)
        if plan.root is None:  # plan_fields always makes the root level
            raise AttributeError("'NoneType' object has no attribute 'type_name'")
        builder = record_builder(plan.root)
        header = plan.header
    return CompiledQuery(
        count_only=False,
        aggregate=kind == "aggregate",
        select_sql=", ".join(plan.exprs),
        limit=None,
        offset=None,
        header=header,
        compound_fields=plan.compound,
        _builder=builder,
        _csv=plan.csv,
        _csv_columns=plan.csv_columns,
        **common,
    )


def _where(
    compiled: CompiledQuery,
    query: ast.Query,
    resolver: Resolver,
    text: str,
    now: datetime,
    include_deleted: bool,
) -> None:
    filters = FilterCompiler(resolver, text, now)
    parts = [filters.compile(query.where)] if query.where is not None else []
    parts.append('t."_sbx_visible_at" <= ?')
    filters.params.append(format_datetime(now))
    if not include_deleted:
        # unary + keeps SQLite off the deleted index for this term: nearly every row is
        # not deleted, and with the index SQLite scanned it whole instead of searching the
        # query's own indexed condition (SystemModstamp >= …: 0.35 s → 0.03 ms at 1,000,000)
        parts.append('+t."_sbx_deleted_at" IS NULL')
    compiled.where_sql = " AND ".join(parts)
    compiled.params = filters.params


def _order(query: ast.Query, resolver: Resolver, text: str, kind: str) -> str:
    if query.order_by and kind != "fields":
        first = query.order_by[0].field
        raise malformed(
            text, first.pos, f"Ordered field must be grouped or aggregated: {first.text}"
        )
    terms = []
    for item in query.order_by:
        r = resolver.sortable(item.field)
        t = r.field.type
        collate = " COLLATE NOCASE" if is_text(t) and t not in ID_TYPES else ""
        nulls_first = (not item.descending) if item.nulls_first is None else item.nulls_first
        direction = "DESC" if item.descending else "ASC"
        terms.append(f"{r.column}{collate} {direction} NULLS {'FIRST' if nulls_first else 'LAST'}")
    terms.append("t.rowid")
    return ", ".join(terms)


def _offset(query: ast.Query, text: str) -> int | None:
    if query.offset is not None and query.offset > MAX_OFFSET:
        pos = text.upper().rfind("OFFSET")
        raise NumberOutsideValidRange(
            located(text, pos, f"Maximum SOQL offset allowed is {MAX_OFFSET}")
        )
    return query.offset
