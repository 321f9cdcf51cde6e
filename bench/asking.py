"""Questions asked without pause while changes run: how long a change makes a question wait (issues 13, 15).

Used by `bench/snapshot_wait.py` (replaces on a small store, against the code before) and by
`bench/scale_worker.py wait` (one more file ingested into the 1×/100×/1,000× index while askers ask).
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any


def asking_while(
    ask: Callable[[str], object],
    questions: Sequence[str],
    askers: int,
    changes: Sequence[Callable[[], object]],
) -> dict[str, Any]:
    """`askers` threads ask `questions` without pause while `changes` run one by one, a second apart. The
    wait a change causes a question: its answer time during the change minus the median of the same
    question's answer times outside any change (some questions are slow by themselves)."""
    records: list[tuple[int, float, float]] = []  # (question, start, end)
    stop = threading.Event()

    def asker(offset: int) -> None:
        i = offset
        while not stop.is_set():
            started = time.perf_counter()
            ask(questions[i % len(questions)])
            records.append((i % len(questions), started, time.perf_counter()))
            i += 1

    threads = [threading.Thread(target=asker, args=(n * 7,), daemon=True) for n in range(askers)]
    for thread in threads:
        thread.start()
    windows = []
    time.sleep(1.0)
    for change in changes:
        started = time.perf_counter()
        change()
        windows.append((started, time.perf_counter()))
        time.sleep(1.0)
    stop.set()
    for thread in threads:
        thread.join()

    def during(s: float, e: float) -> bool:
        return any(s < we and e > ws for ws, we in windows)

    calm_by_question: dict[int, list[float]] = {}
    for q, s, e in records:
        if not during(s, e):
            calm_by_question.setdefault(q, []).append(e - s)
    overlaps = [(q, e - s) for q, s, e in records if during(s, e)]
    calm = [t for times in calm_by_question.values() for t in times]
    median = statistics.median(calm)
    excess = [t - statistics.median(calm_by_question[q]) for q, t in overlaps if q in calm_by_question]
    longest = max((t for _, t in overlaps), default=0.0)
    return {
        "questions": len(records),
        "change_s": [round(e - s, 3) for s, e in windows],
        "calm_median_ms": round(1000 * median, 1),
        "during_change": len(overlaps),
        "during_change_max_ms": round(1000 * longest, 1),
        "during_change_over_1s": sum(1 for _, t in overlaps if t > 1.0),
        "wait_max_ms": round(1000 * max(excess, default=0.0), 1),  # beyond the same question's calm median
        "ratio_max_to_median": round(longest / median, 1),
    }
