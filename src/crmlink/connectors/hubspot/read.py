"""Reads: the endpoint each read needs, and HubSpot records turned into crmlink rows.

    no filter, cursor, order or ids   GET  /crm/v3/objects/{type}?limit=100&properties=…
                                      (the list endpoint: `after` paging, no 10,000 cap,
                                      not under search's per-second limit)
    ids                               POST /crm/v3/objects/{type}/batch/read, 100 a call
                                      (with a filter or cursor: searched, 100 ids a query)
    a filter, a cursor or an order    POST /crm/v3/objects/{type}/search, windowed
                                      (`windows.py`) so no query passes 10,000 results;
                                      ordered by hs_object_id: by id keyset, no cap either;
                                      by another property: one sort, refused past 10,000

A cursor `(modified, id)` reads strictly after it in (hs_lastmodifieddate, hs_object_id)
order; an empty id means `>= modified` (docs/semantics.md). `include_deleted` adds the
archived records (`archived=true`) to a list or id read; search never returns archived
records, so a filtered or incremental read with it is refused (read deletions with
`read_deleted`). The read's `total` is the search's `total` (or none for the list
endpoint, which gives no count).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

from crmlink.connectors._http import url
from crmlink.connectors.batches import Batches
from crmlink.connectors.hubspot import filter_groups, values
from crmlink.connectors.hubspot.describe import ObjectInfo
from crmlink.connectors.hubspot.windows import PAGE_SIZE, RESULT_CAP, Stats, WindowedSearch
from crmlink.errors import RemoteError, UsageError, clip
from crmlink.filters import ast, validate
from crmlink.filters.validate import lookup, unknown_field
from crmlink.model import OrderBy, ReadCursor, RemoteField, RemoteTable

LIST_PAGE = 100  # the list endpoint's largest page
IDS_PER_CALL = 100  # batch read's inputs per call
OBJECTS = "/crm/v3/objects"


class JsonApi(Protocol):
    """What reads need of `HubSpotHttp`: one JSON call (path relative to the account URL)."""

    def json(self, method: str, url: str, idempotent: bool = True, **kwargs: Any) -> Any: ...


class Reader:
    """One account's reads; `last` holds the cost of the latest windowed search."""

    def __init__(self, http: JsonApi) -> None:
        self.http = http
        self.last = Stats()

    def read(
        self,
        info: ObjectInfo,
        fields: list[str],
        where: ast.Expr | None,
        order: list[OrderBy] | None,
        cursor: ReadCursor | None,
        include_deleted: bool,
        ids: list[str] | None,
        counted: Batches | None = None,
    ) -> Iterator[list[dict]]:
        table = info.table
        names = [_field(table, name) for name in fields] or [f.name for f in table.fields]
        convert = row_reader(table, names)
        checked = validate(where, table) if where is not None else None
        if ids is not None and checked is None and cursor is None:
            yield from self._by_ids(info, names, list(ids), include_deleted, convert)
            return
        sort = _sort(table, order, cursor)
        if ids is None and checked is None and cursor is None and sort is None:
            yield from self._listed(info, names, include_deleted, convert)
            return
        if include_deleted:
            raise UsageError(
                "HubSpot's search never returns archived (deleted) records, so a filtered, "
                "ordered or incremental read cannot include them: read deletions with "
                "import_deleted (archived records) instead",
                object=table.name,
            )
        if ids is not None:  # with a filter or cursor: searched, 100 ids a query
            for start in range(0, len(ids), IDS_PER_CALL):
                listed = tuple(ast.String(i) for i in ids[start : start + IDS_PER_CALL])
                chunk = ast.conjoin(checked, ast.InList(table.key_field, listed))
                groups = self._groups(chunk, table)
                yield from self._windowed(info, names, groups, cursor, convert, counted)
            return
        groups = self._groups(checked, table)
        if sort is None or sort == _DEFAULT:
            yield from self._windowed(info, names, groups, cursor, convert, counted)
        elif sort == {"propertyName": table.key_field, "direction": "ASCENDING"}:
            yield from self._windowed(info, names, groups, None, convert, counted, by_id=True)
        else:
            yield from self._sorted(info, names, groups, sort, convert, counted)

    @staticmethod
    def _groups(expr: ast.Expr | None, table: RemoteTable) -> list[filter_groups.Group]:
        groups = filter_groups.normalised(expr, table) if expr is not None else []
        filter_groups.check(groups, "this filter")
        return groups

    # -- search -----------------------------------------------------------------------------
    def _windowed(  # noqa: PLR0913 - one read's parts
        self,
        info: ObjectInfo,
        names: list[str],
        groups: list[filter_groups.Group],
        cursor: ReadCursor | None,
        convert: Callable[[dict], dict],
        counted: Batches | None,
        by_id: bool = False,
    ) -> Iterator[list[dict]]:
        """The windowed search (`windows.py`): in (modified, id) order, or by id."""
        table = info.table
        modified, key = _modified(table), table.key_field
        search = WindowedSearch(
            lambda body: self._search(info, body), groups, modified, key, _wanted(table, names)
        )
        self.last = search.stats
        start = after_key = None
        if cursor is not None:
            start = filter_groups.epoch_ms(cursor.modified)
            after_key = _cursor_key(cursor.id) if cursor.id else None
        pages = search.by_id() if by_id else search.pages(start, after_key)
        for batch in pages:
            if counted is not None and counted.total is None:
                counted.total = search.total()
            yield [convert(record) for record in batch]
        if counted is not None and counted.total is None:
            counted.total = search.total()

    def _sorted(
        self,
        info: ObjectInfo,
        names: list[str],
        groups: list[filter_groups.Group],
        sort: dict,
        convert: Callable[[dict], dict],
        counted: Batches | None,
    ) -> Iterator[list[dict]]:
        """One search sorted as asked: HubSpot sorts by one property, and past 10,000
        results it answers nothing, so a larger ordered read is refused before it starts."""
        body: dict = {"sorts": [sort], "properties": _wanted(info.table, names)}
        body["limit"] = PAGE_SIZE
        if groups:
            body["filterGroups"] = [{"filters": group} for group in groups]
        offset = 0
        while True:
            answer = self._search(info, {**body, **({"after": str(offset)} if offset else {})})
            total = answer.get("total")
            if offset == 0 and isinstance(total, int):
                if total > RESULT_CAP:
                    raise UsageError(
                        f"HubSpot's search returns at most {RESULT_CAP:,} results for one "
                        f"query and this read ordered by {sort['propertyName']} matches "
                        f"{total:,}: order by {info.table.modified_field} or "
                        f"{info.table.key_field} (read in windows) or narrow the filter",
                        object=info.table.name,
                    )
                if counted is not None:
                    counted.total = total
            results = answer.get("results") or []
            if results:
                yield [convert(record) for record in results]
            offset += len(results)
            if not results or not (answer.get("paging") or {}).get("next"):
                return

    def _search(self, info: ObjectInfo, body: dict) -> dict:
        answer = self.http.json("POST", url(OBJECTS, info.path, "search"), json=body)
        return _object(answer)

    # -- the list endpoint and batch read ---------------------------------------------------
    def _listed(
        self,
        info: ObjectInfo,
        names: list[str],
        include_deleted: bool,
        convert: Callable[[dict], dict],
    ) -> Iterator[list[dict]]:
        properties = ",".join(_wanted(info.table, names))
        for archived in (False, True) if include_deleted else (False,):
            params = {"limit": str(LIST_PAGE), "properties": properties}
            params["archived"] = "true" if archived else "false"
            while True:
                answer = _object(self.http.json("GET", url(OBJECTS, info.path), params=params))
                results = answer.get("results") or []
                if results:
                    yield [convert(record) for record in results]
                after = ((answer.get("paging") or {}).get("next") or {}).get("after")
                if not after or not results:
                    break
                params = {**params, "after": str(after)}

    def _by_ids(
        self,
        info: ObjectInfo,
        names: list[str],
        ids: list[str],
        include_deleted: bool,
        convert: Callable[[dict], dict],
    ) -> Iterator[list[dict]]:
        wanted = list(dict.fromkeys(ids))  # each id once
        properties = _wanted(info.table, names)
        path = url(OBJECTS, info.path, "batch", "read")
        for start in range(0, len(wanted), IDS_PER_CALL):
            chunk = wanted[start : start + IDS_PER_CALL]
            found: list[dict] = []
            for archived in (False, True) if include_deleted else (False,):
                body = {"properties": properties, "inputs": [{"id": i} for i in chunk]}
                params = {"archived": "true" if archived else "false"}
                answer = _object(self.http.json("POST", path, json=body, params=params))
                found += answer.get("results") or []
                seen = {str(record.get("id")) for record in found}
                chunk = [i for i in chunk if i not in seen]
                if not chunk:
                    break
            if found:
                yield [convert(record) for record in found]


