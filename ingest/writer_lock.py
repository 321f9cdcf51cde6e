"""Serialises the writers of one index: a file lock across processes, a lock across threads."""

from __future__ import annotations

import fcntl
import threading
import time
from pathlib import Path
from typing import Any

from errors import StoreUnavailableError


class WriterLock:
    """Serialises writers across processes (flock on a file in the data dir) and threads."""

    def __init__(self, path: Path | None, timeout_s: float = 600.0) -> None:
        self._path = path
        self._timeout_s = timeout_s
        self._thread_lock = threading.Lock()

    def __enter__(self) -> None:
        if not self._thread_lock.acquire(timeout=self._timeout_s):
            raise StoreUnavailableError("索引正在被更新，请稍后再试")
        try:
            self._file = self._acquire_file() if self._path is not None else None
        except BaseException:
            self._thread_lock.release()
            raise

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
        self._thread_lock.release()

    def _acquire_file(self) -> Any:
        assert self._path is not None
        self._path.parent.mkdir(parents=True, exist_ok=True)
        handle = self._path.open("a")
        deadline = time.monotonic() + self._timeout_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return handle
            except BlockingIOError:
                if time.monotonic() > deadline:
                    handle.close()
                    raise StoreUnavailableError("另一个导入进程正在更新索引，请稍后再试") from None
                time.sleep(0.1)
