"""sObject Tree: `POST /composite/tree/{sobject}` (the rules live in `models/tree`).

201 `{"hasErrors": false, "results": [{"referenceId", "id"}]}` when every record was
created; 400 `{"hasErrors": true, "results": [{"referenceId", "errors": [...]}]}` naming
only the records that failed, nothing created.
"""

from __future__ import annotations

from crmlink.sandbox.core.routing import RouteSpec, route
from crmlink.sandbox.salesforce.models import tree
from crmlink.sandbox.salesforce.routes.common import Call, api
from crmlink.sandbox.salesforce.routes.context import SandboxContext

TREE = "/services/data/v{version}/composite/tree/{sobject}"


def create_tree(call: Call):
    org = call.ctx.org
    root = org.object(call.params["sobject"])  # NOT_FOUND for an unknown object
    outcome = tree.create(org, tree.plan(org.catalog, root, call.json()))
    if outcome.failures:
        failed = [
            {"referenceId": ref, "errors": [exc.record_error()]} for ref, exc in outcome.failures
        ]
        return 400, {"hasErrors": True, "results": failed}
    created = [{"referenceId": n.reference_id, "id": n.id} for n in outcome.created]
    return 201, {"hasErrors": False, "results": created}


def routes(ctx: SandboxContext) -> list[RouteSpec]:
    return [route("POST", TREE, api(ctx, create_tree), "composite tree")]
