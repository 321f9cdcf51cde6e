"""A real `chroma run` server on 127.0.0.1 for tests: start, wait for the heartbeat, stop, restart.

The server keeps its port and data path across `stop()`/`start()`, so a test can take the store away
under a running app and bring the very same store back (what an operator's restart looks like).
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from bench.processes import ExitedError, free_port, wait_until_answers
from settings import Settings

CHROMA = Path(sys.executable).parent / "chroma"
HOST = "127.0.0.1"


class ChromaServer:
    """`chroma run --path PATH --host 127.0.0.1 --port PORT`; output goes to `PATH.log`."""

    def __init__(self, path: Path, *, port: int | None = None) -> None:
        self.path = Path(path)
        self.port = port or free_port()
        self.log_path = self.path.with_name(f"{self.path.name}.log")
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def env(self) -> dict[str, str]:
        """What a subprocess (the ingest CLI, the app) needs to use this server."""
        return {"POLICY_QA_CHROMA_HOST": HOST, "POLICY_QA_CHROMA_PORT": str(self.port)}

    def settings(self, data_dir: Path, **overrides: Any) -> Settings:
        return Settings(data_dir=data_dir, chroma_host=HOST, chroma_port=self.port, **overrides)

    def start(self, timeout_s: float = 60.0) -> ChromaServer:
        if self.running:
            return self
        self._log = self.log_path.open("ab")
        command = [str(CHROMA), "run", "--path", str(self.path), "--host", HOST, "--port", str(self.port)]
        self._process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT)
        self._wait_for_heartbeat(timeout_s)
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        """Graceful stop (SIGTERM), then SIGKILL if it does not go in time."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGCONT)  # a frozen server cannot act on SIGTERM
            process.terminate()
            try:
                process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=timeout_s)
        if self._log is not None:
            self._log.close()
            self._log = None

    def freeze(self) -> None:
        """SIGSTOP: the port still accepts connections but nothing answers (a hung or swapped-out server)."""
        assert self._process is not None
        self._process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self._process is not None
        self._process.send_signal(signal.SIGCONT)

    def restart(self, timeout_s: float = 60.0) -> ChromaServer:
        self.stop()
        return self.start(timeout_s)

    def _wait_for_heartbeat(self, timeout_s: float) -> None:
        assert self._process is not None
        url = f"{self.url}/api/v2/heartbeat"
        try:
            wait_until_answers(self._process, url, timeout_s, name="chroma", request_timeout_s=1.0)
        except ExitedError as exc:
            self.stop()
            raise RuntimeError(f"{exc}; see {self.log_path}") from exc
        except TimeoutError as exc:
            self.stop()
            raise TimeoutError(f"{exc}; see {self.log_path}") from exc

    def __enter__(self) -> ChromaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def chroma_server(path: Path, *, port: int | None = None) -> Iterator[ChromaServer]:
    """A started server, stopped on exit whatever happened."""
    server = ChromaServer(path, port=port)
    try:
        yield server.start()
    finally:
        server.stop()
