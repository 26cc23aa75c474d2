"""Serve a sandbox's ASGI app over HTTPS on loopback, in a thread or in the foreground.

Like moto's ThreadedMotoServer: tests, the demo and the benchmarks start a sandbox
in-process with `start()` and stop it with `stop()`; the CLI calls `serve_forever()`.
A socket that cannot be bound (port in use, unknown host) is a `UsageError` raised to
the caller, and an error of the server thread during start-up reaches `start()`'s caller.
"""

from __future__ import annotations

import errno
import socket
import threading
import time
from collections.abc import Callable

import uvicorn

from crmlink.errors import UsageError
from crmlink.sandbox.core.tls import TlsFiles


class PortInUse(UsageError):
    """The port asked for is taken by another program."""


class _Server(uvicorn.Server):
    """uvicorn's server, dropping idle keep-alive connections at once on shutdown.

    Closing a TLS connection waits for the client's close_notify, which an idle client
    never sends: the graceful wait would time out and leave the sockets to the garbage
    collector. Connections with a response under way still finish gracefully."""

    async def shutdown(self, sockets=None) -> None:
        for connection in list(self.server_state.connections):
            cycle = getattr(connection, "cycle", None)
            transport = getattr(connection, "transport", None)
            if transport is not None and (cycle is None or cycle.response_complete):
                transport.abort()
        await super().shutdown(sockets)


class SandboxServer:
    def __init__(self, app, tls: TlsFiles, host: str = "127.0.0.1", port: int = 0) -> None:
        self._socket = bind_socket(host, port)
        self.host = host
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(
            app,
            ssl_certfile=str(tls.server_cert),
            ssl_keyfile=str(tls.server_key),
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_keep_alive=30,
            timeout_graceful_shutdown=1,
            server_header=False,  # no CRM names its server `uvicorn`
            date_header=False,  # uvicorn's is lower-case: `core.header_names` writes `Date`
        )
        self._server = _Server(config)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{self.port}"

    def start(self, timeout: float = 15.0) -> SandboxServer:
        """Serve in a daemon thread; return once the server accepts connections.

        An exception of the server thread before it is ready is raised here."""
        self._thread = threading.Thread(target=self._run_caught, name="sandbox-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                if self._error is not None:
                    raise self._error
                raise RuntimeError(f"sandbox server did not start on {self.url}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._socket.close()

    def serve_forever(self, on_ready: Callable[[], None] | None = None) -> None:
        """Serve in this thread until interrupted; `on_ready()` runs once it listens."""
        watcher = threading.Thread(target=self._notify_ready, args=(on_ready,), daemon=True)
        watcher.start()
        try:
            self._run()
        finally:
            self._socket.close()

    def _notify_ready(self, on_ready: Callable[[], None] | None) -> None:
        while not self._server.started and not self._server.should_exit:
            time.sleep(0.01)
        if on_ready is not None and self._server.started:
            on_ready()

    def _run(self) -> None:
        self._server.run(sockets=[self._socket])

    def _run_caught(self) -> None:
        try:
            self._run()
        except BaseException as exc:  # noqa: BLE001 - handed to start()'s caller
            self._error = exc

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or a UsageError saying how to choose another."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UsageError(
            f"the host {host!r} does not resolve to an address: give --host 127.0.0.1 "
            "(or another address of this machine)"
        ) from None
    family, _, _, _, address = infos[0]
    # proto IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say so, and
    # without it every answer written in two parts waits ~40 ms for a delayed ACK
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise _bind_error(host, port, exc) from None
    sock.set_inheritable(True)
    return sock


def _bind_error(host: str, port: int, exc: OSError) -> UsageError:
    if exc.errno == errno.EADDRINUSE:
        return PortInUse(
            f"port {port} on {host} is in use: choose another --port (or 0 for any free one)"
        )
    if exc.errno in (errno.EACCES, errno.EPERM):
        return UsageError(
            f"port {port} on {host} needs privileges this user lacks: choose a --port above "
            "1023 (or 0 for any free one)"
        )
    if exc.errno == errno.EADDRNOTAVAIL:
        return UsageError(
            f"{host} is not an address of this machine: give --host 127.0.0.1 "
            "(or another local address)"
        )
    return UsageError(
        f"cannot listen on port {port} of {host} ({exc.strerror or exc}): choose another "
        "--host or --port"
    )
