"""`make eval`: answer quality of every question set, one report each, with the real model and store.

Sets over the five samples (eval/questions*.jsonl) and development sets over corpora of their own
(eval/corpus/<set>/questions.jsonl beside the speeches, each indexed in its own collection). The
blind final set (eval/blind/) runs only with --blind: it is run once, at the end, and reported as run.

Prints retrieval recall@5, answer key coverage, refusal accuracy (unanswerable and trap questions),
false refusals, answers that state a formulation the speeches lack, median answer length, citation
validity and warm latency, overall and by question shape; writes eval/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.records import Answer
from assistant.service import PolicyAssistant, Turn
from assistant.verify import marked_claims, supports
from eval.check import corpus_dir
from eval.metrics import Scored, answer_length, key_coverage, recall_at, reciprocal_rank, states_any

ROOT = Path(__file__).resolve().parent
QUESTIONS = ROOT / "questions.jsonl"
SAMPLE_SETS = [QUESTIONS, ROOT / "questions_b.jsonl", ROOT / "questions_c.jsonl"]  # eval/README.md
# The blind final sets, each written by a helper who never saw an answer and run once at the end of the
# session that added it: blind (spent 2026-12-03 morning), blind2 (afternoon), blind3 (evening), blind4
# (spent 2026-12-04, then a development set); blind5 and blind6 (written and spent 2026-12-04 afternoon,
# then development sets); blind7 and blind8 (written 2026-12-04 evening).
_BLIND_NAMES = ("blind", "blind2", "blind3", "blind4", "blind5", "blind6", "blind7", "blind8")
BLIND_SETS = {name: ROOT / name / "questions.jsonl" for name in _BLIND_NAMES}
BLIND = BLIND_SETS["blind7"]


def load_questions(path: Path = QUESTIONS) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def dev_sets() -> list[Path]:
    return sorted((ROOT / "corpus").glob("*/questions.jsonl"))


@dataclass
class Scope:
    """Maps a set's file names to the doc ids of the speeches they hold."""

    by_source: dict[str, list[str]]

    @classmethod
    def of(cls, assistant: PolicyAssistant) -> Scope:
        by_source: dict[str, list[str]] = defaultdict(list)
        for doc_id, doc in assistant.corpus().documents.items():
            by_source[Path(doc.source).name].append(doc_id)
        return cls(dict(by_source))

    def doc_ids(self, sources: list[str]) -> list[str] | None:
        if not sources:
            return None
        return [d for s in sources for d in self.by_source.get(s, [])]


def ask(assistant: PolicyAssistant, record: dict[str, Any], scope: Scope | None, top_k: int = 10) -> Answer:
    doc_ids = scope.doc_ids(record.get("scope", [])) if scope else None
    history: list[Turn] = []
    for earlier in record.get("history", []):
        history.append(Turn(earlier, assistant.ask(earlier, top_k=top_k, doc_ids=doc_ids, history=history)))
    return assistant.ask(record["question"], top_k=top_k, doc_ids=doc_ids, history=history)


def score(
    assistant: PolicyAssistant, record: dict[str, Any], scope: Scope | None = None, top_k: int = 5
) -> Scored:
    started = time.perf_counter()
    answer = ask(assistant, record, scope, max(top_k, 10))
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
        trap=record.get("trap", ""),
        stated_forbidden=states_any(record.get("forbidden", []), answer.answer, answer.answerable),
    )


def summarize(rows: list[Scored]) -> dict[str, Any]:
    answerable = [r for r in rows if r.answerable]
    unanswerable = [r for r in rows if not r.answerable]
    traps = [r for r in rows if r.trap and not r.answerable]

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
        "trap_refusals": mean([1.0 if r.refused else 0.0 for r in traps]),
        "false_refusals": mean([1.0 if r.refused else 0.0 for r in answerable]),
        "stated_absent_items": sum(1 for r in rows if r.stated_forbidden),
        "median_answer_chars": statistics.median([r.length for r in answerable if not r.refused] or [0]),
        "citations_verified": mean([1.0 if r.marks_ok else 0.0 for r in rows]),
        "latency_p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "latency_p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 1) if latencies else None,
    }