# -- planning helpers -----------------------------------------------------------------------
_DEFAULT = {"propertyName": "", "direction": "ASCENDING"}  # marker: (modified, id) order


def _sort(
    table: RemoteTable, order: list[OrderBy] | None, cursor: ReadCursor | None
) -> dict | None:
    """HubSpot's one sort for `order`; `_DEFAULT` for (modified, id); None: no order."""
    if not order:
        return _DEFAULT if cursor is not None else None
    names = [(lookup(table, o.field).name, o.descending) for o in order]
    default = [(_modified(table), False), (table.key_field, False)]
    if names in (default, default[:1]):
        return _DEFAULT
    if cursor is not None:
        raise UsageError(
            "a cursor read is ordered by (hs_lastmodifieddate, hs_object_id): give no order"
        )
    if len(names) > 1:
        raise UsageError(
            f"HubSpot's search sorts by one property; this read asks for {len(names)} "
            f"({', '.join(n for n, _ in names)})",
            object=table.name,
        )
    name, descending = names[0]
    return {"propertyName": name, "direction": "DESCENDING" if descending else "ASCENDING"}


def _field(table: RemoteTable, name: str) -> str:
    field = table.field(name)
    if field is None:
        raise UsageError(unknown_field(table, name), object=table.name, field=name)
    return field.name


