"""Warm answer latency over many questions, and where an answer's time goes.

`Breakdown` times the project's own methods by wrapping them on their classes for the duration of a
measurement (restored afterwards): nothing in the project is changed, and every store, index or
answerer instance is covered, including ones rebuilt while measuring.
"""

from __future__ import annotations

import functools
import itertools
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from bench.stats import latency_summary, median, percentile

WARM_QUESTIONS = 220  # ≥ 200 answers: the eval questions, cycled
T = TypeVar("T")


def cycle(questions: Sequence[str], n: int) -> list[str]:
    """The first n items of questions repeated in order."""
    if not questions:
        return []
    return list(itertools.islice(itertools.cycle(questions), n))


def warm_latency(ask: Callable[[str], object], questions: Sequence[str], warmup: int = 3) -> list[float]:
    """Milliseconds per call of ask(question), after `warmup` untimed calls."""
    for question in questions[:warmup]:
        ask(question)
    out = []
    for question in questions:
        started = time.perf_counter()
        ask(question)
        out.append((time.perf_counter() - started) * 1000)
    return out


class Breakdown:
    """Per question, the milliseconds spent in each wrapped method (nested calls counted in both)."""

    def __init__(self) -> None:
        self.rows: list[dict[str, float]] = []
        self._current: dict[str, float] = {}

    @contextmanager
    def wrapping(self, targets: Sequence[tuple[object, str, str]]) -> Iterator[Breakdown]:
        """targets: (class or module, attribute name, label); one the code no longer has is skipped.
        Restores the originals on exit."""
        targets = [t for t in targets if callable(getattr(t[0], t[1], None))]
        originals = [(cls, name, vars(cls).get(name)) for cls, name, _ in targets]
        try:
            for cls, name, label in targets:
                setattr(cls, name, self._timed(getattr(cls, name), label))
            yield self
        finally:
            for cls, name, original in reversed(originals):
                if original is None:  # it was inherited: drop our wrapper, the base's shows again
                    delattr(cls, name)
                else:
                    setattr(cls, name, original)

    def _timed(self, method: Callable[..., Any], label: str) -> Callable[..., Any]:
        @functools.wraps(method)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                elapsed = (time.perf_counter() - started) * 1000
                self._current[label] = self._current.get(label, 0.0) + elapsed

        return wrapper

    def measure(self, ask: Callable[[str], object], question: str) -> float:
        """Time one ask(question); returns its total milliseconds."""
        self.measure_call(lambda: ask(question))
        return self.rows[-1]["total"]

    def measure_call(self, call: Callable[[], T]) -> T:
        """Run call() as one row (the wrapped methods' time inside it, and "total")."""
        self._current = {}
        started = time.perf_counter()
        try:
            return call()
        finally:
            self.rows.append({**self._current, "total": (time.perf_counter() - started) * 1000})

    def summary(self) -> dict[str, dict[str, float]]:
        """Per label: median and p95 ms over questions, and its mean share of the total."""
        labels = sorted({label for row in self.rows for label in row})
        total = sum(row["total"] for row in self.rows) or 1.0
        out = {}
        for label in labels:
            values = [row.get(label, 0.0) for row in self.rows]
            out[label] = {
                "p50_ms": round(median(values), 1),
                "p95_ms": round(percentile(values, 95), 1),
                "share": round(sum(values) / total, 3),
            }
        return out


def project_targets() -> list[tuple[object, str, str]]:
    """The steps of PolicyAssistant.ask worth timing (dense search includes embedding the question).
    The query-understanding helpers are patched in assistant.service, the namespace that calls them."""
    import assistant.service
    from assistant.extractive import ExtractiveAnswerer
    from assistant.keyword import KeywordIndex
    from assistant.service import PolicyAssistant
    from vectorstore.chroma import ChromaStore
    from vectorstore.e5 import E5Embedder

    return [
        (PolicyAssistant, "understand", "understand"),
        (assistant.service, "named_documents", "understand.named_documents"),
        (assistant.service, "named_sections", "understand.named_sections"),
        (assistant.service, "match_formulations", "understand.match_formulations"),
        (ChromaStore, "search", "dense_search"),
        (E5Embedder, "embed_query", "dense_search.embed_query"),
        (ChromaStore, "manifest", "store.manifest"),
        (ChromaStore, "generation", "store.generation"),
        (KeywordIndex, "search", "keyword_search"),
        (ExtractiveAnswerer, "answer", "answer_compose"),
    ]


def profile_project(
    assistant: Any,
    questions: Sequence[str],
    budget_s: float | None = None,
    minimum: int = 20,
    cap_s: float | None = None,
) -> dict[str, Any]:
    """Warm latency of PolicyAssistant.ask over `questions` with the per-step breakdown.

    With `budget_s`, stops once that much time is spent and at least `minimum` answers are timed
    (a slow large index would otherwise take an hour for figures already clear after a few dozen).
    With `cap_s`, stops once that much time is spent whatever the count (at least one answer): an
    index where one answer takes minutes still gets figures, marked `capped`. A warm-up answer that
    takes over a second ends the warm-up (its caches are warm; three would cost minutes)."""
    for question in questions[:3]:
        started = time.perf_counter()
        assistant.ask(question)
        if time.perf_counter() - started > 1.0:
            break
    breakdown = Breakdown()
    started = time.perf_counter()
    latencies: list[float] = []
    capped = False
    with breakdown.wrapping(project_targets()):
        for question in questions:
            latencies.append(breakdown.measure(assistant.ask, question))
            elapsed = time.perf_counter() - started
            if budget_s is not None and elapsed > budget_s and len(latencies) >= minimum:
                break
            if cap_s is not None and elapsed > cap_s and len(latencies) < len(questions):
                capped = len(latencies) < minimum
                break
    return {"latency": latency_summary(latencies), "breakdown": breakdown.summary(), "capped": capped}
