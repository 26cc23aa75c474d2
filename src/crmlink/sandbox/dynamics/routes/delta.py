"""Change tracking: `Prefer: odata.track-changes` gives an `@odata.deltaLink`; following
it returns rows changed since (current state) and `$deletedEntity` entries for deletes.

The delta token is `<row version>!<UTC time>` like Dataverse's `919042!08/22/2017 08:10:44`.
"""

from __future__ import annotations

import datetime as dt
import json

from crmlink.sandbox.dynamics.errors import InvalidDeltaToken
from crmlink.sandbox.dynamics.models.data.rows import RowReader, selected
from crmlink.sandbox.dynamics.models.data.tables import DELETED
from crmlink.sandbox.dynamics.models.metadata.model import EntityDef
from crmlink.sandbox.dynamics.models.odata.options import Prefer, QueryOptions
from crmlink.sandbox.dynamics.routes.http import ApiRequest, ApiResponse, encode_query


def link(req: ApiRequest, entity: EntityDef, version: str) -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%m/%d/%Y %H:%M:%S")
    params = {k: v for k, v in req.params.items() if k in ("$select",)}
    params["$deltatoken"] = f"{str(version).split('!')[0]}!{stamp}"
    return f"{req.api}/{entity.entity_set_name}?{encode_query(params)}"


def _version(token: str) -> int:
    try:
        return int(token.split("!")[0])
    except ValueError:
        raise InvalidDeltaToken(f"The delta token '{token}' is not valid.") from None


def changes(
    svc, req: ApiRequest, entity: EntityDef, opts: QueryOptions, prefer: Prefer
) -> ApiResponse:
    since = _version(opts.deltatoken or "")
    reader = RowReader(entity, selected(entity, opts.select))
    with svc.org.read() as conn:
        now = svc.org.current_version(conn)
        rows, _ = reader.changed_since(conn, since)
        deleted = conn.execute(
            f"SELECT id FROM {DELETED} WHERE entity = ? AND versionnumber > ? ORDER BY "
            "versionnumber",
            (entity.logical_name, since),
        ).fetchall()
    gone_ctx = f"{req.api}/$metadata#{entity.entity_set_name}/$deletedEntity"
    tombstones = [
        json.dumps({"@odata.context": gone_ctx, "id": rid, "reason": "deleted"})
        for (rid,) in deleted
    ]
    shape = f"({','.join(opts.select)})" if opts.select else ""
    head = {
        "@odata.context": f"{req.api}/$metadata#{entity.entity_set_name}{shape}/$delta",
        "@odata.deltaLink": link(req, entity, str(now)),
    }
    body = json.dumps(head)[:-1] + ',"value":[' + ",".join(rows + tombstones) + "]}"
    return ApiResponse.json(body.encode(), headers={"Preference-Applied": "odata.track-changes"})
