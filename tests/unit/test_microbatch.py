"""MicroBatcher: concurrent calls share batches, each caller gets its own result or the batch's error,
a lone call never waits the window, and no caller is left waiting."""

from __future__ import annotations

import contextlib
import threading
import time

import pytest

from vectorstore.microbatch import MicroBatcher


class Recorder:
    """run_batch that records its batches; the first call can be held until released."""

    def __init__(self, hold_first: bool = False) -> None:
        self.batches: list[list[int]] = []
        self.started = threading.Event()
        self.release = threading.Event()
        if not hold_first:
            self.release.set()

    def __call__(self, items: list[int]) -> list[int]:
        self.batches.append(list(items))
        self.started.set()
        self.release.wait(10)
        return [i * 10 for i in items]


class Calls:
    """`submit(i)` for each item, each from its own thread, started now."""

    def __init__(self, batcher: MicroBatcher[int, int], items: list[int]) -> None:
        self.results: dict[int, object] = {}
        self.threads = [threading.Thread(target=self._call, args=(batcher, i)) for i in items]
        for thread in self.threads:
            thread.start()

    def _call(self, batcher: MicroBatcher[int, int], i: int) -> None:
        try:
            self.results[i] = batcher.submit(i)
        except Exception as exc:
            self.results[i] = exc

    def join(self) -> dict[int, object]:
        for thread in self.threads:
            thread.join(10)
            assert not thread.is_alive(), "a caller was left waiting"
        return self.results


def test_calls_arriving_while_a_batch_runs_share_the_next_batch() -> None:
    run = Recorder(hold_first=True)
    batcher: MicroBatcher[int, int] = MicroBatcher(run, window_s=0.0)
    first = Calls(batcher, [0])
    assert run.started.wait(5)
    rest = Calls(batcher, list(range(1, 9)))
    time.sleep(0.2)  # all eight queue behind the running batch
    run.release.set()
    results = {**first.join(), **rest.join()}
    assert results == {i: i * 10 for i in range(9)}
    assert run.batches[0] == [0]
    assert sorted(run.batches[1]) == list(range(1, 9))  # one batch for the eight that queued together
    assert (batcher.batches, batcher.items) == (2, 9)


def test_batches_never_exceed_max_batch_and_every_item_is_answered() -> None:
    run = Recorder(hold_first=True)
    batcher: MicroBatcher[int, int] = MicroBatcher(run, window_s=0.0, max_batch=3)
    first = Calls(batcher, [0])
    assert run.started.wait(5)
    rest = Calls(batcher, list(range(1, 11)))
    time.sleep(0.2)
    run.release.set()
    results = {**first.join(), **rest.join()}
    assert results == {i: i * 10 for i in range(11)}
    assert max(len(b) for b in run.batches) <= 3
    assert sorted(i for b in run.batches for i in b) == list(range(11))


def test_a_failing_batch_fails_each_of_its_callers_and_the_next_batch_works() -> None:
    calls = 0

    def run(items: list[int]) -> list[int]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ValueError("model exploded")
        return items

    batcher: MicroBatcher[int, int] = MicroBatcher(run, window_s=0.0)
    with pytest.raises(ValueError, match="model exploded"):
        batcher.submit(1)
    assert batcher.submit(2) == 2


def test_a_wrong_number_of_results_is_an_error_not_a_mixup() -> None:
    batcher: MicroBatcher[int, int] = MicroBatcher(lambda items: [1, 2, 3], window_s=0.0)
    with pytest.raises(RuntimeError, match="3 results for 1 items"):
        batcher.submit(1)


def test_a_lone_call_does_not_wait_the_window() -> None:
    batcher: MicroBatcher[int, int] = MicroBatcher(lambda items: items, window_s=0.5)
    started = time.perf_counter()
    for i in range(3):
        assert batcher.submit(i) == i
    assert time.perf_counter() - started < 0.4  # three calls, none paid the 0.5 s window


def test_after_overlap_the_leader_waits_the_window_for_company() -> None:
    now = [100.0]
    run = Recorder(hold_first=True)
    batcher: MicroBatcher[int, int] = MicroBatcher(run, window_s=0.3, clock=lambda: now[0])
    first = Calls(batcher, [0])
    assert run.started.wait(5)
    second = Calls(batcher, [1])  # overlaps the running batch: concurrency seen
    time.sleep(0.1)
    run.release.set()
    first.join(), second.join()
    # Within the memory of that overlap a new leader waits its window, so a call 0.1 s later joins it.
    late = Calls(batcher, [2])
    time.sleep(0.1)
    later = Calls(batcher, [3])
    assert {**late.join(), **later.join()} == {2: 20, 3: 30}
    assert sorted(run.batches[-1]) == [2, 3]


def test_max_batch_must_be_positive() -> None:
    with pytest.raises(ValueError):
        MicroBatcher(lambda items: items, max_batch=0)


def test_parallel_batches_run_at_the_same_time_and_no_more() -> None:
    running, peak = 0, 0
    lock = threading.Lock()
    gate = threading.Barrier(2, timeout=5)  # both batches must be inside run_batch together

    def run(items: list[int]) -> list[int]:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        with contextlib.suppress(threading.BrokenBarrierError):  # a lone last batch: nobody to meet
            gate.wait()
        time.sleep(0.05)
        with lock:
            running -= 1
        return items

    batcher: MicroBatcher[int, int] = MicroBatcher(run, window_s=0.0, max_batch=2, parallel=2)
    calls = Calls(batcher, list(range(8)))
    assert calls.join() == {i: i for i in range(8)}
    assert peak == 2