def by_shape(rows: list[Scored]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[Scored]] = defaultdict(list)
    for r in rows:
        groups[r.shape].append(r)
        if r.trap:
            groups[f"trap:{r.trap}"].append(r)
    return {shape: summarize(group) for shape, group in sorted(groups.items())}


def run(
    assistant: PolicyAssistant, questions: list[dict[str, Any]], scope: Scope | None = None
) -> tuple[list[Scored], dict[str, Any]]:
    for record in questions[:3]:  # warm-up: caches, jieba, the model's first call
        assistant.ask(record["question"])
    rows = [score(assistant, q, scope) for q in questions]
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
    print(f"{'shape':>26} " + " ".join(f"{c[:14]:>14}" for c in cols))
    for shape, s in report["by_shape"].items():
        print(f"{shape:>26} " + " ".join(f"{s[c]!s:>14}" for c in cols))
    if verbose:
        for r in rows:
            bad = (r.answerable and (r.refused or (r.coverage or 0) < 1 or (r.recall5 or 0) < 1)) or (
                not r.answerable and not r.refused
            )
            if bad or r.stated_forbidden:
                print(
                    f"  {r.id} {r.shape} {r.trap} refused={r.refused} recall5={r.recall5} cov={r.coverage}"
                    f"{' STATED-ABSENT' if r.stated_forbidden else ''}"
                )


def assistant_for(path: Path, cache: dict[str, Any]) -> tuple[PolicyAssistant, Scope | None]:
    """The samples' assistant for sample sets; a corpus set gets its own collection."""
    from eval.index import SAMPLES, corpus_store
    from settings import load_settings
    from vectorstore.factory import open_embedder

    folder = corpus_dir(path)
    key = str(folder)
    if key not in cache:
        settings = cache.setdefault("settings", load_settings())
        embedder = cache.setdefault("embedder", open_embedder(settings))
        name = (
            "eval_samples"
            if folder == SAMPLES
            else f"eval_{folder.parent.name if folder.name == 'corpus' else folder.name}"
        )
        cache[key] = PolicyAssistant(corpus_store(folder, name, settings, embedder), embedder=embedder)
    assistant: PolicyAssistant = cache[key]
    return assistant, (None if folder == SAMPLES else Scope.of(assistant))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.run")
    parser.add_argument(
        "--questions", type=Path, nargs="+", default=[QUESTIONS], help="question sets (JSONL)"
    )
    parser.add_argument(
        "--all", action="store_true", help="every sample and development set, one report each"
    )
    parser.add_argument(
        "--blind",
        nargs="?",
        const="blind7",
        choices=sorted(BLIND_SETS),
        help="a blind final set (default blind7; run once, at the end)",
    )
    parser.add_argument("--verbose", "-v", action="store_true")
    args = parser.parse_args(argv)
    if args.blind:
        paths = [BLIND_SETS[args.blind]]
    elif args.all:
        paths = [p for p in SAMPLE_SETS if p.exists()] + dev_sets()
    else:
        paths = args.questions
    cache: dict[str, Any] = {}
    results: dict[str, Any] = {}
    for path in paths:
        name = path.parent.name if path.name == "questions.jsonl" and path.parent != ROOT else path.stem
        print(f"\n#### {name}")
        assistant, scope = assistant_for(path, cache)
        rows, report = run(assistant, load_questions(path), scope)
        print_report(report, rows, args.verbose)
        results[name] = {"report": report, "rows": [r.__dict__ for r in rows]}
    out = ROOT / "results" / (f"{args.blind}.json" if args.blind else "latest.json")
    out.parent.mkdir(exist_ok=True)
    body = next(iter(results.values())) if len(paths) == 1 else results
    out.write_text(json.dumps(body, ensure_ascii=False, indent=1))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
