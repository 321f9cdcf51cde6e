"""Refusals (rate limits, full queues, uploads without an admin session, …) logged once, not per request.

An attack produces thousands of refusals a minute; a log line each would be a second denial of service
(the disk, the operator's attention). The first refusal of a kind from a client is logged at once; the
rest are counted and summarised in one line per kind every `interval_s`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter

log = logging.getLogger("policy_qa.refused")


class RefusalLog:
    def __init__(self, interval_s: float = 60.0, max_keys: int = 10_000) -> None:
        self._interval_s = interval_s
        self._max_keys = max_keys
        self._seen: set[tuple[str, str]] = set()
        self._pending: Counter[str] = Counter()
        self._last_flush = time.monotonic()
        self._lock = threading.Lock()
        self.total: Counter[str] = Counter()  # per kind since start (tests and /api/health read it)

    def refused(self, kind: str, client: str, detail: str = "") -> None:
        with self._lock:
            self.total[kind] += 1
            first = (kind, client) not in self._seen
            if first and len(self._seen) < self._max_keys:
                self._seen.add((kind, client))
            else:
                self._pending[kind] += 1
                first = False
            flush = self._pending if time.monotonic() - self._last_flush >= self._interval_s else None
            if flush is not None:
                self._pending, self._last_flush = Counter(), time.monotonic()
        if first:
            log.warning("refused %s from %s%s", kind, client, f": {detail}" if detail else "")
        if flush:
            for name, count in sorted(flush.items()):
                log.warning("refused %s %d more times in the last %.0f s", name, count, self._interval_s)
