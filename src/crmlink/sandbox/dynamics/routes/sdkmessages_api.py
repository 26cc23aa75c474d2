"""`sdkmessages` and `sdkmessagefilters`: the queries clients send to learn whether a table
takes CreateMultiple/UpdateMultiple, e.g.
`sdkmessagefilters?$select=sdkmessagefilterid&$expand=sdkmessageid($select=name)
&$filter=(sdkmessageid/name eq 'CreateMultiple') and primaryobjecttypecode eq 'contact'`
or `sdkmessages?$filter=name eq 'CreateMultiple'&$expand=sdkmessageid_sdkmessagefilter(…)`.

`$select`, `$filter` (navigation paths such as `sdkmessageid/name` included), `$expand`
with nested `$select`/`$filter`, `$top`, and retrieve by id.
"""

from __future__ import annotations

from typing import Any

from crmlink.sandbox.dynamics.errors import (
    InvalidArgument,
    MethodNotAllowed,
    record_not_found,
    unknown_property,
)
from crmlink.sandbox.dynamics.models.odata.evaluate import matches
from crmlink.sandbox.dynamics.models.odata.expand import parse_expand
from crmlink.sandbox.dynamics.models.odata.filter import parse_filter
from crmlink.sandbox.dynamics.models.sdkmessages import MessageSet, linked, message_sets
from crmlink.sandbox.dynamics.routes.http import ApiRequest, ApiResponse, parse_key


def _selected(source: MessageSet, select: str | None) -> list[str] | None:
    if not select:
        return None
    names = [s.strip() for s in select.split(",") if s.strip()]
    for name in names:
        if name not in source.rows[0]:
            raise unknown_property(name, source.logical_name)
    return names


def _project(source: MessageSet, row: dict[str, Any], select: str | None) -> dict[str, Any]:
    names = _selected(source, select)
    if names is None:
        return dict(row)
    keep = ["@odata.etag", *names, source.primary_id]
    return {k: row[k] for k in keep if k in row}


class _Query:
    def __init__(self, sets: dict[str, MessageSet], source: MessageSet, opts: dict) -> None:
        self.sets, self.source = sets, source
        self.opts = opts
        self.expand = parse_expand(opts.get("$expand"))
        for nav in self.expand:
            if nav not in source.navigation:
                raise unknown_property(nav, source.logical_name)

    def joined(self, row: dict[str, Any]) -> dict[str, Any]:
        """The row with its navigation properties filled in, for `$filter` paths."""
        navs = {nav: linked(self.sets, row, nav, self.source) for nav in self.source.navigation}
        return {**row, **navs}

    def rows(self, key: str | None) -> list[dict[str, Any]]:
        rows = self.source.rows
        if key is not None:
            wanted = parse_key(key)
            rows = [r for r in rows if r[self.source.primary_id] == wanted]
            if not rows:
                raise record_not_found(self.source.logical_name, key)
        if self.opts.get("$filter"):
            node = parse_filter(self.opts["$filter"])
            rows = [r for r in rows if matches(node, self.joined(r))]
        if self.opts.get("$top"):
            top = self.opts["$top"]
            if not top.isdigit():
                raise InvalidArgument(f"The value '{top}' of $top is not a non-negative integer.")
            rows = rows[: int(top)]
        return rows

    def render(self, row: dict[str, Any]) -> dict[str, Any]:
        body = _project(self.source, row, self.opts.get("$select"))
        for nav, inner in self.expand.items():
            body[nav] = self._expanded(row, nav, inner)
        return body

    def _expanded(self, row: dict[str, Any], nav: str, inner: dict[str, str]):
        target = self.sets[self.source.navigation[nav][0]]
        found = linked(self.sets, row, nav, self.source)
        if found is None or isinstance(found, dict):
            return None if found is None else _project(target, found, inner.get("$select"))
        if inner.get("$filter"):
            node = parse_filter(inner["$filter"])
            found = [r for r in found if matches(node, r)]
        return [_project(target, r, inner.get("$select")) for r in found]

    def context(self, req: ApiRequest, single: bool) -> str:
        shape = list(_selected(self.source, self.opts.get("$select")) or [])
        for nav, inner in self.expand.items():
            shape.append(f"{nav}({inner['$select']})" if inner.get("$select") else f"{nav}()")
        text = f"{req.api}/$metadata#{self.source.entity_set}"
        text += f"({','.join(shape)})" if shape else ""
        return text + ("/$entity" if single else "")


def query(svc, req: ApiRequest, name: str, key: str | None) -> ApiResponse:
    """GET on `sdkmessages` / `sdkmessagefilters`, a collection or one row by id."""
    if req.method != "GET":
        raise MethodNotAllowed(f"The HTTP method '{req.method}' is not allowed on this resource.")
    sets = message_sets(svc.org.schema)
    q = _Query(sets, sets[name], req.params)
    rows = [q.render(r) for r in q.rows(key)]
    if key is not None:
        return ApiResponse.json({"@odata.context": q.context(req, True), **rows[0]})
    return ApiResponse.json({"@odata.context": q.context(req, False), "value": rows})
