"""PK chunking for Bulk API 1.0 query jobs (`Sforce-Enable-PKChunking`).

As Salesforce documents it: the job's query is split by record id ranges of `chunkSize`
ids (default 100,000, at most 250,000), from `startRow` (default: the object's first id)
to past its last id; each range is a batch running the query with
`WHERE Id >= lower AND Id < upper` added, and the batch the client added goes
`NotProcessed`. A range counts ids, not records, so a chunk may hold fewer records than
`chunkSize` (deleted or filtered ones). With `parent`, as for share and history objects, the
ranges are over the parent's ids and apply to the field referencing the parent.

The range is added to the compiled query as bound parameters, never pasted into SOQL.
"""

from __future__ import annotations

import dataclasses

from crmlink.sandbox.salesforce.errors import ClassicError
from crmlink.sandbox.salesforce.models.describes import ObjectMeta, quote_ident
from crmlink.sandbox.salesforce.models.ids import normalize_id
from crmlink.sandbox.salesforce.models.soql import CompiledQuery

HEADER = "sforce-enable-pkchunking"
DEFAULT_CHUNK, MAX_CHUNK = 100_000, 250_000
# objects Salesforce chunks directly; custom objects always, share/history ones by parent
SUPPORTED = frozenset(
    [
        "account",
        "accountcontactrelation",
        "asset",
        "campaign",
        "campaignmember",
        "case",
        "contact",
        "contract",
        "event",
        "eventrelation",
        "lead",
        "loginhistory",
        "opportunity",
        "order",
        "product2",
        "task",
        "taskrelation",
        "user",
        "userlicense",
    ]
)
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_OPTIONS = ("chunksize", "startrow", "parent")


def parse_header(value: str | None) -> dict | None:
    """The options of an `Sforce-Enable-PKChunking` header (None when off): `TRUE`,
    `FALSE`, or `chunkSize=N; startRow=ID; parent=Object` in any order."""
    if value is None or value.strip().lower() in ("", "false"):
        return None
    options: dict = {"chunkSize": DEFAULT_CHUNK, "startRow": None, "parent": None}
    for part in filter(None, (p.strip() for p in value.split(";"))):
        if part.lower() == "true":
            continue
        name, sep, text = (s.strip() for s in part.partition("="))
        if not sep or name.lower() not in _OPTIONS or not text:
            raise ClassicError("InvalidJob", f"Invalid PK chunking option: {part}")
        key = {"chunksize": "chunkSize", "startrow": "startRow"}.get(name.lower(), "parent")
        options[key] = text
    options["chunkSize"] = _chunk_size(options["chunkSize"])
    if options["startRow"] is not None and normalize_id(options["startRow"]) is None:
        raise ClassicError("InvalidJob", f"Invalid startRow for PK chunking: {options['startRow']}")
    return options


def _chunk_size(value) -> int:
    text = str(value)
    if not text.isdigit() or not 1 <= int(text) <= MAX_CHUNK:
        raise ClassicError(
            "InvalidJob", f"Chunk size must be a number from 1 to {MAX_CHUNK}: {value}"
        )
    return int(text)


def _number(id15: str) -> int:
    value = 0
    for ch in id15:
        value = value * 62 + _DIGITS.index(ch)
    return value


def _id15(number: int) -> str:
    digits = []
    for _ in range(15):
        number, rest = divmod(number, 62)
        digits.append(_DIGITS[rest])
    return "".join(reversed(digits))


def chunk_field(catalog, obj: ObjectMeta, options: dict) -> tuple[ObjectMeta, str]:
    """The object whose ids are ranged and the field of `obj` the ranges apply to."""
    parent_name = options.get("parent")
    if not parent_name:
        if obj.name.lower() not in SUPPORTED and not obj.name.endswith("__c"):
            raise ClassicError(
                "InvalidBatch", f"Entity '{obj.name}' is not supported by PK Chunking"
            )
        return obj, "Id"
    parent = catalog.get(parent_name)
    wanted = parent_name.lower()
    refs = [
        f
        for f in obj.fields.values()
        if f.type == "reference" and wanted in (r.lower() for r in f.reference_to)
    ]
    if parent is None or not refs:
        raise ClassicError(
            "InvalidBatch", f"Parent {parent_name} is not a parent of {obj.name} for PK Chunking"
        )
    preferred = [f for f in refs if f.name == "ParentId"] or refs
    return parent, preferred[0].name


def ranges(store, ranged: ObjectMeta, options: dict) -> list[tuple[str, str]]:
    """[lower, upper) 15-character id bounds, `chunkSize` ids each, covering every id of
    `ranged` (deleted rows too: the id index holds them) from `startRow`."""
    with store.reader() as conn:
        low, high = conn.execute(
            f'SELECT MIN("Id"), MAX("Id") FROM {quote_ident(ranged.table)}'
        ).fetchone()
    start = options.get("startRow") or low or ranged.key_prefix + "0" * 12
    return bounds(start, high or start, options["chunkSize"])


def bounds(start: str, last: str, size: int) -> list[tuple[str, str]]:
    """[lower, upper) 15-character ids, `size` ids apart, from `start` until `last` is in:
    `001300000000000` by 250,000 gives `00130000000132G`, then `00130000000264W`."""
    first, end = _number(start[:15]), _number(last[:15])
    count = max(1, (end - first) // size + 1)
    return [(_id15(first + i * size), _id15(first + (i + 1) * size)) for i in range(count)]


def restrict(query: CompiledQuery, column: str, lower: str, upper: str) -> CompiledQuery:
    """The query limited to `lower <= column < upper` (bound values)."""
    ident = f"t.{quote_ident(column)}"
    where = f"({query.where_sql}) AND {ident} >= ? AND {ident} < ?"
    return dataclasses.replace(query, where_sql=where, params=[*query.params, lower, upper])
