"""The loopback profile adds nothing, not even the transport's own delay: the listening
socket says IPPROTO_TCP, which is what makes asyncio set TCP_NODELAY on each connection
(without it an answer written in two parts waits ~40 ms for a delayed ACK)."""

from __future__ import annotations

import socket

from crmlink.sandbox.core.server import bind_socket


def test_the_listening_socket_is_tcp_so_connections_get_nodelay():
    sock = bind_socket("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
        client = socket.create_connection(sock.getsockname())
        accepted, _ = sock.accept()
        with client, accepted:
            assert accepted.proto == socket.IPPROTO_TCP  # asyncio's _set_nodelay checks this
    finally:
        sock.close()
