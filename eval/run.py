"""`make eval`: answer quality on eval/questions.jsonl with the real model and store.

Prints retrieval recall@5, answer key coverage, refusal accuracy, false refusals, median answer
length, citation validity and warm latency, overall and by question shape; writes
eval/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from assistant.service import PolicyAssistant
from assistant.verify import marked_claims, supports
from eval.metrics import Scored, answer_length, key_coverage, recall_at, reciprocal_rank

ROOT = Path(__file__).resolve().parent
QUESTIONS = ROOT / "questions.jsonl"


def load_questions(path: Path = QUESTIONS) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(assistant: PolicyAssistant, record: dict[str, Any], top_k: int = 5) -> Scored:
    started = time.perf_counter()
    answer = assistant.ask(record["question"], top_k=max(top_k, 10))
    latency = (time.perf_counter() - started) * 1000
    texts = [p.text for p in answer.passages]
    gold = record.get("gold", [])
    by_n = {c.n: c for c in answer.citations}
    marks_ok = all(
        n in by_n and supports(by_n[n].passage.text, claim) for claim, n in marked_claims(answer.answer)
    )
    return Scored(
        id=record["id"],
        shape=record.get("shape", "?"),
        answerable=bool(record.get("answerable", True)),
        refused=not answer.answerable,
        recall5=recall_at(gold, texts, 5),
        recall={k: recall_at(gold, texts, k) for k in (1, 3, 5, 10)},
        rr=reciprocal_rank(gold, texts),
        coverage=key_coverage(record.get("keys", []), answer.answer) if answer.answerable else 0.0,
        length=answer_length(answer.answer),
        latency_ms=latency,
        marks_ok=marks_ok,
    )


def summarize(rows: list[Scored]) -> dict[str, Any]:
    answerable = [r for r in rows if r.answerable]
    unanswerable = [r for r in rows if not r.answerable]

    def mean(values: list[float | None]) -> float | None:
        vals = [v for v in values if v is not None]
        return round(sum(vals) / len(vals), 4) if vals else None

    latencies = sorted(r.latency_ms for r in rows)
    return {
        "questions": len(rows),
        "recall@5": mean([r.recall5 for r in answerable]),
        "recall@1": mean([r.recall[1] for r in answerable]),
        "recall@3": mean([r.recall[3] for r in answerable]),
        "recall@10": mean([r.recall[10] for r in answerable]),
        "mrr": mean([r.rr for r in answerable]),
        "key_coverage": mean([r.coverage for r in answerable]),
        "refusal_accuracy": mean([1.0 if r.refused else 0.0 for r in unanswerable]),
        "false_refusals": mean([1.0 if r.refused else 0.0 for r in answerable]),
        "median_answer_chars": statistics.median([r.length for r in answerable if not r.refused] or [0]),
        "citations_verified": mean([1.0 if r.marks_ok else 0.0 for r in rows]),
        "latency_p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "latency_p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 1) if latencies else None,
    }


def by_shape(rows: list[Scored]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[Scored]] = defaultdict(list)
    for r in rows:
        groups[r.shape].append(r)
    return {shape: summarize(group) for shape, group in sorted(groups.items())}


def run(assistant: PolicyAssistant, questions: list[dict[str, Any]]) -> tuple[list[Scored], dict[str, Any]]:
    for record in questions[:3]:  # warm-up: caches, jieba, the model's first call
        assistant.ask(record["question"])
    rows = [score(assistant, q) for q in questions]
    return rows, {"overall": summarize(rows), "by_shape": by_shape(rows)}


def print_report(report: dict[str, Any], rows: list[Scored], verbose: bool) -> None:
    overall = report["overall"]
    print("\n== policy-qa eval ==")
    for key, value in overall.items():
        print(f"{key:>22}: {value}")
    print("\nby shape:")
    cols = [
        "questions",
        "recall@5",
        "key_coverage",
        "refusal_accuracy",
        "false_refusals",
        "median_answer_chars",
    ]
    print(f"{'shape':>12} " + " ".join(f"{c[:14]:>14}" for c in cols))
    for shape, s in report["by_shape"].items():
        print(f"{shape:>12} " + " ".join(f"{s[c]!s:>14}" for c in cols))
    if verbose:
        for r in rows:
            bad = (r.answerable and (r.refused or (r.coverage or 0) < 1 or (r.recall5 or 0) < 1)) or (
                not r.answerable and not r.refused
            )
            if bad:
                print(f"  {r.id} {r.shape} refused={r.refused} recall5={r.recall5} cov={r.coverage}")


SETS = [
    QUESTIONS,
    ROOT / "questions_b.jsonl",
    ROOT / "questions_c.jsonl",
]  # eval/README.md: how each was written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.run")
    parser.add_argument(
        "--questions", type=Path, nargs="+", default=[QUESTIONS], help="question sets (JSONL)"
    )
    parser.add_argument(
        "--all", action="store_true", help="every set in eval/ (questions, _b, _c), one report each"
    )
    parser.add_argument("--verbose", "-v", action="store_true")
    args = parser.parse_args(argv)
    from eval.index import sample_assistant

    assistant = sample_assistant()
    paths = [p for p in SETS if p.exists()] if args.all else args.questions
    results: dict[str, Any] = {}
    for path in paths:
        print(f"\n#### {path.name}")
        rows, report = run(assistant, load_questions(path))
        print_report(report, rows, args.verbose)
        results[path.stem] = {"report": report, "rows": [r.__dict__ for r in rows]}
    out = ROOT / "results" / "latest.json"
    out.parent.mkdir(exist_ok=True)
    body = results[paths[0].stem] if len(paths) == 1 else results
    out.write_text(json.dumps(body, ensure_ascii=False, indent=1))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
