"""Metadata handlers: EntityDefinitions (with $select, $filter, $expand=Attributes),
Attributes and their typed casts (with $expand=OptionSet,GlobalOptionSet), Keys,
GlobalOptionSetDefinitions and the CSDL `$metadata` document.
"""

from __future__ import annotations

from crmlink.sandbox.dynamics.errors import (
    EntityMetadataNotFound,
    MethodNotAllowed,
    unknown_segment,
)
from crmlink.sandbox.dynamics.models.metadata.csdl import csdl
from crmlink.sandbox.dynamics.models.metadata.model import EntityDef, OrgSchema
from crmlink.sandbox.dynamics.models.metadata.render import (
    attribute_json,
    cast_name,
    entity_json,
    keys_json,
    option_set_json,
)
from crmlink.sandbox.dynamics.models.odata.expand import parse_expand
from crmlink.sandbox.dynamics.routes import entity_writes_api, relationships_api
from crmlink.sandbox.dynamics.routes.http import ApiRequest, ApiResponse, parse_key
from crmlink.sandbox.dynamics.routes.projection import filtered as _filtered
from crmlink.sandbox.dynamics.routes.projection import project as _project

CAST = "Microsoft.Dynamics.CRM."


def _expands(text: str | None) -> dict[str, dict[str, str]]:
    """`Attributes($select=LogicalName),OptionSet` → {name: {option: value}}."""
    return parse_expand(text)


def find_entity(schema: OrgSchema, key: str) -> EntityDef:
    parsed = parse_key(key)
    if isinstance(parsed, str):
        entity = schema.by_metadata_id(parsed)
    else:
        entity = schema.entities.get(str(parsed.get("LogicalName", parsed.get("", ""))).lower())
    if entity is None:
        raise EntityMetadataNotFound(f"Could not find entity with key {key}.")
    return entity


def entity_definitions(svc, req: ApiRequest, segments: list) -> ApiResponse:
    schema: OrgSchema = svc.org.schema
    name, key = segments[0]
    if req.method != "GET":
        return _write(svc, req, segments)
    if key is None:
        return _entity_list(req, schema)
    entity = find_entity(schema, key)
    if len(segments) == 1:
        body = _entity_body(
            schema, entity, req.params.get("$select"), _expands(req.params.get("$expand"))
        )
        ctx = f"{req.api}/$metadata#EntityDefinitions/$entity"
        return ApiResponse.json({"@odata.context": ctx, **body})
    sub, sub_key = segments[1]
    if sub == "Attributes":
        return _attributes(req, entity, sub_key, segments[2:])
    if sub in relationships_api.LISTS:
        return relationships_api.entity_relationships(req, schema, entity, sub, sub_key)
    if sub == "Keys":
        ctx = f"{req.api}/$metadata#EntityDefinitions('{entity.logical_name}')/Keys"
        return ApiResponse.json({"@odata.context": ctx, "value": keys_json(entity)})
    raise unknown_segment(sub)


def _write(svc, req: ApiRequest, segments: list) -> ApiResponse:
    """POST EntityDefinitions (a new table), DELETE EntityDefinitions(id), and POST
    EntityDefinitions(id)/Attributes (a new column)."""
    _, key = segments[0]
    if len(segments) == 1 and key is None and req.method == "POST":
        return entity_writes_api.create_entity(svc, req)
    if len(segments) == 1 and key is not None and req.method == "DELETE":
        return entity_writes_api.delete_entity(svc, req, find_entity(svc.org.schema, key))
    if len(segments) == 2 and segments[1] == ("Attributes", None) and req.method == "POST":
        entity = find_entity(svc.org.schema, key or "")
        return entity_writes_api.add_attribute(svc, req, entity)
    raise MethodNotAllowed(f"The HTTP method '{req.method}' is not allowed on this resource.")


def _entity_list(req: ApiRequest, schema: OrgSchema) -> ApiResponse:
    expand = _expands(req.params.get("$expand"))
    items = [entity_json(e) for e in schema.entities.values()]
    bodies = {id(b): e for b, e in zip(items, schema.entities.values(), strict=True)}
    kept = _filtered(items, req.params.get("$filter"))
    value = [_entity_body(schema, bodies[id(b)], req.params.get("$select"), expand) for b in kept]
    select = req.params.get("$select")
    ctx = f"{req.api}/$metadata#EntityDefinitions" + (f"({select})" if select else "")
    return ApiResponse.json({"@odata.context": ctx, "value": value})


