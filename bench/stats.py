"""Small measuring helpers: percentiles, latency summaries, ratios, process memory, disk usage."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100), linearly interpolated between closest ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} outside 0–100")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


def latency_summary(values_ms: Sequence[float]) -> dict[str, float | int]:
    """n, p50, p95, p99, mean and max of latencies in milliseconds (rounded to 0.1 ms)."""
    if not values_ms:
        return {"n": 0}
    return {
        "n": len(values_ms),
        "p50_ms": round(percentile(values_ms, 50), 1),
        "p95_ms": round(percentile(values_ms, 95), 1),
        "p99_ms": round(percentile(values_ms, 99), 1),
        "mean_ms": round(sum(values_ms) / len(values_ms), 1),
        "max_ms": round(max(values_ms), 1),
    }


def ratio(value: float | None, baseline: float | None, digits: int = 2) -> float | None:
    """value / baseline, or None when either is missing or the baseline is zero."""
    if value is None or baseline is None or baseline == 0:
        return None
    return round(value / baseline, digits)


def memory_mb(pid: int | str = "self") -> dict[str, float]:
    """Resident memory now (rss) and at its peak (hwm) of a process, in MB, from /proc (Linux)."""
    fields = {"VmRSS": "rss_mb", "VmHWM": "peak_rss_mb"}
    out: dict[str, float] = {}
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return out
    for line in lines:
        key, _, value = line.partition(":")
        if key in fields:
            out[fields[key]] = round(int(value.split()[0]) / 1024, 1)  # kB
    return out


def disk_bytes(path: Path) -> int:
    """Bytes the files under `path` (a directory or one file) occupy on disk (allocated blocks, as `du`)."""
    if path.is_file():
        return path.stat().st_blocks * 512
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
            except OSError:
                continue
    return total


class Stopwatch:
    """Accumulates wall time per named stage: `with watch("embed"): …`; `watch.seconds["embed"]`."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - started
            self.calls[stage] = self.calls.get(stage, 0) + 1

    def shares(self) -> dict[str, float]:
        """Each stage's share of the summed time (0–1)."""
        total = sum(self.seconds.values())
        return {k: round(v / total, 3) for k, v in self.seconds.items()} if total else {}
