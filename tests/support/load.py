"""A bounded load run: N clients asking questions in a loop while a background job (an admin's
re-ingest) runs, with per-request timings. `ask` is any callable (in-process `PolicyAssistant.ask`,
an HTTP POST to /api/ask), so the in-process and the HTTP load tests share it."""

from __future__ import annotations

import statistics
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Sample(Generic[T]):
    client: int
    question: str
    started: float  # time.monotonic() when the request was sent
    latency_s: float
    result: T | None = None
    error: str = ""  # the exception's traceback, when `ask` raised


@dataclass
class LoadReport(Generic[T]):
    samples: list[Sample[T]] = field(default_factory=list)
    began: float = 0.0
    ended: float = 0.0
    background_done: float | None = None  # monotonic time the background job returned
    background_error: str = ""

    @property
    def errors(self) -> list[Sample[T]]:
        return [s for s in self.samples if s.error]

    @property
    def throughput(self) -> float:
        """Completed requests per second of wall time."""
        return len(self.samples) / max(self.ended - self.began, 1e-9)

    def percentile(self, p: float) -> float:
        latencies = sorted(s.latency_s for s in self.samples)
        if len(latencies) < 2:
            return latencies[0] if latencies else 0.0
        return statistics.quantiles(latencies, n=100, method="inclusive")[int(p) - 1]

    def after_background(self) -> list[Sample[T]]:
        """Requests sent after the background job had finished."""
        done = self.background_done
        return [] if done is None else [s for s in self.samples if s.started > done]

    def summary(self) -> str:
        return (
            f"{len(self.samples)} requests by clients over {self.ended - self.began:.1f} s: "
            f"{self.throughput:.1f} req/s, p50 {self.percentile(50) * 1000:.0f} ms, "
            f"p95 {self.percentile(95) * 1000:.0f} ms, max {max((s.latency_s for s in self.samples), default=0) * 1000:.0f} ms, "
            f"errors {len(self.errors)}"
        )


def run_load(
    ask: Callable[[str], T],
    questions: Sequence[str],
    *,
    clients: int = 16,
    duration_s: float = 20.0,
    background: Callable[[], object] | None = None,
    settle_s: float = 3.0,
    limit_s: float = 180.0,
) -> LoadReport[T]:
    """Clients ask `questions` round-robin (each from its own offset) for `duration_s`, and at least
    `settle_s` beyond the end of `background` (so some requests are sent after it finished); never
    longer than `limit_s` (a stuck background job then shows as `background_done is None`)."""
    report: LoadReport[T] = LoadReport()
    lock = threading.Lock()
    finished = threading.Event()

    def run_background() -> None:
        assert background is not None
        try:
            background()
        except Exception:
            report.background_error = traceback.format_exc()
        finally:
            report.background_done = time.monotonic()
            finished.set()

    def client(number: int) -> None:
        i = number
        while not _over(report, duration_s, settle_s, limit_s, background is None or finished.is_set()):
            question = questions[i % len(questions)]
            i += 1
            started = time.monotonic()
            result: T | None = None
            error = ""
            try:
                result = ask(question)
            except Exception:
                error = traceback.format_exc()
            sample = Sample(number, question, started, time.monotonic() - started, result, error)
            with lock:
                report.samples.append(sample)

    report.began = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,), name=f"load-client-{n}") for n in range(clients)]
    if background is not None:
        threads.append(threading.Thread(target=run_background, name="load-background", daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=limit_s + 60)  # the background job cannot be stopped: daemon-like leak
    report.ended = time.monotonic()
    return report


def _over(
    report: LoadReport[T], duration_s: float, settle_s: float, limit_s: float, background_finished: bool
) -> bool:
    now = time.monotonic()
    if now - report.began > limit_s:
        return True
    if now - report.began < duration_s or not background_finished:
        return False
    done = report.background_done
    return done is None or now - done >= settle_s
