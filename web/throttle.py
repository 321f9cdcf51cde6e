"""Guessing slowed down: after a few wrong admin tokens or passwords from one client, that client waits.

Each failure past `free_failures` doubles the wait (1 s, 2 s, 4 s … up to `max_wait_s`); a success
clears the client's record. While a client waits every attempt is refused with 429 without being
checked, so 300 guesses take hours instead of seconds. Keyed by the client's address.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from errors import TooManyAttemptsError


@dataclass
class _Record:
    failures: int = 0
    blocked_until: float = 0.0


class FailureThrottle:
    def __init__(self, free_failures: int = 5, max_wait_s: float = 300.0, max_clients: int = 10_000) -> None:
        self.free_failures = free_failures
        self.max_wait_s = max_wait_s
        self._max_clients = max_clients
        self._records: OrderedDict[str, _Record] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, client: str, now: float | None = None) -> None:
        """Raise TooManyAttemptsError (429) while `client` must wait."""
        now = now if now is not None else time.monotonic()
        with self._lock:
            record = self._records.get(client)
            wait = record.blocked_until - now if record else 0.0
        if wait > 0:
            raise TooManyAttemptsError(f"尝试次数过多，请 {int(wait) + 1} 秒后再试。", retry_after=wait)

    def failed(self, client: str, now: float | None = None) -> None:
        now = now if now is not None else time.monotonic()
        with self._lock:
            record = self._records.pop(client, None) or _Record()
            record.failures += 1
            extra = record.failures - self.free_failures
            if extra > 0:
                record.blocked_until = now + min(self.max_wait_s, 2.0 ** (extra - 1))
            self._records[client] = record
            while len(self._records) > self._max_clients:
                self._records.popitem(last=False)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._records.pop(client, None)
