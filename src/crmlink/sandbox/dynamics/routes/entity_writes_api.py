"""Metadata writes: `POST CreateEntities` (the action), `POST EntityDefinitions` (one table)
and `DELETE EntityDefinitions(id)` of a table made that way. The storage table is created
in the same transaction as the metadata is published, so a table is usable at once."""

from __future__ import annotations

from crmlink.sandbox.dynamics.errors import InvalidArgument, MethodNotAllowed
from crmlink.sandbox.dynamics.models.data.tables import DELETED, create_table_sql, table
from crmlink.sandbox.dynamics.models.data.values import quote_ident, sql_type
from crmlink.sandbox.dynamics.models.metadata.create import (
    DuplicateEntity,
    new_attribute,
    new_entity,
)
from crmlink.sandbox.dynamics.models.metadata.model import EntityDef
from crmlink.sandbox.dynamics.routes.http import ApiRequest, ApiResponse

CRM = "Microsoft.Dynamics.CRM."


def _publish(svc, entities: list[EntityDef]) -> None:
    with svc.org.write() as conn:
        for entity in entities:  # checked again under the write lock: two may race
            if entity.logical_name in svc.org.schema.entities:
                raise DuplicateEntity(
                    f"An entity with the specified name {entity.schema_name} already exists."
                )
        for entity in entities:
            for stmt in create_table_sql(entity):
                conn.execute(stmt)
        for entity in entities:
            svc.org.schema.add_created(entity)


def create_entities(svc, req: ApiRequest) -> ApiResponse:
    if req.method != "POST":
        raise MethodNotAllowed(f"The HTTP method '{req.method}' is not allowed on this resource.")
    raw = req.json().get("Entities")
    if not isinstance(raw, list) or not raw or not all(isinstance(e, dict) for e in raw):
        raise InvalidArgument("CreateEntities needs a non-empty 'Entities' list.")
    entities: list[EntityDef] = []
    for body in raw:
        entity = new_entity(svc.org.schema, body)
        if any(e.logical_name == entity.logical_name for e in entities):
            raise DuplicateEntity(f"The entity {entity.schema_name} is listed twice.")
        entities.append(entity)
    _publish(svc, entities)
    ctx = f"{req.api}/$metadata#{CRM}CreateEntitiesResponse"
    return ApiResponse.json({"@odata.context": ctx, "EntityIds": [e.metadata_id for e in entities]})


def create_entity(svc, req: ApiRequest) -> ApiResponse:
    body = req.json()
    if not isinstance(body, dict):
        raise InvalidArgument("The request body must be an EntityMetadata object.")
    entity = new_entity(svc.org.schema, body)
    _publish(svc, [entity])
    url = f"{req.api}/EntityDefinitions({entity.metadata_id})"
    return ApiResponse.empty(204, {"OData-EntityId": url})


def add_attribute(svc, req: ApiRequest, entity: EntityDef) -> ApiResponse:
    """A new column on a table created through the Web API (built-in tables stay as they
    are, so a reset restores them)."""
    _created_only(svc, entity, "get new columns")
    body = req.json()
    if not isinstance(body, dict):
        raise InvalidArgument("The request body must be an AttributeMetadata object.")
    attr = new_attribute(entity.logical_name, body)
    with svc.org.write() as conn:
        if attr.logical_name in entity.attributes:
            raise InvalidArgument(
                f"The attribute {attr.schema_name} already exists on {entity.logical_name}."
            )
        conn.execute(
            f"ALTER TABLE {table(entity)} ADD COLUMN {quote_ident(attr.logical_name)} "
            f"{sql_type(attr)}"
        )
        attributes = dict(entity.attributes)  # replaced, not changed under readers
        entity.attributes = attributes
        entity.add(attr)
    url = f"{req.api}/EntityDefinitions({entity.metadata_id})/Attributes({attr.metadata_id})"
    return ApiResponse.empty(204, {"OData-EntityId": url})


def _created_only(svc, entity: EntityDef, what: str) -> None:
    if entity.logical_name not in svc.org.schema.created:
        raise InvalidArgument(
            f"The entity {entity.logical_name} cannot {what}: only custom tables created "
            "through the Web API can."
        )


def delete_entity(svc, req: ApiRequest, entity: EntityDef) -> ApiResponse:
    _created_only(svc, entity, "be deleted")
    with svc.org.write() as conn:
        conn.execute(f"DROP TABLE IF EXISTS {table(entity)}")
        conn.execute(f"DELETE FROM {DELETED} WHERE entity = ?", (entity.logical_name,))
        svc.org.schema.remove_created(entity.logical_name)
    return ApiResponse.empty(204)