def _entity_body(schema: OrgSchema, entity: EntityDef, select: str | None, expand: dict) -> dict:
    body = _project(entity_json(entity), select)
    if "Attributes" in expand:
        inner = expand["Attributes"]
        attrs = [attribute_json(a, entity) for a in entity.attributes.values()]
        attrs = _filtered(attrs, inner.get("$filter"))
        body["Attributes"] = [_project(a, inner.get("$select")) for a in attrs]
    if "Keys" in expand:
        body["Keys"] = keys_json(entity)
    for nav in relationships_api.LISTS.keys() & expand.keys():
        body[nav] = relationships_api.expanded(schema, entity, nav, expand[nav])
    return body


def _addressed(entity: EntityDef, key: str | None, rest: list) -> tuple[list, str | None]:
    """The attributes a path names (all, or the one of `key`) and its type-cast segment."""
    cast = rest[0][0][len(CAST) :] if rest and rest[0][0].startswith(CAST) else None
    if key is None:
        attrs = list(entity.attributes.values())
        return ([a for a in attrs if cast_name(a) == cast] if cast else attrs), cast
    attr = _one_attribute(entity, key)
    if cast and cast_name(attr) != cast:
        raise unknown_segment(rest[0][0])
    return [attr], cast


def _attributes(req: ApiRequest, entity: EntityDef, key: str | None, rest: list) -> ApiResponse:
    attrs, cast = _addressed(entity, key, rest)
    expand = _expands(req.params.get("$expand"))
    select = req.params.get("$select")
    items = [(b, a) for b, a in ((attribute_json(a, entity), a) for a in attrs)]
    if req.params.get("$filter"):
        kept = {id(b) for b in _filtered([b for b, _ in items], req.params["$filter"])}
        items = [(b, a) for b, a in items if id(b) in kept]
    value = []
    for body, attr in items:
        body = _project(body, select)
        if cast and "OptionSet" in expand:
            body["OptionSet"] = _project(option_set_json(attr), expand["OptionSet"].get("$select"))
        if cast and "GlobalOptionSet" in expand:
            body["GlobalOptionSet"] = option_set_json(attr) if attr.is_global else None
        value.append(body)
    base = f"{req.api}/$metadata#EntityDefinitions('{entity.logical_name}')/Attributes"
    if cast:
        base += f"/{CAST}{cast}"
    if key is not None:
        return ApiResponse.json({"@odata.context": base + "/$entity", **value[0]})
    return ApiResponse.json(
        {"@odata.context": base + (f"({select})" if select else ""), "value": value}
    )


def _one_attribute(entity: EntityDef, key: str):
    parsed = parse_key(key)
    if isinstance(parsed, str):
        for attr in entity.attributes.values():
            if attr.metadata_id == parsed:
                return attr
    else:
        name = str(parsed.get("LogicalName", parsed.get("", "")))
        if name in entity.attributes:
            return entity.attributes[name]
    raise EntityMetadataNotFound(
        f"Could not find attribute with key {key} on entity {entity.logical_name}."
    )


def global_option_sets(svc, req: ApiRequest, segments: list) -> ApiResponse:
    sets = svc.org.schema.global_option_sets()
    _, key = segments[0]
    if key is not None:
        parsed = parse_key(key)
        name = parsed.get("Name") if isinstance(parsed, dict) else None
        for set_name, attr in sets.items():
            body = option_set_json(attr)
            if set_name == name or body["MetadataId"] == parsed:
                ctx = f"{req.api}/$metadata#GlobalOptionSetDefinitions/$entity"
                return ApiResponse.json({"@odata.context": ctx, **body})
        raise EntityMetadataNotFound(f"Could not find optionset with key {key}.")
    value = [
        {"@odata.type": "#Microsoft.Dynamics.CRM.OptionSetMetadata", **option_set_json(a)}
        for a in sets.values()
    ]
    value = [
        _project(v, req.params.get("$select")) for v in _filtered(value, req.params.get("$filter"))
    ]
    ctx = f"{req.api}/$metadata#GlobalOptionSetDefinitions"
    return ApiResponse.json({"@odata.context": ctx, "value": value})


def metadata_document(svc, req: ApiRequest) -> ApiResponse:
    body = csdl(svc.org.schema).encode()
    return ApiResponse(200, body, {"Content-Type": "application/xml", "OData-Version": "4.0"})
