"""Serve a sandbox's ASGI app over HTTPS on loopback, in a thread or in the foreground.

Like moto's ThreadedMotoServer: tests, the demo and the benchmarks start a sandbox
in-process with `start()` and stop it with `stop()`; the CLI calls `serve_forever()`.
"""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

from crmlink.sandbox.core.tls import TlsFiles


class SandboxServer:
    def __init__(self, app, tls: TlsFiles, host: str = "127.0.0.1", port: int = 0) -> None:
        self._socket = _bind(host, port)
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
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{self.port}"

    def start(self, timeout: float = 15.0) -> SandboxServer:
        """Serve in a daemon thread; return once the server accepts connections."""
        self._thread = threading.Thread(target=self._run, name="sandbox-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"sandbox server did not start on {self.url}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._socket.close()

    def serve_forever(self, on_ready=None) -> None:
        """Serve in this thread until interrupted; `on_ready()` runs once it listens."""
        watcher = threading.Thread(target=self._notify_ready, args=(on_ready,), daemon=True)
        watcher.start()
        self._run()

    def _notify_ready(self, on_ready) -> None:
        while not self._server.started and not self._server.should_exit:
            time.sleep(0.01)
        if on_ready is not None and self._server.started:
            on_ready()

    def _run(self) -> None:
        self._server.run(sockets=[self._socket])

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock
