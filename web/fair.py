"""Fair serving (issue 13, finding 4): a per-client rate limit and a bounded number of waiting questions.

200 anonymous questions in 4.6 s made a real user wait 167 s: nothing limited a client or the queue.
Now a client gets `rate` questions a second with bursts of `burst`, and at most `max_active` questions
are answered at once with `max_waiting` more waiting; beyond that the answer is "请稍后再试" at once.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from errors import BusyError, TooManyAttemptsError

RATE_MESSAGE = "提问太频繁，请稍后再试。"


class RateLimiter:
    """Token bucket per client: `burst` at once, refilled at `rate` per second."""

    def __init__(self, rate: float, burst: int, max_clients: int = 10_000) -> None:
        self.rate = rate
        self.burst = burst
        self._max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client → (tokens, time)
        self._lock = threading.Lock()

    def check(self, client: str, now: float | None = None) -> None:
        """Take one token or raise TooManyAttemptsError (429)."""
        now = now if now is not None else time.monotonic()
        with self._lock:
            tokens, last = self._buckets.pop(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            allowed = tokens >= 1.0
            self._buckets[client] = (tokens - 1.0 if allowed else tokens, now)
            while len(self._buckets) > self._max_clients:
                self._buckets.popitem(last=False)
        if not allowed:
            raise TooManyAttemptsError(RATE_MESSAGE, retry_after=(1.0 - tokens) / self.rate)


class QuestionSlots:
    """At most `max_active` answers at once and `max_waiting` waiting; the rest are refused (503)."""

    def __init__(self, max_active: int, max_waiting: int, wait_s: float = 30.0) -> None:
        self._active = threading.BoundedSemaphore(max_active)
        self._max_waiting = max_waiting
        self._wait_s = wait_s
        self._waiting = 0
        self._lock = threading.Lock()

    @contextmanager
    def slot(self) -> Iterator[None]:
        if not self._active.acquire(blocking=False):
            with self._lock:
                if self._waiting >= self._max_waiting:
                    raise BusyError()
                self._waiting += 1
            try:
                acquired = self._active.acquire(timeout=self._wait_s)
            finally:
                with self._lock:
                    self._waiting -= 1
            if not acquired:
                raise BusyError()
        try:
            yield
        finally:
            self._active.release()


class FairUse:
    """What an edge (API, chat) checks before answering a client's question."""

    def __init__(self, limiter: RateLimiter, slots: QuestionSlots, max_question_chars: int) -> None:
        self.limiter = limiter
        self.slots = slots
        self.max_question_chars = max_question_chars

    def check_question(self, question: str) -> None:
        from errors import QuestionTooLongError

        if len(question) > self.max_question_chars:
            raise QuestionTooLongError(
                f"问题太长（{len(question)} 个字），最多 {self.max_question_chars} 个字，请精简后再问。"
            )
