"""A client's idle connection is not closed under it by the API.

HTTP clients keep an idle connection for a few seconds and reuse it (httpx and browsers: 5 s
and more). When the API drops idle connections as early as they do, a request sent on one just
as it closes gets no answer at all — a write the client cannot know happened. Under the load
benchmark that was one request in a few thousand; here it is made certain.
"""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

import pytest

from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e

IDLE_SECONDS = 6.0  # longer than httpx's default keep-alive (5 s) and uvicorn's (5 s)


def _answer(connection: socket.socket, host: str) -> bytes:
    connection.sendall(f"GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    received = b""
    while b"\r\n\r\n" not in received or not received.endswith(b"}"):
        chunk = connection.recv(4096)
        if not chunk:
            break
        received += chunk
    return received


def test_an_idle_connection_still_answers(stack: Stack) -> None:
    address = urlsplit(stack.api)
    host, port = address.hostname or "127.0.0.1", address.port or 80
    with socket.create_connection((host, port), timeout=10) as connection:
        assert _answer(connection, host).startswith(b"HTTP/1.1 200")
        time.sleep(IDLE_SECONDS)
        again = _answer(connection, host)
    assert again.startswith(b"HTTP/1.1 200"), f"after {IDLE_SECONDS} s idle: {again!r}"
