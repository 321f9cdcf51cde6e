"""Starting a server process for a measurement or a test: a free loopback port, and waiting until it answers.

One copy for the bench (the app in `startup.py`, `chroma run` in `scale.py`, the soak) and the tests'
`chroma run` harness (tests/support/chroma_server.py). Standard library and httpx only: cheap to import.
"""

from __future__ import annotations

import socket
import subprocess
import time
from typing import Any


class ExitedError(RuntimeError):
    """The process ended before it answered."""

    def __init__(self, name: str, returncode: int | None) -> None:
        super().__init__(f"{name} exited with {returncode}")
        self.returncode = returncode


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_answers(
    process: subprocess.Popen[Any],
    url: str,
    timeout_s: float,
    *,
    name: str = "the server",
    interval_s: float = 0.2,
    request_timeout_s: float = 2.0,
) -> None:
    """Poll `url` until it answers 200. ExitedError when `process` ends first, TimeoutError after `timeout_s`."""
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ExitedError(name, process.returncode)
        try:
            if httpx.get(url, timeout=request_timeout_s).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(interval_s)
    raise TimeoutError(f"{name} did not answer {url} within {timeout_s:g} s")
