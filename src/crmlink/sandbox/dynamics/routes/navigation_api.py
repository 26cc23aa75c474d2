"""Collection-valued navigation properties: the many side of a one-to-many relationship,
named by its `ReferencedEntityNavigationPropertyName` (`accounts(id)/contact_customer_accounts`).

GET lists the related records (any query option, paged like the entity set);
`POST …/$ref` with `{"@odata.id": "…/contacts(x)"}` associates one (sets its lookup);
`DELETE …/$ref?$id=…/contacts(x)` or `DELETE …(x)/$ref` disassociates it (clears the lookup
if it points here). The relationships come from `models/metadata/relationships`.
"""

from __future__ import annotations

import re

from crmlink.sandbox.dynamics.errors import InvalidPayload, MethodNotAllowed, unknown_segment
from crmlink.sandbox.dynamics.models.data.columns import current_value
from crmlink.sandbox.dynamics.models.metadata.model import EntityDef, OrgSchema
from crmlink.sandbox.dynamics.models.metadata.relationships import one_to_many_of
from crmlink.sandbox.dynamics.routes import records_api
from crmlink.sandbox.dynamics.routes.http import ApiRequest, ApiResponse

_RECORD = re.compile(r"(?:^|/)([A-Za-z_]\w*)\(([0-9a-fA-F-]{36})\)$")


def collection_relationship(schema: OrgSchema, entity: EntityDef, name: str) -> dict | None:
    """The one-to-many relationship whose navigation property on `entity` is `name`."""
    for rel in one_to_many_of(schema, entity):
        if (
            rel.get("ReferencedEntityNavigationPropertyName") == name
            and rel.get("ReferencingEntity") in schema.entities  # loaded lists name others
        ):
            return rel
    return None


def handle(svc, req: ApiRequest, entity: EntityDef, key: str, rel: dict, rest: list):
    names = [name for name, _ in rest]
    child_key = rest[0][1]
    many = svc.org.schema.entities[rel["ReferencingEntity"]]
    if names == [rest[0][0]] and child_key is None and req.method == "GET":
        return _related(svc, req, entity, key, many, rel)
    if names[1:] != ["$ref"] or len(names) != 2:
        raise unknown_segment(names[-1])
    if req.method == "POST" and child_key is None:
        target = _record_of(svc, many, req.json().get("@odata.id"))
        own = f"{entity.entity_set_name}({_own_id(svc, entity, key)})"
        return _link(svc, req, many, target, rel, own)
    if req.method == "DELETE":
        target = child_key or _record_of(svc, many, req.params.get("$id"))
        return _link(svc, req, many, target, rel, None, only_from=_own_id(svc, entity, key))
    raise MethodNotAllowed(f"The HTTP method '{req.method}' is not allowed on this resource.")


def _own_id(svc, entity: EntityDef, key: str) -> str:
    with svc.org.read() as conn:
        found = records_api.find_id(conn, entity, key)
    if found is None:
        raise records_api.missing(entity, key)
    return found


def _record_of(svc, many: EntityDef, ref) -> str:
    """The id in an `@odata.id` / `$id` URL, which must name a record of `many`."""
    match = _RECORD.search(str(ref or "").strip())
    if match is None or svc.org.schema.by_set(match.group(1)) is not many:
        raise InvalidPayload(f"The reference '{ref}' does not name a {many.logical_name} record.")
    return match.group(2).lower()


def _related(svc, req: ApiRequest, entity: EntityDef, key: str, many: EntityDef, rel: dict):
    own = _own_id(svc, entity, key)
    where = f"_{rel['ReferencingAttribute']}_value eq {own}"
    if req.params.get("$filter"):
        where += f" and ({req.params['$filter']})"
    params = {**req.params, "$filter": where}
    inner = ApiRequest(
        "GET", many.entity_set_name, params, req.headers, b"", req.base, req.version, req.user
    )
    return records_api.query(svc, inner, many)


def _link(svc, req, many: EntityDef, target: str, rel: dict, value, only_from: str | None = None):
    """Point the lookup of the `many` record `target` at `value` (None clears it)."""
    nav = rel["ReferencingEntityNavigationPropertyName"]
    lookup = f"_{rel['ReferencingAttribute']}_value"

    def run(conn, writer):
        record_id = records_api.find_id(conn, many, target)
        if record_id is None:
            raise records_api.missing(many, target)
        if only_from is not None and current_value(conn, many, record_id, lookup) != only_from:
            return  # not associated with this record: nothing to undo
        writer.update(conn, many, record_id, {f"{nav}@odata.bind": value})

    svc.write(run, req)
    return ApiResponse.empty(204)
