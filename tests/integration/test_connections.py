"""Issue 13, finding 5: idle and slow connections time out, open sockets are capped, each logged once.

A real uvicorn (web/server.py's config) on a free 127.0.0.1 port; at most 60 sockets, a few seconds.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from settings import Settings
from tests.conftest import free_port
from web.refusals import RefusalLog
from web.server import server_config

pytestmark = pytest.mark.integration

CAP = 20


@pytest.fixture
def server() -> Iterator[tuple[int, RefusalLog]]:
    app = FastAPI()

    @app.get("/ping")
    def ping() -> dict[str, bool]:
        return {"ok": True}

    port = free_port()
    refusals = RefusalLog()
    settings = Settings(port=port, max_connections=CAP, header_timeout_s=1.0, idle_timeout_s=1.0)
    config = server_config(app, settings, refusals=refusals)
    config.log_level = "warning"
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield port, refusals
    running.should_exit = True
    thread.join(timeout=10)


def closed_within(sock: socket.socket, seconds: float) -> float | None:
    """Seconds until the server closed `sock` (recv returns b"" or a reset), None if still open."""
    started = time.monotonic()
    sock.settimeout(seconds)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return time.monotonic() - started
    except (ConnectionResetError, BrokenPipeError):
        return time.monotonic() - started
    except TimeoutError:
        return None


def test_a_connection_that_sends_nothing_or_half_a_header_is_closed(server: tuple[int, RefusalLog]) -> None:
    port, refusals = server
    with (
        socket.create_connection(("127.0.0.1", port)) as silent,
        socket.create_connection(("127.0.0.1", port)) as slow,
    ):
        slow.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\n")  # never finishes its headers
        assert (closed_within(silent, 4) or 99) < 3
        assert (closed_within(slow, 4) or 99) < 3
    assert refusals.total["header_timeout"] == 2


def test_keep_alive_ends_after_the_idle_timeout(server: tuple[int, RefusalLog]) -> None:
    port, _ = server
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
        assert b"200 OK" in sock.recv(4096)
        assert (closed_within(sock, 5) or 99) < 3


def test_sockets_over_the_cap_are_closed_at_once_and_the_service_recovers(
    server: tuple[int, RefusalLog], caplog: pytest.LogCaptureFixture
) -> None:
    port, refusals = server
    caplog.set_level(logging.WARNING, logger="policy_qa.refused")
    sockets = [socket.create_connection(("127.0.0.1", port)) for _ in range(3 * CAP)]
    try:
        time.sleep(0.5)
        quickly = [closed_within(s, 0.05) for s in sockets]  # well before the 1 s header timeout
        assert sum(t is not None for t in quickly) >= 2 * CAP - 2  # the ones over the cap
        assert refusals.total["connection_cap"] >= 2 * CAP - 2
        capped = [r for r in caplog.records if "connection_cap" in r.getMessage()]
        assert len(capped) == 1  # one line, not forty
        time.sleep(1.5)  # the idle ones within the cap time out; the service answers again
        assert httpx.get(f"http://127.0.0.1:{port}/ping", timeout=5).json() == {"ok": True}
    finally:
        for s in sockets:
            s.close()
