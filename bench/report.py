"""Results JSON → the Markdown report (bench/results/latest.md) and the generated blocks of bench/README.md."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from bench.history import TRACKED, dig

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
    if speed.get("startup"):
        out += ["", startup_section(speed["startup"], speed.get("embed_backend"))]
    if speed.get("http_load"):
        out += ["", http_line(speed["http_load"])]
    ingest = speed.get("ingest", {})
    if ingest:
        out += ["", ingest_section(ingest)]
    wins = speed.get("cheap_wins", [])
    if wins:
        rows = [[w["config"], w["passages_per_s"], w["vs_default"], w["min_cosine_vs_default"]] for w in wins]
        out += ["", "Embedding cheap wins (same passages, interleaved rounds, median):", ""]
        out += [table(["configuration", "passages/s", "vs default", "min cosine vs default"], rows)]
    context = speed.get("embed_in_context", {})
    if context:
        cells = "; ".join(
            f"{SYSTEM_NAMES.get(name, name)} p50 {fmt(figures.get('p50_ms'))} ms, p95 {fmt(figures.get('p95_ms'))}"
            for name, figures in context.items()
        )
        out += [
            "",
            f"Embedding the question inside each system's answer, interleaved question by question: {cells}.",
        ]
    query = speed.get("query_embedding", {})
    if query.get("direct"):
        out += [
            "",
            f"Embedding one question ({fmt(query['questions'])} questions, interleaved): `encode()` p50 "
            f"{fmt(query['encode_p50_ms'])} ms, the direct path (E5Embedder.embed_query) p50 "
            f"{fmt(query['direct_p50_ms'])} ms; paired median ratio **{fmt(query['direct_vs_encode'])}**, "
            f"min cosine {fmt(query['min_cosine'])}.",
        ]
    backends = speed.get("onnx_vs_torch", {})
    if backends:
        out += [
            "",
            f"Embedding one question, ONNX Runtime vs the torch reference ({fmt(backends['questions'])} "
            f"questions, interleaved, one thread each): ONNX p50 {fmt(backends['onnx_p50_ms'])} ms "
            f"(p95 {fmt(backends['onnx_p95_ms'])}), torch p50 {fmt(backends['torch_p50_ms'])} ms "
            f"(p95 {fmt(backends['torch_p95_ms'])}); paired median ratio **{fmt(backends['onnx_vs_torch'])}**, "
            f"min cosine {fmt(backends['min_cosine'])}.",
        ]
    concurrent = speed.get("concurrent_embedding", {})
    if concurrent:
        rows = [
            [
                name,
                c["clients"],
                c["questions"],
                c["questions_per_s"],
                c["p50_ms"],
                c["p95_ms"],
                c["mean_batch"],
            ]
            for name, c in concurrent.items()
        ]
        out += ["", "Question embeddings from concurrent clients (model only, one process):", ""]
        out += [
            table(["backend", "clients", "questions", "questions/s", "p50 ms", "p95 ms", "mean batch"], rows)
        ]
    if speed.get("onnx"):
        out += ["", f"ONNX int8: {speed['onnx']}"]
    return "\n".join(out)


def startup_section(starts: dict[str, Any], backend: str | None) -> str:
    cli, imports, app = starts.get("cli", {}), starts.get("imports", {}), starts.get("app", {})
    rows = [
        ["`python -m assistant ask` from cold, to exit (s)", cli.get("median_s"), _runs(cli.get("runs_s"))],
        [
            "imports on that path (ms, `-X importtime`)",
            imports.get("median_ms"),
            _runs(imports.get("runs_ms")),
        ],
        [
            "`python app.py` until /api/health answers (s)",
            app.get("ready_median_s"),
            _runs(app.get("ready_runs_s")),
        ],
        [
            "then the first /api/ask (s)",
            app.get("first_answer_median_s"),
            _runs(app.get("first_answer_runs_s")),
        ],
    ]
    heavy = ", ".join(imports.get("heavy_imported") or []) or "none"
    top = ", ".join(f"{k} {v}" for k, v in (imports.get("heaviest_top_level_ms") or {}).items())
    return "\n".join(
        [
            f"Start-up (fresh processes, embedding backend: {backend or '?'}; median of runs):",
            "",
            table(["what", "median", "runs"], rows),
            "",
            f"torch / sentence-transformers / transformers imported on the question path: {heavy}. "
            f"Heaviest top-level imports (ms, cumulative): {top}.",
        ]
    )


def http_line(load: dict[str, Any]) -> str:
    return (
        f"{fmt(load['clients'])} HTTP clients POSTing /api/ask to a fresh `python app.py` for "
        f"{fmt(load['duration_s'])} s: **{fmt(load['answers_per_s'])} answers/s**, p50 {fmt(load['p50_ms'])} ms, "
        f"p95 {fmt(load['p95_ms'])} ms (statuses {load.get('statuses')})."
    )


def _runs(values: Sequence[float] | None) -> str:
    return " / ".join(fmt(v) for v in values) if values else "—"


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
                _latency(embedded, "p50_ms"),
                _latency(embedded, "p95_ms"),
                _latency(server, "p50_ms"),
                _latency(server, "p95_ms"),
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
        wait = step.get("wait")
        if wait:
            out.append(
                f"\n{step['scale']}× questions during an ingest ({wait.get('askers')} askers, "
                f"{len(wait.get('change_s', []))} files ingested by the asking process in "
                f"{', '.join(fmt(s) for s in wait.get('change_s', []))} s): longest answer "
                f"{fmt(wait.get('during_change_max_ms'))} ms of {wait.get('during_change')} overlapping, "
                f"longest wait beyond the same question's calm median **{fmt(wait.get('wait_max_ms'))} ms**, "
                f"calm median {fmt(wait.get('calm_median_ms'))} ms, RSS {fmt(wait.get('rss_mb'))} MB"
            )
    return "\n".join(out)


def render(
    bench: dict[str, Any] | None, scale: dict[str, Any] | None, previous: dict[str, Any] | None
) -> str:
    parts = ["# policy-qa benchmark", ""]
    if bench:
        parts += [_meta_line(bench.get("meta", {})), "", tables(bench, None)]
        parts += ["", "## What changed since the previous run", "", changes(previous, bench)]
    if scale:
        parts += ["", tables(None, scale)]
    return "\n".join(parts).rstrip() + "\n"


def tables(bench: dict[str, Any] | None, scale: dict[str, Any] | None, level: int = 2) -> str:
    """The quality, speed and scale sections (headings at `level`)."""
    h = "#" * level
    parts: list[str] = []
    if bench:
        parts += [f"{h} Quality (eval/questions.jsonl)", "", quality_section(bench["quality"]), ""]
        parts += [f"{h} Speed", "", speed_section(bench.get("speed", {})), ""]
    if scale:
        parts += [f"{h} Scale (`make bench-scale`)", "", _meta_line(scale.get("meta", {})), ""]
        parts += [scale.get("note", ""), "", scale_section(scale), ""]
    return "\n".join(parts).rstrip()


def machine_section(bench: dict[str, Any] | None, scale: dict[str, Any] | None) -> str:
    """The machine of the latest runs and how loaded it was (other processes share the cores)."""
    rows = []
    for name, run in (("`make bench`", bench), ("`make bench-scale`", scale)):
        meta = (run or {}).get("meta", {})
        m = meta.get("machine")
        if not m:
            continue
        rows.append(
            [
                name,
                meta.get("finished"),
                _minutes(meta.get("duration_s")),
                f"{m.get('cpu')}, {m.get('cores')} cores, {m.get('ram_gb')} GB RAM",
                f"Python {m.get('python')}, torch {m.get('torch')}, chromadb {m.get('chromadb')}",
                _load(meta.get("load_before")),
                _load(meta.get("load_after")),
            ]
        )
    if not rows:
        return "No run recorded yet."
    headers = ["run", "finished (UTC)", "took", "machine", "software", "load before", "load after"]
    return table(headers, rows) + (
        "\n\nLoad averages are 1/5/15-minute figures of the whole machine: the cores are shared, so absolute "
        "times move with the neighbours; ratios against a baseline measured in the same run do not."
    )


# <!-- bench:NAME --> … <!-- /bench:NAME --> blocks of bench/README.md that a run rewrites
_BLOCK = re.compile(r"(<!-- bench:(?P<name>[\w-]+) -->)(.*?)(<!-- /bench:(?P=name) -->)", re.DOTALL)


def fill_blocks(text: str, blocks: Mapping[str, str]) -> str:
    """Replace the body of each named generated block; blocks not given (or not in text) stay as they are."""

    def replace(match: re.Match[str]) -> str:
        name = match.group("name")
        if name not in blocks:
            return match.group(0)
        inline = "\n" not in match.group(3)
        body = blocks[name] if inline else f"\n{blocks[name].strip()}\n"
        return f"{match.group(1)}{body}{match.group(4)}"

    return _BLOCK.sub(replace, text)


def readme_blocks(
    bench: dict[str, Any] | None, scale: dict[str, Any] | None, previous: dict[str, Any] | None
) -> dict[str, str]:
    blocks = {"machine": machine_section(bench, scale), "tables": tables(bench, scale, level=3)}
    if bench:
        blocks["changes"] = changes(previous, bench)
        blocks["bench-duration"] = _minutes(dig(bench, ("meta", "duration_s")))
    if scale:
        blocks["scale-duration"] = _minutes(dig(scale, ("meta", "duration_s")))
    return blocks


def _meta_line(meta: dict[str, Any]) -> str:
    keys = ("finished", "duration_s", "machine", "load_before", "load_after")
    return "Run: " + "; ".join(f"{k} {fmt(meta[k])}" for k in keys if k in meta)


def _minutes(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 60:.0f} min"


def _load(values: Sequence[float] | None) -> str:
    return "—" if not values else " / ".join(f"{v:.2f}" for v in values)


def _latency(probe: dict[str, Any], key: str) -> Any:
    """The percentile, or "> N s" when no answer finished within the probe's cap (a lower bound)."""
    value = dig(probe, ("latency", key))
    waited = dig(probe, ("unfinished", "waited_ms"))
    if value is None and waited is not None:
        return f"> {waited / 1000:,.0f} s"
    return value


