"""Relationship metadata: `EntityDefinitions(…)/OneToManyRelationships`,
`/ManyToOneRelationships`, `/ManyToManyRelationships` (each with `$select`, `$filter` and
one by MetadataId or `(SchemaName='x')`), the same as `$expand` on EntityDefinitions, and
`RelationshipDefinitions`.

A `$select` naming a property the relationship type lacks answers the service's 400
(`ReferencedEntity` on ManyToManyRelationshipMetadata, which clients are known to hit).
"""

from __future__ import annotations

from crmlink.sandbox.dynamics.errors import (
    EntityMetadataNotFound,
    PropertyNotFound,
    unknown_segment,
)
from crmlink.sandbox.dynamics.models.metadata.model import EntityDef, OrgSchema
from crmlink.sandbox.dynamics.models.metadata.relationships import (
    MANY_TO_MANY_PROPERTIES,
    ONE_TO_MANY_PROPERTIES,
    all_relationships,
    many_to_many_of,
    many_to_one_of,
    one_to_many_of,
)
from crmlink.sandbox.dynamics.routes.http import ApiRequest, ApiResponse, parse_key
from crmlink.sandbox.dynamics.routes.projection import filtered, project

CRM = "Microsoft.Dynamics.CRM."
LISTS = {
    "OneToManyRelationships": (one_to_many_of, "OneToManyRelationshipMetadata"),
    "ManyToOneRelationships": (many_to_one_of, "OneToManyRelationshipMetadata"),
    "ManyToManyRelationships": (many_to_many_of, "ManyToManyRelationshipMetadata"),
}
_PROPERTIES = {
    "OneToManyRelationshipMetadata": ONE_TO_MANY_PROPERTIES,
    "ManyToManyRelationshipMetadata": MANY_TO_MANY_PROPERTIES,
}


def _check_select(select: str | None, type_name: str) -> None:
    known = _PROPERTIES[type_name] | {"@odata.type"}
    for name in (s.strip() for s in (select or "").split(",") if s.strip()):
        if name not in known:
            raise PropertyNotFound(
                f"Could not find a property named '{name}' on type "
                f"'Microsoft.Dynamics.CRM.{type_name}'."
            )


def _one(items: list[dict], key: str) -> dict:
    parsed = parse_key(key)
    for item in items:
        if isinstance(parsed, str) and item.get("MetadataId") == parsed:
            return item
        if isinstance(parsed, dict) and item.get("SchemaName") == parsed.get("SchemaName"):
            return item
    raise EntityMetadataNotFound(f"Could not find relationship with key {key}.")


def expanded(schema: OrgSchema, entity: EntityDef, nav: str, inner: dict) -> list[dict]:
    """One relationship list for `$expand=OneToManyRelationships(…)` on an entity."""
    maker, type_name = LISTS[nav]
    _check_select(inner.get("$select"), type_name)
    items = filtered(maker(schema, entity), inner.get("$filter"))
    return [project(item, inner.get("$select")) for item in items]


def entity_relationships(
    req: ApiRequest, schema: OrgSchema, entity: EntityDef, nav: str, key: str | None
) -> ApiResponse:
    maker, type_name = LISTS[nav]
    select = req.params.get("$select")
    _check_select(select, type_name)
    base = f"{req.api}/$metadata#EntityDefinitions('{entity.logical_name}')/{nav}"
    items = maker(schema, entity)
    if key is not None:
        body = project(_one(items, key), select)
        return ApiResponse.json({"@odata.context": base + "/$entity", **body})
    value = [project(i, select) for i in filtered(items, req.params.get("$filter"))]
    ctx = base + (f"({select})" if select else "")
    return ApiResponse.json({"@odata.context": ctx, "value": value})


def relationship_definitions(schema: OrgSchema, req: ApiRequest, segments: list) -> ApiResponse:
    """`RelationshipDefinitions`, every relationship typed; one by id or SchemaName; a
    type cast (`/Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata`) keeps that type."""
    items = all_relationships(schema)
    key = segments[0][1]
    base = f"{req.api}/$metadata#RelationshipDefinitions"
    if len(segments) > 2 or (len(segments) == 2 and segments[1][1] is not None):
        raise unknown_segment(segments[-1][0])
    if len(segments) == 2:
        cast = segments[1][0]
        if cast.removeprefix(CRM) not in _PROPERTIES:
            raise unknown_segment(cast)
        items = [i for i in items if i["@odata.type"] == f"#{cast}"]
        base += f"/{cast}"
    select = req.params.get("$select")
    if key is not None:
        body = project(_one(items, key), select)
        return ApiResponse.json({"@odata.context": base + "/$entity", **body})
    value = [project(i, select) for i in filtered(items, req.params.get("$filter"))]
    return ApiResponse.json({"@odata.context": base, "value": value})
