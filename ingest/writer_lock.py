"""Serialises the writers of one index: a file lock across processes, a lock across threads."""

from __future__ import annotations

import threading
from pathlib import Path

from filelock import FileLock, Timeout

from errors import StoreUnavailableError


class WriterLock:
    """Serialises writers across processes (a `filelock` on a file in the data dir) and threads.

    The thread lock comes first so that threads of one process queue here and only one of them waits on
    the file (and so a timeout names the right culprit: this process or another one)."""

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
            self._file.release()
        self._thread_lock.release()

    def _acquire_file(self) -> FileLock:
        assert self._path is not None
        self._path.parent.mkdir(parents=True, exist_ok=True)
        # The lock file stays (unlinking it races with a waiting process); no soft-lock fallback: a
        # directory where flock fails must fail loudly, as before.
        lock = FileLock(self._path, poll_interval=0.1, preserve_lock_file=True, fallback_to_soft=False)
        try:
            lock.acquire(timeout=self._timeout_s)
        except Timeout:
            raise StoreUnavailableError("另一个导入进程正在更新索引，请稍后再试") from None
        return lock
