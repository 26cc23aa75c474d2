"""Entity-set handlers: query (paging, annotations, change tracking), retrieve, create,
update, upsert (by id or alternate key, with If-Match / If-None-Match) and delete.
"""

from __future__ import annotations

from crmlink.sandbox.dynamics.errors import (
    DuplicateRecord,
    InvalidArgument,
    record_not_found,
    unknown_property,
)
from crmlink.sandbox.dynamics.models.data.annotations import annotate_rows
from crmlink.sandbox.dynamics.models.data.rows import Page, RowReader, selected
from crmlink.sandbox.dynamics.models.data.tables import table
from crmlink.sandbox.dynamics.models.data.values import quote_ident
from crmlink.sandbox.dynamics.models.metadata.model import EntityDef
from crmlink.sandbox.dynamics.models.odata.options import (
    MAX_PAGE_SIZE,
    Prefer,
    QueryOptions,
    make_skiptoken,
)
from crmlink.sandbox.dynamics.routes import delta, sql_api
from crmlink.sandbox.dynamics.routes.http import ApiRequest, ApiResponse, encode_query, parse_key


def context(req: ApiRequest, entity: EntityDef, select: list[str] | None, suffix: str = "") -> str:
    shape = f"({','.join(select)})" if select else ""
    return f"{req.api}/$metadata#{entity.entity_set_name}{shape}{suffix}"


def _applied(prefer: Prefer, size: int | None) -> dict[str, str]:
    parts = []
    if size is not None and prefer.max_page_size:
        parts.append(f"odata.maxpagesize={size}")
    if prefer.annotations:
        parts.append(f'odata.include-annotations="{prefer.annotations}"')
    if prefer.track_changes:
        parts.append("odata.track-changes")
    return {"Preference-Applied": ",".join(parts)} if parts else {}


def query(svc, req: ApiRequest, entity: EntityDef) -> ApiResponse:
    if "sql" in req.params:
        return sql_api.query(svc, req, entity)
    opts = QueryOptions.parse(req.params)
    prefer = Prefer.parse(req.header("Prefer"))
    if opts.deltatoken:
        return delta.changes(svc, req, entity, opts, prefer)
    size = prefer.max_page_size or MAX_PAGE_SIZE
    reader = RowReader(entity, selected(entity, opts.select))
    with svc.org.read() as conn:
        token = (opts.skiptoken or {}).get("deltatoken")
        if prefer.track_changes and token is None:
            token = str(svc.org.current_version(conn))
        page = reader.page(conn, opts, size)
        rows = page.rows
        if prefer.wants("OData.Community.Display.V1.FormattedValue") or prefer.annotations:
            rows = annotate_rows(conn, svc.org.schema, entity, reader.attrs, page, prefer)
    head: dict[str, object] = {"@odata.context": context(req, entity, opts.select)}
    if page.count is not None:
        head["@odata.count"] = page.count
    tail = {}
    if page.more:
        extra = {"deltatoken": token} if token else {}
        skip = make_skiptoken(
            _page_no(opts) + 1, entity.primary_id, page.last_id, page.first_id, extra
        )
        params = {k: v for k, v in req.params.items() if k != "$skiptoken"}
        tail["@odata.nextLink"] = (
            f"{req.api}/{entity.entity_set_name}?{encode_query({**params, '$skiptoken': skip})}"
        )
    elif token is not None:
        tail["@odata.deltaLink"] = delta.link(req, entity, token)
    return ApiResponse.json(_envelope(head, rows, tail), headers=_applied(prefer, size))


def _page_no(opts: QueryOptions) -> int:
    return (opts.skiptoken or {}).get("page", 1)


def _envelope(head: dict, rows: list[str], tail: dict) -> bytes:
    import json

    start = json.dumps(head)[:-1] + ',"value":['
    end = "]" + ("," + json.dumps(tail)[1:] if tail else "}")
    return (start + ",".join(rows) + end).encode()


def find_id(conn, entity: EntityDef, key: str) -> str | None:
    """The record id a key segment names (GUID or alternate key), or None if absent."""
    parsed = parse_key(key)
    if isinstance(parsed, str):
        row = conn.execute(
            f"SELECT {quote_ident(entity.primary_id)} FROM {table(entity)} WHERE "
            f"{quote_ident(entity.primary_id)} = ?",
            (parsed,),
        ).fetchone()
        return row[0] if row else None
    where, params = _key_where(entity, parsed)
    row = conn.execute(
        f"SELECT {quote_ident(entity.primary_id)} FROM {table(entity)} WHERE {where}", params
    ).fetchone()
    return row[0] if row else None


def _key_where(entity: EntityDef, values: dict) -> tuple[str, list]:
    names = sorted(values)
    if names not in [sorted(k) for k in entity.alternate_keys] and names != [entity.primary_id]:
        raise InvalidArgument(
            f"The key attribute(s) {', '.join(names)} do not form an alternate key of entity "
            f"'{entity.logical_name}'."
        )
    for name in names:
        if name not in entity.attributes:
            raise unknown_property(name, entity.logical_name)
    where = " AND ".join(f"{quote_ident(n)} = ? COLLATE NOCASE" for n in names)
    return where, [values[n] for n in names]


