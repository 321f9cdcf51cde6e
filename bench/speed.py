"""Warm answer latency over many questions, and where an answer's time goes.

`Breakdown` times the project's own methods by wrapping them on their classes for the duration of a
measurement (restored afterwards): nothing in the project is changed, and every store, index or
answerer instance is covered, including ones rebuilt while measuring.
"""

from __future__ import annotations

import functools
import itertools
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
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
    from vectorstore.e5_onnx import OnnxE5Embedder

    return [
        (PolicyAssistant, "understand", "understand"),
        (assistant.service, "named_documents", "understand.named_documents"),
        (assistant.service, "naming", "understand.naming"),  # what named_documents became
        (assistant.service, "named_sections", "understand.named_sections"),
        (assistant.service, "match_formulations", "understand.match_formulations"),
        (ChromaStore, "search", "dense_search"),
        (E5Embedder, "embed_query", "dense_search.embed_query"),  # whichever backend is configured
        (OnnxE5Embedder, "embed_query", "dense_search.embed_query"),
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
    warmup: int = 3,
) -> dict[str, Any]:
    """Warm latency of PolicyAssistant.ask over `questions` with the per-step breakdown.

    With `budget_s`, stops once that much time is spent and at least `minimum` answers are timed
    (a slow large index would otherwise take an hour for figures already clear after a few dozen).
    With `cap_s`, stops once that much time is spent whatever the count (at least one answer): an
    index where one answer takes minutes still gets figures, marked `capped`. A warm-up answer that
    takes over a second ends the warm-up (its caches are warm; three would cost minutes); `warmup=0`
    skips it (the caller warmed the components up itself)."""
    for question in questions[:warmup]:
        started = time.perf_counter()
        assistant.ask(question)
        if time.perf_counter() - started > 1.0:
            break
    breakdown = Breakdown()
    started = time.perf_counter()
    latencies: list[float] = []
    capped = False
    unfinished: dict[str, Any] | None = None
    with breakdown.wrapping(project_targets()):
        for question in questions:
            if cap_s is None:
                latencies.append(breakdown.measure(assistant.ask, question))
            else:
                remaining = max(cap_s - (time.perf_counter() - started), 1.0)
                call = functools.partial(within, assistant.ask, question, remaining)
                if not breakdown.measure_call(call):
                    # One answer outlasted the cap: what it waited is a lower bound, not a latency.
                    row = breakdown.rows.pop()
                    steps = {k: round(v, 1) for k, v in row.items() if k != "total"}
                    unfinished = {"waited_ms": round(row["total"], 1), "finished_steps_ms": steps}
                    capped = True
                    break
                latencies.append(breakdown.rows[-1]["total"])
            elapsed = time.perf_counter() - started
            if budget_s is not None and elapsed > budget_s and len(latencies) >= minimum:
                break
            if cap_s is not None and elapsed > cap_s and len(latencies) < len(questions):
                capped = len(latencies) < minimum
                break
    summary = breakdown.summary() if breakdown.rows else {}
    result = {"latency": latency_summary(latencies), "breakdown": summary, "capped": capped}
    if unfinished is not None:
        result["unfinished"] = unfinished  # the caller must not wait for it (bench.scale_worker exits)
    return result


def within(call: Callable[[str], object], question: str, seconds: float) -> bool:
    """call(question) in a daemon thread; True if it returned within `seconds` (its error re-raised),
    False if it is still running (it is left to run: Python cannot stop a thread)."""
    done = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            call(question)
        except BaseException as exc:  # handed to the caller's thread
            errors.append(exc)
        finally:
            done.set()

    threading.Thread(target=run, name="bench-answer", daemon=True).start()
    finished = done.wait(seconds)
    if errors:
        raise errors[0]
    return finished


def embed_in_context(
    systems: Mapping[str, Callable[[str], object]], questions: Sequence[str]
) -> dict[str, Any]:
    """Milliseconds of the embedder's embed_query (torch or ONNX) inside each system's answer, the systems interleaved
    question by question (A B A B …) so a busy neighbour slows them alike: is embedding a question
    slower inside one system than inside another, or was it only measured at a busier moment?"""
    from vectorstore.e5 import E5Embedder
    from vectorstore.e5_onnx import OnnxE5Embedder

    times: dict[str, list[float]] = {name: [] for name in systems}
    breakdown = Breakdown()
    targets = [(E5Embedder, "embed_query", "embed_query"), (OnnxE5Embedder, "embed_query", "embed_query")]
    with breakdown.wrapping(targets):
        for question in questions:
            for name, ask in systems.items():
                breakdown.measure(ask, question)
                times[name].append(breakdown.rows[-1].get("embed_query", 0.0))
    return {name: latency_summary(values) for name, values in times.items()}
