"""Quality side by side: the project (PolicyAssistant) and the naive pipelines, scored the same way.

Every system is scored with `eval.metrics` on eval/questions.jsonl: recall@1/3/5/10 and MRR of the gold
quotes over its first 10 passages, key coverage of its answer, refusals, answer length. A naive
pipeline's answer is its top passage and it never refuses (see bench/naive.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from eval.metrics import Scored, answer_length, key_coverage, recall_at, reciprocal_rank

Search = Callable[[str, int], list[tuple[str, float]]]  # question, k → (passage text, score), best first
RANKED = 10  # passages scored per question (recall@10)


def score_search(search: Search, record: dict[str, Any]) -> tuple[Scored, float]:
    """One question through a retrieve-only pipeline; also returns its top-1 score."""
    started = time.perf_counter()
    hits = search(record["question"], RANKED)
    latency = (time.perf_counter() - started) * 1000
    texts = [text for text, _ in hits]
    gold = record.get("gold", [])
    answer = texts[0] if texts else ""
    row = Scored(
        id=record["id"],
        shape=record.get("shape", "?"),
        answerable=bool(record.get("answerable", True)),
        refused=False,
        recall5=recall_at(gold, texts, 5),
        recall={k: recall_at(gold, texts, k) for k in (1, 3, 5, 10)},
        rr=reciprocal_rank(gold, texts),
        coverage=key_coverage(record.get("keys", []), answer),
        length=answer_length(answer),
        latency_ms=latency,
        marks_ok=False,  # it has no citation marks: reported as "—"
    )
    return row, hits[0][1] if hits else 0.0


def score_pipeline(search: Search, questions: Sequence[dict[str, Any]]) -> dict[str, Any]:
    from eval.run import by_shape, summarize

    for record in questions[:3]:  # warm-up, as eval.run does for the project
        search(record["question"], RANKED)
    scored = [score_search(search, q) for q in questions]
    rows = [row for row, _ in scored]
    overall = summarize(rows)
    overall["citations_verified"] = None
    overall["answer_agreement"] = agreement(rows)
    return {
        "overall": overall,
        "by_shape": by_shape(rows),
        "threshold_oracle": threshold_oracle(rows, [s for _, s in scored]),
        "rows": [r.__dict__ for r in rows],
    }


def score_project(assistant: Any, questions: Sequence[dict[str, Any]]) -> dict[str, Any]:
    from eval.run import run

    rows, report = run(assistant, list(questions))
    report["overall"]["answer_agreement"] = agreement(rows)
    return {**report, "rows": [r.__dict__ for r in rows]}


def agreement(rows: Sequence[Scored]) -> float | None:
    """Share of all questions whose answered/refused state matches the gold (README's refusal accuracy)."""
    if not rows:
        return None
    return round(sum(1 for r in rows if r.refused != r.answerable) / len(rows), 4)


def threshold_oracle(rows: Sequence[Scored], top_scores: Sequence[float]) -> dict[str, float | None]:
    """The best a top-1 cosine threshold could do for a naive pipeline's refusals, chosen ON THIS SET.

    An upper bound, not a fair setting (it is tuned on the test questions): it shows whether a score
    threshold could have made the naive pipeline refuse well at all.
    """
    best: dict[str, float | None] = {"threshold": None, "answer_agreement": agreement(rows)}
    for threshold in sorted(set(top_scores)):
        refused = [score < threshold for score in top_scores]
        hits = sum(1 for r, ref in zip(rows, refused, strict=True) if ref != r.answerable)
        value = round(hits / len(rows), 4)
        if value > (best["answer_agreement"] or 0):
            answerable = [ref for r, ref in zip(rows, refused, strict=True) if r.answerable]
            unanswerable = [ref for r, ref in zip(rows, refused, strict=True) if not r.answerable]
            best = {
                "threshold": round(threshold, 4),
                "answer_agreement": value,
                "refusal_accuracy": round(sum(unanswerable) / max(1, len(unanswerable)), 4),
                "false_refusals": round(sum(answerable) / max(1, len(answerable)), 4),
            }
    return best
