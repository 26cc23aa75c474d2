"""The Composite and Composite Batch request bodies: their subrequests, checked whole before
any runs (a malformed body is one 400 and nothing executes, as on Salesforce).

`/composite` takes `compositeRequest` (≤ 25 subrequests, ≤ 5 of them queries or sObject
Collections), each `{method, url, referenceId, body, httpHeaders}`, and `allOrNone`;
`/composite/batch` takes `batchRequests` (≤ 25) `{method, url, richInput}` and
`haltOnError`. A batch URL may be relative to `/services/data/` (`v59.0/sobjects/…`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from crmlink.sandbox.salesforce import errors

MAX_SUBREQUESTS = 25
MAX_QUERIES_OR_COLLECTIONS = 5
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
DATA_ROOT = "/services/data/"
ROLLED_BACK = (
    "The transaction was rolled back since another operation in the same transaction failed."
)
BATCH_HALTED = "Batch processing halted per request"
_QUERY_OR_COLLECTION = re.compile(r"^/services/data/v[\d.]+/(query|queryAll|composite/sobjects)\b")


class ProcessingHalted(errors.SalesforceError):
    error_code = "PROCESSING_HALTED"
    status = 400


class BatchProcessingHalted(errors.SalesforceError):
    error_code = "BATCH_PROCESSING_HALTED"
    status = 412


class InvalidInput(errors.SalesforceError):
    error_code = "INVALID_INPUT"
    status = 400


@dataclass(frozen=True)
class Subrequest:
    method: str
    url: str
    reference_id: str | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def unresolved_message(ref: str, path: str) -> str:
    return f"Invalid reference specified. No value for {ref}{path} found in {ref}."


def composite_request(body: Any) -> tuple[list[Subrequest], bool]:
    """The subrequests of a `/composite` body and its `allOrNone`."""
    items = _items(body, "compositeRequest")
    subrequests = [_composite_item(item) for item in items]
    _check_unique(subrequests)
    heavy = sum(1 for s in subrequests if _QUERY_OR_COLLECTION.match(s.url))
    if heavy > MAX_QUERIES_OR_COLLECTIONS:
        raise InvalidInput(
            f"A composite request can have at most {MAX_QUERIES_OR_COLLECTIONS} query or "
            f"sObject Collections subrequests; this one has {heavy}."
        )
    return subrequests, bool(body.get("allOrNone", False))


def batch_request(body: Any) -> tuple[list[Subrequest], bool]:
    """The subrequests of a `/composite/batch` body and its `haltOnError`."""
    items = _items(body, "batchRequests")
    subrequests = []
    for item in items:
        method, url = _method_and_url(item)
        if not url.startswith(DATA_ROOT):
            url = DATA_ROOT + url.lstrip("/")
        subrequests.append(Subrequest(method, url, None, item.get("richInput")))
    return subrequests, bool(body.get("haltOnError", False))


def _items(body: Any, key: str) -> list[dict]:
    if not isinstance(body, dict) or not isinstance(body.get(key), list):
        raise errors.JsonParserError(f"'{key}' is a required field.")
    items = body[key]
    if len(items) > MAX_SUBREQUESTS:
        raise InvalidInput(
            f"A request can have at most {MAX_SUBREQUESTS} subrequests; this one has {len(items)}."
        )
    if not all(isinstance(item, dict) for item in items):
        raise errors.JsonParserError(f"Each item of '{key}' must be a JSON object.")
    return items


def _composite_item(item: dict) -> Subrequest:
    method, url = _method_and_url(item)
    ref = item.get("referenceId")
    if not isinstance(ref, str) or not ref:
        raise errors.JsonParserError("'referenceId' is a required field.")
    headers = item.get("httpHeaders") or {}
    if not isinstance(headers, dict):
        raise errors.JsonParserError("'httpHeaders' must be a JSON object.")
    return Subrequest(
        method, url, ref, item.get("body"), {str(k): str(v) for k, v in headers.items()}
    )


def _method_and_url(item: dict) -> tuple[str, str]:
    method, url = item.get("method"), item.get("url")
    if not isinstance(method, str) or not method:
        raise errors.JsonParserError("'method' is a required field.")
    if method.upper() not in METHODS:
        raise errors.JsonParserError(f"Invalid HTTP method: {method}")
    if not isinstance(url, str) or not url:
        raise errors.JsonParserError("'url' is a required field.")
    return method.upper(), url


def _check_unique(subrequests: list[Subrequest]) -> None:
    seen: set[str] = set()
    for sub in subrequests:
        if sub.reference_id in seen:
            raise InvalidInput(f"Duplicate referenceId provided in the request: {sub.reference_id}")
        seen.add(sub.reference_id or "")