def _answers(probe: dict[str, Any]) -> str:
    n = fmt(dig(probe, ("latency", "n")))
    return f"{n} (capped)" if probe.get("capped") else n


def _x(value: float | None, base: float | None) -> str:
    return "—" if value is None or not base else f"{value / base:.1f}×"


def _mb(value: int | None) -> float | None:
    return None if value is None else round(value / 1e6, 1)


def changes(previous: dict[str, Any] | None, current: dict[str, Any]) -> str:
    """The tracked figures of both runs and now/before (below 1 is better where lower is better)."""
    if not previous:
        return "First recorded run: nothing to compare with."
    rows = []
    for label, path, lower_better in TRACKED:
        before, now = dig(previous, path), dig(current, path)
        if before is not None or now is not None:
            rows.append([label, before, now, _ratio(before, now), "lower" if lower_better else "higher"])
    meta = previous.get("meta", {})
    who = f"commit {meta['commit']}, " if meta.get("commit") else ""
    head = (
        f"Compared with the previous commit's run ({who}{meta.get('finished', '?')}); ratio = now / before:"
    )
    return head + "\n\n" + table(["figure", "before", "now", "ratio", "better"], rows)


def _ratio(before: Any, now: Any) -> str:
    if isinstance(before, int | float) and isinstance(now, int | float) and before:
        return f"{now / before:.2f}×"
    return "—"
