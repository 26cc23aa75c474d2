"""`GET {entityset}?sql=SELECT …`: the Web API's read-only T-SQL subset.

The statement is parsed (`models.odata.tsql`) into the `$filter` AST, its column names are
checked against the entity's metadata and turned into wire names, and the query runs
through the same `RowReader` as `$filter` queries: values bound, identifiers quoted.
"""

from __future__ import annotations

import json

from crmlink.sandbox.dynamics.errors import DataverseError, PropertyNotFound
from crmlink.sandbox.dynamics.models.data.rows import RowReader, selected
from crmlink.sandbox.dynamics.models.metadata.model import EntityDef, OrgSchema
from crmlink.sandbox.dynamics.models.odata.filter import Compare, InList, Logical, Not, Prop
from crmlink.sandbox.dynamics.models.odata.options import (
    MAX_PAGE_SIZE,
    Prefer,
    QueryOptions,
    make_skiptoken,
    parse_skiptoken,
)
from crmlink.sandbox.dynamics.models.odata.tsql import Differs, Like, SqlNotSupported, parse_sql
from crmlink.sandbox.dynamics.routes.http import ApiRequest, ApiResponse, encode_query


class InvalidObject(DataverseError):
    code = "0x80040217"
    status = 404


def _entity(schema: OrgSchema, path_entity: EntityDef, name: str) -> EntityDef:
    entity = schema.entities.get(name.lower())
    if entity is None:
        raise InvalidObject(f"Invalid object name '{name}'.")
    if entity is not path_entity:
        raise SqlNotSupported(
            f"The table '{name}' in the SQL query does not match the entity set "
            f"'{path_entity.entity_set_name}' of the request."
        )
    return entity


def wire_name(entity: EntityDef, column: str) -> str:
    """A SQL column (a logical name, lookups included) as its Web API property name."""
    attr = entity.attributes.get(column.lower())
    if attr is None or entity.by_wire_name(attr.wire_name) is None:
        raise PropertyNotFound(f"Invalid column name '{column}'.")
    return attr.wire_name


def _resolve(entity: EntityDef, node):
    """The condition tree with every column replaced by its checked wire name."""
    if isinstance(node, Logical):
        return Logical(node.op, _resolve(entity, node.left), _resolve(entity, node.right))
    if isinstance(node, Not):
        return Not(_resolve(entity, node.operand))
    if isinstance(node, Compare) and isinstance(node.left, Prop):  # the parser puts it left
        return Compare(node.op, Prop(wire_name(entity, node.left.name)), node.right)
    if isinstance(node, InList):
        return InList(Prop(wire_name(entity, node.prop.name)), node.values, node.negate)
    if isinstance(node, Differs):
        return Differs(Prop(wire_name(entity, node.prop.name)), node.value)
    if isinstance(node, Like):
        return Like(Prop(wire_name(entity, node.prop.name)), node.pattern, node.negate)
    return node


def query(svc, req: ApiRequest, entity: EntityDef) -> ApiResponse:
    parsed = parse_sql(req.params["sql"])
    _entity(svc.org.schema, entity, parsed.table)
    opts = _build(entity, parsed, req)
    size = Prefer.parse(req.header("Prefer")).max_page_size or MAX_PAGE_SIZE
    reader = RowReader(entity, selected(entity, opts.select))
    with svc.org.read() as conn:
        page = reader.page(conn, opts, size)
    ctx = f"{req.api}/$metadata#{entity.entity_set_name}"
    if opts.select:
        ctx += f"({','.join(opts.select)})"
    body = '{"@odata.context":' + _quote(ctx) + ',"value":[' + ",".join(page.rows) + "]"
    if page.more:
        number = (opts.skiptoken or {}).get("page", 1) + 1
        skip = make_skiptoken(number, entity.primary_id, page.last_id, page.first_id, {})
        params = {"sql": req.params["sql"], "$skiptoken": skip}
        body += ',"@odata.nextLink":' + _quote(
            f"{req.api}/{entity.entity_set_name}?{encode_query(params)}"
        )
    return ApiResponse.json((body + "}").encode())


def _build(entity: EntityDef, parsed, req: ApiRequest) -> QueryOptions:
    opts = QueryOptions(top=parsed.top)
    if parsed.columns is not None:
        opts.select = [wire_name(entity, c) for c in parsed.columns]
    if parsed.where is not None:
        opts.filter = _resolve(entity, parsed.where)
    opts.orderby = [(wire_name(entity, c), desc) for c, desc in parsed.orderby]
    if req.params.get("$skiptoken"):
        opts.skiptoken = parse_skiptoken(req.params["$skiptoken"])
    return opts


def _quote(text: str) -> str:
    return json.dumps(text)
