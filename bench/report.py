"""Results JSON → the Markdown report (bench/results/latest.md, pasted into bench/README.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

QUALITY_COLUMNS = (
    ("recall@1", "recall@1"),
    ("recall@3", "recall@3"),
    ("recall@5", "recall@5"),
    ("recall@10", "recall@10"),
    ("MRR", "mrr"),
    ("key coverage", "key_coverage"),
    ("refusal acc. (unanswerable)", "refusal_accuracy"),
    ("false refusals ↓", "false_refusals"),
    ("answered/refused right (all)", "answer_agreement"),
    ("median answer chars", "median_answer_chars"),
)
SYSTEM_NAMES = {
    "project": "policy-qa (this project)",
    "naive_dense": "naive: LangChain 300/50 + e5 + Chroma",
    "naive_hybrid": "naive + jieba BM25 (RRF)",
}
# (label, path into the results) of the figures "what changed" compares between two runs
TRACKED = (
    ("project recall@5", ("quality", "project", "overall", "recall@5")),
    ("project MRR", ("quality", "project", "overall", "mrr")),
    ("project key coverage", ("quality", "project", "overall", "key_coverage")),
    ("project refusal accuracy", ("quality", "project", "overall", "refusal_accuracy")),
    ("project false refusals", ("quality", "project", "overall", "false_refusals")),
    ("naive hybrid recall@5", ("quality", "naive_hybrid", "overall", "recall@5")),
    ("warm latency p50 ms", ("speed", "warm", "project", "p50_ms")),
    ("warm latency p95 ms", ("speed", "warm", "project", "p95_ms")),
    ("cold start s", ("speed", "cold", "project", "median", "first_answer_s")),
    ("ingest chars/s", ("speed", "ingest", "end_to_end", "chars_per_s")),
    ("model passages/s", ("speed", "ingest", "stages", "model_passages_per_s")),
)


def fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def dig(data: Any, path: Sequence[str]) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def quality_section(quality: dict[str, Any]) -> str:
    systems = [s for s in SYSTEM_NAMES if s in quality]
    rows = [[SYSTEM_NAMES[s], *(quality[s]["overall"].get(k) for _, k in QUALITY_COLUMNS)] for s in systems]
    out = [table(["system", *(label for label, _ in QUALITY_COLUMNS)], rows)]
    shapes = sorted({shape for s in systems for shape in quality[s].get("by_shape", {})})
    shape_rows = []
    for shape in shapes:
        row: list[Any] = [shape]
        for s in systems:
            figures = quality[s]["by_shape"].get(shape, {})
            row += [figures.get("recall@5"), figures.get("key_coverage")]
        shape_rows.append(row)
    headers = ["shape"] + [f"{h} {SYSTEM_NAMES[s].split(':')[0]}" for s in systems for h in ("R@5", "keys")]
    out += ["", "By question shape (recall@5 and key coverage):", "", table(headers, shape_rows)]
    oracle = dig(quality, ("naive_hybrid", "threshold_oracle"))
    if oracle and oracle.get("threshold") is not None:
        out += [
            "",
            f"A top-1 cosine threshold for the naive hybrid pipeline, tuned on this very set (an upper bound, "
            f"not a fair setting): threshold {fmt(oracle['threshold'])} → refusal accuracy "
            f"{fmt(oracle['refusal_accuracy'])}, false refusals {fmt(oracle['false_refusals'])}, "
            f"answered/refused right {fmt(oracle['answer_agreement'])}.",
        ]
    return "\n".join(out)


def speed_section(speed: dict[str, Any]) -> str:
    out: list[str] = []
    warm = speed.get("warm", {})
    if warm:
        base = warm.get("naive_dense", {}).get("p50_ms")
        rows = [
            [SYSTEM_NAMES.get(s, s), w["n"], w["p50_ms"], w["p95_ms"], w["p99_ms"], _x(w["p50_ms"], base)]
            for s, w in warm.items()
            if isinstance(w, dict) and "p50_ms" in w
        ]
        out += [
            "Warm answer latency (ms):",
            "",
            table(["system", "answers", "p50", "p95", "p99", "p50 vs naive"], rows),
        ]
    breakdown = speed.get("breakdown", {})
    if breakdown:
        rows = [[label, b["p50_ms"], b["p95_ms"], b["share"]] for label, b in breakdown.items()]
        out += [
            "",
            "Where an answer's time goes (ms per question; nested steps are also inside their parent):",
            "",
        ]
        out += [table(["step", "p50", "p95", "share of total"], rows)]
    cold = speed.get("cold", {})
    if cold:
        steps = ["interpreter_s", "imports_s", "model_s", "store_s", "corpus_s", "first_answer_s"]
        base = dig(cold, ("naive_dense", "median", "first_answer_s"))
        rows = [
            [
                SYSTEM_NAMES.get(s, s),
                *(c["median"].get(k) for k in steps),
                _x(c["median"].get(steps[-1]), base),
            ]
            for s, c in cold.items()
        ]
        out += ["", "Cold start, seconds from process start (median of runs; each column is cumulative):", ""]
        headers = ["system", "python up", "imports", "model loaded", "store open", "snapshot", "first answer"]
        out += [table([*headers, "vs naive"], rows)]
    ingest = speed.get("ingest", {})
    if ingest:
        out += ["", ingest_section(ingest)]
    wins = speed.get("cheap_wins", [])
    if wins:
        rows = [[w["config"], w["passages_per_s"], w["vs_default"], w["min_cosine_vs_default"]] for w in wins]
        out += ["", "Embedding cheap wins (same passages, interleaved rounds, median):", ""]
        out += [table(["configuration", "passages/s", "vs default", "min cosine vs default"], rows)]
    query = speed.get("query_embedding", {})
    if query.get("direct"):
        out += [
            "",
            f"Embedding one question ({fmt(query['questions'])} questions, interleaved): `encode()` p50 "
            f"{fmt(query['encode_p50_ms'])} ms, the direct path (E5Embedder.embed_query) p50 "
            f"{fmt(query['direct_p50_ms'])} ms; paired median ratio **{fmt(query['direct_vs_encode'])}**, "
            f"min cosine {fmt(query['min_cosine'])}.",
        ]
    if speed.get("onnx"):
        out += ["", f"ONNX int8: {speed['onnx']}"]
    return "\n".join(out)


def ingest_section(ingest: dict[str, Any]) -> str:
    e2e, stages = ingest.get("end_to_end", {}), ingest.get("stages", {})
    out = []
    if e2e:
        out.append(
            f"Ingest of the samples (`Ingestor`, empty store and cache): {fmt(e2e['chars'])} characters, "
            f"{fmt(e2e['chunks'])} chunks in {fmt(e2e['seconds'])} s = **{fmt(e2e['chars_per_s'])} chars/s, "
            f"{fmt(e2e['chunks_per_s'])} chunks/s**."
        )
    if stages:
        out.append(
            f"The model alone: **{fmt(stages['model_passages_per_s'])} passages/s** "
            f"({fmt(stages['model_chars_per_s'])} chars/s); ingest runs at "
            f"**{fmt(ingest.get('fraction_of_model'))}** of it."
        )
        rows = [[k, v, stages["shares"].get(k)] for k, v in stages["seconds"].items()]
        out += ["", table(["stage", "seconds", "share"], rows)]
    return "\n".join(out)


def scale_section(scale: dict[str, Any]) -> str:
    rows = []
    for step in scale.get("steps", []):
        embedded, server, ingest = step.get("embedded", {}), step.get("server", {}), step.get("ingest", {})
        rows.append(
            [
                f"{step['scale']}×",
                step.get("speeches"),
                step.get("chunks"),
                step.get("chars"),
                _mb(step.get("disk_bytes")),
                _mb(step.get("sqlite_bytes")),
                f"{fmt(ingest.get('seconds'))} ({ingest.get('mode', '?')}, {fmt(ingest.get('embedded'))} embedded)",
                dig(step, ("one_more_file", "seconds")),
                embedded.get("snapshot_s"),
                embedded.get("rss_mb"),
                _answers(embedded),
                dig(embedded, ("latency", "p50_ms")),
                dig(embedded, ("latency", "p95_ms")),
                dig(server, ("latency", "p50_ms")),
                dig(server, ("latency", "p95_ms")),
                server.get("server_rss_mb"),
            ]
        )
    headers = [
        "corpus",
        "speeches",
        "chunks",
        "chars",
        "index MB",
        "of which SQLite",
        "ingest s (path, new vectors)",
        "+2 files via Ingestor s",
        "snapshot s",
        "RSS MB",
        "answers timed",
        "p50 ms",
        "p95 ms",
        "server p50",
        "server p95",
        "server RSS MB",
    ]
    out = [table(headers, rows)]
    for step in scale.get("steps", []):
        breakdown = dig(step, ("embedded", "breakdown"))
        if breakdown:
            cells = ", ".join(f"{k} {v['p50_ms']}/{v['p95_ms']}" for k, v in breakdown.items())
            out.append(f"\n{step['scale']}× where the time goes (p50/p95 ms): {cells}")
        steps_s = dig(step, ("ingest", "steps_s"))
        if steps_s:
            cells = ", ".join(f"{k} {v}" for k, v in steps_s.items())
            out.append(f"\n{step['scale']}× ingest steps (s): {cells}")
    return "\n".join(out)


def changes(previous: dict[str, Any] | None, current: dict[str, Any]) -> str:
    if not previous:
        return "First recorded run: nothing to compare with."
    rows = []
    for label, path in TRACKED:
        before, now = dig(previous, path), dig(current, path)
        if before is not None or now is not None:
            rows.append([label, before, now, _delta(before, now)])
    when = previous.get("meta", {}).get("finished", "?")
    return f"Compared with the run of {when}:\n\n" + table(["figure", "before", "now", "change"], rows)


def render(
    bench: dict[str, Any] | None, scale: dict[str, Any] | None, previous: dict[str, Any] | None
) -> str:
    parts = ["# policy-qa benchmark", ""]
    if bench:
        meta = bench.get("meta", {})
        parts += [
            _meta_line(meta),
            "",
            "## Quality (eval/questions.jsonl)",
            "",
            quality_section(bench["quality"]),
        ]
        parts += ["", "## Speed", "", speed_section(bench.get("speed", {}))]
        parts += ["", "## What changed since the previous run", "", changes(previous, bench)]
    if scale:
        parts += ["", "## Scale (`make bench-scale`)", "", _meta_line(scale.get("meta", {})), ""]
        parts += [scale.get("note", ""), "", scale_section(scale)]
    return "\n".join(parts).rstrip() + "\n"


def _meta_line(meta: dict[str, Any]) -> str:
    keys = ("finished", "duration_s", "machine", "load_before", "load_after")
    return "Run: " + "; ".join(f"{k} {fmt(meta[k])}" for k in keys if k in meta)


def _answers(probe: dict[str, Any]) -> str:
    n = fmt(dig(probe, ("latency", "n")))
    return f"{n} (capped)" if probe.get("capped") else n


def _x(value: float | None, base: float | None) -> str:
    return "—" if value is None or not base else f"{value / base:.1f}×"


def _mb(value: int | None) -> float | None:
    return None if value is None else round(value / 1e6, 1)


def _delta(before: Any, now: Any) -> str:
    if isinstance(before, int | float) and isinstance(now, int | float):
        return f"{now - before:+.3f}" if abs(now - before) < 10 else f"{now - before:+,.1f}"
    return "—"
