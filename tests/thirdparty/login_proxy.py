"""A CONNECT proxy that serves Salesforce's own host names from the sandbox, for the tools
that hard-code their login host (airbyte-source-salesforce, tap-salesforce, simple-salesforce's
SOAP login) or accept only a My Domain URL (aiosalesforce: `https://<name>.my.salesforce.com`).

Such a tool is configured the way its users would point it at any intercepting proxy:
`HTTPS_PROXY` names this proxy and the CA bundle trusts its certificate. The proxy answers a
CONNECT to such a host by ending TLS itself (a certificate for that name, from a
CA made here) and forwarding the request to the sandbox over TLS verified with its CA.
Every other CONNECT is refused, so nothing leaves the machine; the instance URL the token
answer names is the sandbox's own, reached directly (`NO_PROXY`).
"""

from __future__ import annotations

import datetime as dt
import http.client
import socket
import socketserver
import ssl
import threading
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

LOGIN_HOSTS = ("login.salesforce.com", "test.salesforce.com")
MY_DOMAIN = ".my.salesforce.com"  # one label before it: the wildcard name covers it
SANDBOX_MY_DOMAIN = f"https://crmlink-sandbox{MY_DOMAIN}"


def served(host: str) -> bool:
    """A host the proxy answers for; every other CONNECT is refused."""
    label = host.removesuffix(MY_DOMAIN)
    return host in LOGIN_HOSTS or (label != host and label.replace("-", "").isalnum())


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _cert(subject, issuer, public_key, signer, *, ca: bool) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
        builder = builder.add_extension(usage, critical=True)
    else:
        names = [x509.DNSName(host) for host in (*LOGIN_HOSTS, f"*{MY_DOMAIN}")]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(signer, hashes.SHA256())


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def make_tls(folder: Path, sandbox_ca: Path) -> tuple[Path, Path, Path]:
    """(certificate, key, bundle): the proxy's login-host certificate and its key, and a CA
    bundle trusting both the sandbox's CA and the proxy's."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("crmlink test login proxy CA")
    ca = _cert(ca_name, ca_name, ca_key.public_key(), ca_key, ca=True)
    cert = _cert(_name(LOGIN_HOSTS[0]), ca_name, key.public_key(), ca_key, ca=False)
    paths = folder / "login.pem", folder / "login.key", folder / "bundle.pem"
    paths[0].write_bytes(_pem(cert))
    paths[1].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    paths[2].write_bytes(sandbox_ca.read_bytes() + _pem(ca))
    return paths


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        self.request.settimeout(60)
        head, _ = _read_head(self.request)
        parts = head.split(b" ", 2)
        host = parts[1].decode(errors="replace").rsplit(":", 1)[0] if len(parts) > 1 else ""
        if parts[0] != b"CONNECT" or not served(host):
            self.request.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        with self.server.server_tls.wrap_socket(self.request, server_side=True) as client:
            self._forward(client)

    def _forward(self, client: ssl.SSLSocket) -> None:
        """One request per connection, forwarded whole: no byte pumps in two threads."""
        head, body = _read_head(client)
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
        length = int(next((v for k, v in headers.items() if k.lower() == "content-length"), 0))
        while len(body) < length:
            body += client.recv(65536) or b""
        keep = {k: v for k, v in headers.items() if k.lower() not in _HOP}
        client.sendall(self.server.ask(method, path, body[:length], keep))


_HOP = {"host", "connection", "keep-alive", "proxy-connection", "content-length"}


def _read_head(sock: socket.socket) -> tuple[bytes, bytes]:
    """(head, the bytes read past it)."""
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, target: str, sandbox_ca: Path, cert: Path, key: Path) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        parts = urlsplit(target)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 443)
        self.server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.server_tls.load_cert_chain(cert, key)
        self.client_tls = ssl.create_default_context(cafile=str(sandbox_ca))

    def ask(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
        """The sandbox's answer, as bytes to send back (closing the connection)."""
        host, port = self.target
        conn = http.client.HTTPSConnection(host, port, context=self.client_tls, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            answer = conn.getresponse()
            content = answer.read()
            kept = [(k, v) for k, v in answer.getheaders() if k.lower() not in _DROP]
        finally:
            conn.close()
        lines = [f"HTTP/1.1 {answer.status} {answer.reason}", *(f"{k}: {v}" for k, v in kept)]
        lines += [f"Content-Length: {len(content)}", "Connection: close", "", ""]
        return "\r\n".join(lines).encode("latin-1") + content


_DROP = {"content-length", "transfer-encoding", "connection", "keep-alive"}


class LoginProxy:
    """Started around a sandbox: `url` for HTTPS_PROXY, `bundle` for the tool's CA file."""

    def __init__(self, sandbox_url: str, sandbox_ca: Path, folder: Path) -> None:
        cert, key, self.bundle = make_tls(folder, sandbox_ca)
        self._server = _Server(sandbox_url, sandbox_ca, cert, key)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> LoginProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
