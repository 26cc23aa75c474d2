"""`$batch`: multipart/mixed requests with change sets (all or nothing), `Content-ID`
references (`$1`) and at most 1,000 operations, answered in the same multipart shape."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from http import HTTPStatus

from crmlink.sandbox.dynamics.errors import BatchTooLarge, DataverseError, InvalidPayload
from crmlink.sandbox.dynamics.models.odata.options import Prefer
from crmlink.sandbox.dynamics.routes import service as service_mod
from crmlink.sandbox.dynamics.routes.http import ApiRequest, ApiResponse

MAX_OPERATIONS = 1000
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.I)


@dataclass
class Part:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    content_id: str | None


class _ChangesetFailed(Exception):
    def __init__(self, response: ApiResponse, content_id: str | None) -> None:
        self.response, self.content_id = response, content_id


def _split(body: bytes, boundary: str) -> list[bytes]:
    delimiter = b"--" + boundary.encode()
    chunks = body.split(delimiter)[1:]
    return [c.strip(b"\r\n") for c in chunks if not c.startswith(b"--")]


def _headers_and_body(chunk: bytes) -> tuple[dict[str, str], bytes]:
    text = chunk.replace(b"\r\n", b"\n")
    head, _, rest = text.partition(b"\n\n")
    headers = {}
    for line in head.decode().splitlines():
        name, _, value = line.partition(":")
        if value:
            headers[name.strip().lower()] = value.strip()
    return headers, rest


def _part(chunk: bytes) -> Part:
    outer, inner = _headers_and_body(chunk)
    request_line, _, rest = inner.partition(b"\n")
    method, _, target = request_line.decode().strip().partition(" ")
    bits = [method, target.rsplit(" HTTP/", 1)[0].strip()]
    if not bits[1]:
        raise InvalidPayload("A $batch part has no request line.")
    headers, body = _headers_and_body(rest) if rest.strip() else ({}, b"")
    if not rest.startswith(b"\n") and b"\n\n" not in rest:
        headers, body = _headers_and_body(rest + b"\n\n")
    return Part(bits[0].upper(), bits[1], headers, body.strip(), outer.get("content-id"))


def parse(body: bytes, content_type: str) -> list[list[Part] | Part]:
    """Top-level items: a `Part`, or a list of parts for a change set."""
    match = _BOUNDARY.search(content_type or "")
    if not match:
        raise InvalidPayload("The $batch request must be multipart/mixed with a boundary.")
    items: list = []
    for chunk in _split(body, match.group(1)):
        headers, rest = _headers_and_body(chunk)
        inner = _BOUNDARY.search(headers.get("content-type", ""))
        if headers.get("content-type", "").startswith("multipart/mixed") and inner:
            items.append([_part(c) for c in _split(rest, inner.group(1))])
        else:
            items.append(_part(chunk))
    return items


def _path(url: str, req: ApiRequest, ids: dict[str, str]) -> tuple[str, dict[str, str]]:
    if url.startswith("$"):
        ref, _, tail = url[1:].partition("/")
        if ref not in ids:
            raise InvalidPayload(f"Content-ID reference '${ref}' is not defined.")
        url = ids[ref] + ("/" + tail if tail else "")
    path = re.sub(r"^(?:https?://[^/]+)?/?(?:api/data/v[\d.]+/)?", "", url)
    path, _, query = path.partition("?")
    from urllib.parse import unquote

    path = unquote(path)  # as the server decodes a request's own path (keys are encoded)
    params = {}
    for pair in query.split("&") if query else []:
        key, _, value = pair.partition("=")
        params[unquote(key)] = unquote(value.replace("+", " "))
    return path, params


def _run(svc, req: ApiRequest, part: Part, ids: dict[str, str]) -> ApiResponse:
    path, params = _path(part.url, req, ids)
    body = part.body
    for ref, url in ids.items():
        body = body.replace(f'"${ref}"'.encode(), f'"{url}"'.encode())
    inner = ApiRequest(
        part.method, path, params, part.headers, body, req.base, req.version, req.user
    )
    result = svc.handle(inner, authenticate=False)
    if part.content_id and result.headers.get("OData-EntityId"):
        ids[part.content_id] = result.headers["OData-EntityId"]
    return result


def execute(svc, req: ApiRequest, items: list) -> list:
    """[(response, content_id) | [(response, content_id), …]] in request order."""
    out: list = []
    stop = not Prefer.parse(req.header("Prefer")).continue_on_error
    ids: dict[str, str] = {}
    for item in items:
        if isinstance(item, list):
            out.append(_changeset(svc, req, item, ids))
            failed = out[-1][0][0].status >= 400
        else:
            out.append((_run(svc, req, item, ids), None))
            failed = out[-1][0].status >= 400
        if failed and stop:
            break
    return out


def _changeset(svc, req: ApiRequest, parts: list[Part], ids: dict[str, str]) -> list:
    done: list = []
    service_mod._batch.active = True
    try:
        with svc.org.write():
            for part in parts:
                result = _run(svc, req, part, ids)
                if result.status >= 400:
                    raise _ChangesetFailed(result, part.content_id)
                done.append((result, part.content_id))
    except _ChangesetFailed as failed:
        return [(failed.response, failed.content_id)]
    finally:
        service_mod._batch.active = False
    return done


def _http_part(result: ApiResponse, content_id: str | None) -> str:
    lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if content_id:
        lines.append(f"Content-ID: {content_id}")
    reason = HTTPStatus(result.status).phrase
    lines += ["", f"HTTP/1.1 {result.status} {reason}"]
    lines += [f"{k}: {v}" for k, v in result.headers.items()]
    lines += ["", result.body.decode()]
    return "\r\n".join(lines)


def render(results: list) -> tuple[str, bytes]:
    boundary = f"batchresponse_{uuid.uuid4()}"
    chunks = []
    for item in results:
        if isinstance(item, list):
            inner = f"changesetresponse_{uuid.uuid4()}"
            parts = "".join(f"--{inner}\r\n{_http_part(r, cid)}\r\n" for r, cid in item)
            chunks.append(
                f"--{boundary}\r\nContent-Type: multipart/mixed; boundary={inner}\r\n\r\n"
                f"{parts}--{inner}--\r\n"
            )
        else:
            chunks.append(f"--{boundary}\r\n{_http_part(*item)}\r\n")
    return boundary, ("".join(chunks) + f"--{boundary}--\r\n").encode()


def run_batch(svc, req: ApiRequest) -> ApiResponse:
    try:
        svc.authenticate(req)
        items = parse(req.body, req.header("Content-Type") or "")
        total = sum(len(i) if isinstance(i, list) else 1 for i in items)
        if total > MAX_OPERATIONS:
            raise BatchTooLarge(
                f"The number of requests in a batch exceeds the limit of {MAX_OPERATIONS}."
            )
        boundary, body = render(execute(svc, req, items))
    except DataverseError as exc:
        return ApiResponse.json(exc.body(), exc.status, dict(getattr(exc, "extra", {})))
    return ApiResponse(
        200, body, {"Content-Type": f"multipart/mixed; boundary={boundary}", "OData-Version": "4.0"}
    )
