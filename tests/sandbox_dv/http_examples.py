"""The request/response examples of the recorded docs pages (`### example N` blocks of
tests/reference/dynamics/docs-examples-2020/*.http), to replay against the sandbox."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from tests.dynamics.refs import http_examples

_REQUEST = re.compile(r"^(GET|POST|PATCH|PUT|DELETE) (.+?) HTTP/1\.1$", re.M)
_STATUS = re.compile(r"^HTTP/1\.1 (\d{3})", re.M)
_API = re.compile(r"^(?:https://)?\[Organization URI\]/api/data/v9\.\d/")


@dataclass(frozen=True)
class Example:
    method: str
    path: str  # after /api/data/v9.x/
    body: dict | None
    status: int
    response: dict | None


def _json_after(text: str, start: int) -> dict | None:
    brace = text.find("{", start)
    if brace < 0:
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(text[brace:])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def examples(page: str) -> list[Example]:
    text = http_examples(page)
    out = []
    for block in text.split("### example")[1:]:
        request, _, response = block.partition("## RESPONSE")
        found = _REQUEST.search(request)
        status = _STATUS.search(response)
        if not found or not status:
            continue
        body = _json_after(request, found.end())
        out.append(
            Example(
                found.group(1),
                _API.sub("", found.group(2)),
                body,
                int(status.group(1)),
                _json_after(response, status.end()),
            )
        )
    return out


def example(page: str, method: str, path_pattern: str) -> Example:
    """The one example of `page` whose method is `method` and path matches the regex."""
    found = [e for e in examples(page) if e.method == method and re.search(path_pattern, e.path)]
    assert len(found) == 1, (page, method, path_pattern, found)
    return found[0]


def with_id(path: str, record_id: str) -> str:
    """The example's path with its record GUID replaced by a sandbox record's."""
    return re.sub(r"\([0-9a-fA-F-]{36}\)", f"({record_id})", path, count=1)
