"""Shared fixtures: a free local port, and real HTTP servers (uvicorn in a background thread)."""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterator
from typing import Any

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """An ASGI app served by uvicorn on 127.0.0.1 in a daemon thread."""

    def __init__(self, app: Any, *, root_path: str = "") -> None:
        import uvicorn

        self.port = free_port()
        self.root_path = root_path
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            root_path=root_path,
            log_level="warning",
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name=f"uvicorn-{self.port}", daemon=True)

    @property
    def url(self) -> str:
        """Where a client (or a proxy that strips the root path) reaches the app, with a trailing slash."""
        return f"http://127.0.0.1:{self.port}/"

    def start(self, timeout_s: float = 60.0) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"server on port {self.port} did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the test item (`item.rep_call.failed`): fixtures can then save
    evidence, e.g. a browser screenshot, when the test failed."""
    report: pytest.TestReport = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def live_server() -> Iterator[Callable[..., LiveServer]]:
    """`live_server(app, root_path="")` starts a server; every one started is stopped at the end."""
    servers: list[LiveServer] = []

    def start(app: Any, *, root_path: str = "") -> LiveServer:
        server = LiveServer(app, root_path=root_path).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


# The whole suite loads torch, ONNX Runtime, Chroma's Rust core and grpc into one process. After the last test
# and the summary, a C++ static destructor in one of them aborts interpreter teardown ("terminate called
# without an active exception", only the main thread left, no Python frame) — seen only with every unit test in
# one process, never with a half of them, the integration tests or any file alone. The results are reported by
# then; exiting with pytest's own status without the C++ teardown keeps `make test` honest about them.
_EXIT_STATUS: list[int] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _EXIT_STATUS.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    if _EXIT_STATUS and not os.environ.get("POLICY_QA_TEST_FULL_TEARDOWN"):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_EXIT_STATUS[-1])
