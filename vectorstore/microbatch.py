"""Micro-batching: calls that arrive together are answered by one batched call.

Questions from concurrent clients each need one embedding; run one by one on one model they queue behind
each other. `MicroBatcher.submit(item)` instead joins the items submitted at about the same time into one
`run_batch(items)` call. There is no worker thread: the first caller that finds no batch running leads —
it waits a short window for company (only when callers have recently overlapped, so a lone question never
waits), takes up to `max_batch` pending items, runs them and hands every caller its own result (or the
batch's exception). Callers that arrive while a batch runs queue for the next one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# How long after two calls last overlapped the batcher still expects company and waits its window.
_CONCURRENCY_MEMORY_S = 1.0


class _Slot(Generic[T, R]):
    __slots__ = ("done", "error", "item", "result")

    def __init__(self, item: T) -> None:
        self.item = item
        self.done = False
        self.result: R | None = None
        self.error: BaseException | None = None


class MicroBatcher(Generic[T, R]):
    """Thread-safe; `run_batch` must return one result per item, in order. `batches` and `items` count
    the calls made and the items they carried (so tests and the bench can see the batching)."""

    def __init__(
        self,
        run_batch: Callable[[list[T]], Sequence[R]],
        *,
        window_s: float = 0.003,
        max_batch: int = 32,
        parallel: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`parallel`: how many batches may run at once (a model that runs concurrently on several cores,
        like an ONNX Runtime session, can take one per core)."""
        if max_batch < 1 or parallel < 1:
            raise ValueError("max_batch and parallel must be >= 1")
        self.parallel = parallel
        self._run_batch = run_batch
        self.window_s = window_s
        self.max_batch = max_batch
        self._clock = clock
        self._cond = threading.Condition()
        self._pending: list[_Slot[T, R]] = []
        self._running = 0  # batches running now
        self._overlap_seen = float("-inf")  # when a caller last found a batch running or a queue
        self.batches = 0
        self.items = 0

    def submit(self, item: T) -> R:
        slot: _Slot[T, R] = _Slot(item)
        with self._cond:
            if self._running or self._pending:
                self._overlap_seen = self._clock()
            self._pending.append(slot)
            while not slot.done:
                if self._running >= self.parallel:
                    self._cond.wait()
                    continue
                self._running += 1  # this caller leads the next batch (its own item may be in a later one)
                recent = self._clock() - self._overlap_seen < _CONCURRENCY_MEMORY_S
                expect_company = recent and len(self._pending) < self.max_batch
                self._cond.release()
                try:
                    self._lead(expect_company)
                finally:
                    self._cond.acquire()
            return self._outcome(slot)

    def _lead(self, expect_company: bool) -> None:
        try:
            if expect_company and self.window_s > 0:
                time.sleep(self.window_s)  # let the questions that arrive together join this batch
            with self._cond:
                batch = self._pending[: self.max_batch]
                del self._pending[: self.max_batch]
            if batch:  # empty when a parallel leader took every pending item, this caller's included
                self._run(batch)
        finally:
            with self._cond:
                self._running -= 1
                self._cond.notify_all()

    def _run(self, batch: list[_Slot[T, R]]) -> None:
        try:
            results = list(self._run_batch([slot.item for slot in batch]))
            if len(results) != len(batch):
                raise RuntimeError(f"run_batch returned {len(results)} results for {len(batch)} items")
        except BaseException as exc:  # every caller of the batch gets the failure, none hangs
            with self._cond:
                for slot in batch:
                    slot.error, slot.done = exc, True
                self.batches += 1
                self.items += len(batch)
            return
        with self._cond:
            for slot, result in zip(batch, results, strict=True):
                slot.result, slot.done = result, True
            self.batches += 1
            self.items += len(batch)

    @staticmethod
    def _outcome(slot: _Slot[T, R]) -> R:
        if slot.error is not None:
            raise slot.error
        return slot.result  # type: ignore[return-value]