def _modified(table: RemoteTable) -> str:
    if not table.modified_field:
        raise UsageError(f"{table.name} has no hs_lastmodifieddate: it cannot be read by cursor")
    return table.modified_field


def _wanted(table: RemoteTable, names: list[str]) -> list[str]:
    """The properties to ask for: the read's, plus the modified stamp windows sort by."""
    extra = [table.modified_field] if table.modified_field else []
    return list(dict.fromkeys([*names, *extra]))


def _cursor_key(text: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise UsageError(f"the cursor's id {clip(text)} is not a HubSpot record id (a number)")
    return int(text)


def _object(answer: object) -> dict:
    if not isinstance(answer, dict):
        raise RemoteError("HubSpot answered something that is not a JSON object")
    return answer


# -- values ---------------------------------------------------------------------------------
def row_reader(table: RemoteTable, names: list[str]) -> Callable[[dict], dict]:
    """A function turning one HubSpot record into a row of `names` (Python values)."""
    fields = [table.require_field(name) for name in names]

    def convert(record: dict) -> dict:
        properties = record.get("properties") or {}
        row: dict = {}
        for field in fields:
            if field.name == table.key_field:
                row[field.name] = str(record.get("id", ""))
            else:
                row[field.name] = _value(field, properties.get(field.name), record)
        return row

    return convert


def _value(field: RemoteField, text: object, record: dict) -> object:
    try:
        return values.read_value(field, text)
    except (ValueError, ArithmeticError):
        raise RemoteError(
            f"HubSpot sent {clip(text)} as {field.name!r} of record {clip(record.get('id'))}, "
            f"which is not a {field.kind} value"
        ) from None
