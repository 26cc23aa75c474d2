"""Raw HTTP/1.1 over an `ssl` socket: header names exactly as the sandbox wrote them.

httpx and requests normalise header names, so a test of their spelling reads the bytes.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class RawResponse:
    status: int
    headers: list[tuple[str, str]]  # (name as sent, value), in order
    body: bytes

    def names(self) -> list[str]:
        return [name for name, _ in self.headers]

    def header(self, name: str) -> str | None:
        """The value of the header spelled exactly `name`."""
        return next((v for n, v in self.headers if n == name), None)


def raw_request(
    sandbox, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> RawResponse:
    """Send one request on a fresh TLS connection (verified against the sandbox's CA)."""
    url = urlsplit(sandbox.url)
    context = ssl.create_default_context(cafile=str(sandbox.tls.ca_bundle))
    head = [f"{method} {path} HTTP/1.1", f"Host: {url.netloc}", "Connection: close"]
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    head.append(f"Content-Length: {len(body)}")
    request = ("\r\n".join(head) + "\r\n\r\n").encode() + body
    plain = socket.create_connection((url.hostname, url.port), timeout=30)
    with plain, context.wrap_socket(plain, server_hostname=url.hostname) as tls:
        tls.sendall(request)
        data = _read_all(tls)
    return _parse(data)


def _read_all(sock: ssl.SSLSocket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(data: bytes) -> RawResponse:
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = []
    for line in lines:
        name, _, value = line.partition(":")
        headers.append((name, value.strip()))
    response = RawResponse(int(status_line.split()[1]), headers, body)
    if (response.header("Transfer-Encoding") or "").lower() == "chunked":
        response.body = _unchunk(body)
    return response


def _unchunk(body: bytes) -> bytes:
    out, rest = [], body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2 :]
    return b"".join(out)
