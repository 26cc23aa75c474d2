"""`$batch` requests: multipart/mixed, one operation per part, no change sets.

A change set is all or nothing, so one bad row would fail every row in it; crmlink
sends each operation as its own top-level part with `Prefer: odata.continue-on-error`
instead: every row is its own transaction and gets its own answer, in request order.

An operation's URL is built by `keys.key_segment` (values percent-encoded); a request line
or header holding CR or LF is refused here all the same, so no value can add a header or a
second request to the batch.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field

from crmlink.connectors import json_text
from crmlink.connectors._http import no_line_breaks
from crmlink.connectors.dynamics.spec import SPEC

MAX_OPERATIONS = SPEC.capabilities.write_batch_size  # operations of one $batch
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.I)
_STATUS = re.compile(r"^HTTP/\d\.\d (\d{3})", re.M)


@dataclass(frozen=True)
class Operation:
    method: str
    url: str  # relative to the API root, e.g. contacts(…)
    body: dict | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: dict | None

    @property
    def ok(self) -> bool:
        return self.status < 400


def encode(operations: list[Operation], api_path: str) -> tuple[str, bytes]:
    """(content type, body) of a `$batch` request."""
    boundary = f"batch_{uuid.uuid4()}"
    chunks = [_part(op, index, api_path, boundary) for index, op in enumerate(operations, 1)]
    body = "".join(chunks) + f"--{boundary}--\r\n"
    return f"multipart/mixed; boundary={boundary}", body.encode()


def _part(op: Operation, index: int, api_path: str, boundary: str) -> str:
    lines = [
        f"--{boundary}",
        "Content-Type: application/http",
        "Content-Transfer-Encoding: binary",
        f"Content-ID: {index}",
        "",
        no_line_breaks(f"{op.method} {api_path}{op.url} HTTP/1.1", "$batch request line"),
    ]
    headers = dict(op.headers)
    if op.body is not None:
        headers["Content-Type"] = "application/json; charset=utf-8"
    lines += [no_line_breaks(f"{k}: {v}", "$batch part header") for k, v in headers.items()]
    payload = json_text.dumps(op.body).decode() if op.body is not None else ""
    return "\r\n".join([*lines, "", payload]) + "\r\n"


def decode(content_type: str, body: bytes) -> list[Answer]:
    """The answers of a `$batch` response, in order (change sets flattened)."""
    found = _BOUNDARY.search(content_type or "")
    if not found:
        return []
    answers = []
    for chunk in _split(body.decode("utf-8", "replace"), found.group(1)):
        head, _, rest = chunk.partition("\r\n\r\n")
        inner = _BOUNDARY.search(head)
        if inner and "multipart/mixed" in head.lower():
            answers += [_answer(c) for c in _split(rest, inner.group(1))]
        else:
            answers.append(_answer(chunk))
    return answers


def _split(text: str, boundary: str) -> list[str]:
    parts = text.replace("\r\n", "\n").split(f"--{boundary}")[1:]
    return [p.strip("\n").replace("\n", "\r\n") for p in parts if not p.startswith("--")]


def _answer(chunk: str) -> Answer:
    _mime, _, http = chunk.partition("\r\n\r\n")
    status_line = _STATUS.search(http)
    status = int(status_line.group(1)) if status_line else 500
    head, _, payload = http.partition("\r\n\r\n")
    headers = {}
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    try:
        parsed = json.loads(payload) if payload.strip() else None
    except ValueError:
        parsed = {"error": {"code": f"HTTP_{status}", "message": payload.strip()[:200]}}
    return Answer(status, headers, parsed if isinstance(parsed, dict) else None)
