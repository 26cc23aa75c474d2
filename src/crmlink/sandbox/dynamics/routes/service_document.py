"""The OData service document `GET /api/data/v9.2/`: every entity set the service serves
(the org's tables, the SDK message sets, the metadata sets) and its function imports."""

from __future__ import annotations

from crmlink.sandbox.dynamics.models.metadata.model import OrgSchema
from crmlink.sandbox.dynamics.models.sdkmessages import MESSAGE_SETS
from crmlink.sandbox.dynamics.routes.functions import FUNCTIONS
from crmlink.sandbox.dynamics.routes.http import ApiRequest, ApiResponse

METADATA_SETS = ("EntityDefinitions", "GlobalOptionSetDefinitions", "RelationshipDefinitions")


def entity_sets(schema: OrgSchema) -> list[str]:
    tables = sorted(e.entity_set_name for e in schema.entities.values())
    return [*tables, *MESSAGE_SETS, *METADATA_SETS]


def service_document(schema: OrgSchema, req: ApiRequest) -> ApiResponse:
    value = [{"name": name, "kind": "EntitySet", "url": name} for name in entity_sets(schema)]
    value += [{"name": name, "kind": "FunctionImport", "url": name} for name in FUNCTIONS]
    return ApiResponse.json({"@odata.context": f"{req.api}/$metadata", "value": value})