def missing(entity: EntityDef, key: str):
    parsed = parse_key(key)
    label = parsed if isinstance(parsed, str) else ",".join(f"{k}={v}" for k, v in parsed.items())
    return record_not_found(entity.logical_name, label)


def retrieve(svc, req: ApiRequest, entity: EntityDef, key: str) -> ApiResponse:
    opts = QueryOptions.parse(req.params)
    prefer = Prefer.parse(req.header("Prefer"))
    reader = RowReader(entity, selected(entity, opts.select))
    with svc.org.read() as conn:
        record_id = find_id(conn, entity, key)
        found = (
            reader.one(conn, f"{quote_ident(entity.primary_id)} = ?", [record_id])
            if record_id
            else None
        )
        if found is None:
            raise missing(entity, key)
        text, types = found
        etag = text.split('"@odata.etag":"', 1)[1].split('",', 1)[0].replace('\\"', '"')
        if prefer.annotations:
            page = Page([text], [types], None, None, False)
            text = annotate_rows(conn, svc.org.schema, entity, reader.attrs, page, prefer)[0]
    if req.header("If-None-Match") == etag:
        return ApiResponse.empty(304)
    body = '{"@odata.context":"' + context(req, entity, opts.select, "/$entity") + '",' + text[1:]
    return ApiResponse.json(body.encode(), headers={"ETag": etag, **_applied(prefer, None)})


def entity_url(req: ApiRequest, entity: EntityDef, record_id: str) -> str:
    return f"{req.api}/{entity.entity_set_name}({record_id})"


def _written(svc, req: ApiRequest, entity: EntityDef, record_id: str, created: bool) -> ApiResponse:
    headers = {"OData-EntityId": entity_url(req, entity, record_id)}
    prefer = Prefer.parse(req.header("Prefer"))
    if prefer.return_representation and not svc.late_commit():
        inner = ApiRequest("GET", req.path, req.params, {}, b"", req.base, req.version, req.user)
        got = retrieve(svc, inner, entity, record_id)
        got.status = 201 if created else 200
        got.headers.update(headers)
        got.headers["Preference-Applied"] = "return=representation"
        return got
    return ApiResponse.empty(204, headers)


def create(svc, req: ApiRequest, entity: EntityDef) -> ApiResponse:
    body = req.json()
    record_id = svc.write(lambda conn, w: w.create(conn, entity, body), req)
    return _written(svc, req, entity, record_id, True)


def update(svc, req: ApiRequest, entity: EntityDef, key: str) -> ApiResponse:
    body = req.json()
    if_match, if_none = req.header("If-Match"), req.header("If-None-Match")

    def run(conn, writer):
        record_id = find_id(conn, entity, key)
        if record_id is not None:
            if if_none == "*":
                raise DuplicateRecord("A record with matching key values already exists.")
            writer.update(conn, entity, record_id, body, if_match)
            return record_id, False
        if if_match:
            raise missing(entity, key)
        return writer.create(conn, entity, {**body, **_key_body(entity, key)}, _key_id(key)), True

    record_id, created = svc.write(run, req)
    return _written(svc, req, entity, record_id, created)


def _key_body(entity: EntityDef, key: str) -> dict:
    parsed = parse_key(key)
    return {} if isinstance(parsed, str) else dict(parsed)


def _key_id(key: str) -> str | None:
    parsed = parse_key(key)
    return parsed if isinstance(parsed, str) else None


def delete(svc, req: ApiRequest, entity: EntityDef, key: str) -> ApiResponse:
    if_match = req.header("If-Match")

    def run(conn, writer):
        record_id = find_id(conn, entity, key)
        if record_id is None:
            raise missing(entity, key)
        writer.delete(conn, entity, record_id, if_match)

    svc.write(run, req)
    return ApiResponse.empty(204)


def multiple(svc, req: ApiRequest, entity: EntityDef, action: str) -> ApiResponse:
    """CreateMultiple / UpdateMultiple / UpsertMultiple: all or nothing, in one transaction."""
    targets = req.json().get("Targets") or []

    def run(conn, writer):
        ids = []
        for target in targets:
            body = {k: v for k, v in target.items() if not k.startswith("@odata.")}
            record_id = body.get(entity.primary_id)
            exists = record_id and find_id(conn, entity, str(record_id))
            if action == "CreateMultiple" or (action == "UpsertMultiple" and not exists):
                ids.append(writer.create(conn, entity, body))
            else:
                if not exists:
                    raise record_not_found(entity.logical_name, str(record_id))
                writer.update(conn, entity, str(record_id).lower(), body)
                ids.append(str(record_id).lower())
        return ids

    ids = svc.write(run, req)
    if action == "CreateMultiple":
        ctx = f"{req.api}/$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse"
        return ApiResponse.json({"@odata.context": ctx, "Ids": ids})
    return ApiResponse.empty(204)
