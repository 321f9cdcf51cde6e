"""Int8 question embeddings: measured on every eval set before anyone adopts them (issue 15).

`python -m bench.int8 [--results DIR]` quantises the ONNX export dynamically (ONNX Runtime's
`quantize_dynamic`, int8 weights) into a scratch folder, then, in one process and on the same indexes:
- the question vectors of every eval set, int8 vs the float32 export (min / median cosine);
- one question's embedding time, int8 vs float32, interleaved question by question (medians, paired ratio);
- every sample and development set answered twice, questions embedded by float32 then by int8 (the passages
  stay the float32 vectors of the index, as they would in a deployment: indexes are not re-embedded),
  recall@5 and key coverage side by side. Adoptable only if every set stays within `TOLERANCE` of float32.
Writes <results>/int8-<time>.json. The eval runs twice (about ten minutes on the shared 2-core machine).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from bench.stats import median

TOLERANCE = 0.005
FIGURES = ("recall@5", "key_coverage", "refusal_accuracy", "false_refusals")


def quantize(onnx_dir: Path, out_dir: Path) -> Path:
    """An int8 copy of the export in `out_dir` (the graph quantised; tokenizer and table linked)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from vectorstore.e5_onnx_build import GRAPH, TABLE, TOKENIZER

    out_dir.mkdir(parents=True, exist_ok=True)
    quantize_dynamic(str(onnx_dir / GRAPH), str(out_dir / GRAPH), weight_type=QuantType.QInt8)
    for name in (TOKENIZER, TABLE):
        (out_dir / name).symlink_to((onnx_dir / name).resolve())
    return out_dir


class SwitchableQuestions:
    """The eval's embedder with its question path switchable to another encoder; passages (and the cache
    namespace) stay the wrapped embedder's."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.dimension = inner.dimension
        self.question_encoder: Any = None  # an OnnxEncoder, or None for the wrapped embedder

    @property
    def cache_namespace(self) -> str:
        return str(self.inner.cache_namespace)

    def embed_query(self, text: str) -> list[float]:
        if self.question_encoder is None:
            return list(self.inner.embed_query(text))
        from vectorstore.e5_builder import PROMPTS

        return self.question_encoder.encode([PROMPTS["query"] + text])[0].tolist()  # type: ignore[no-any-return]

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        return list(self.inner.embed_passages(texts))


def vectors_and_speed(fp32: Any, int8: Any, questions: list[str]) -> dict[str, Any]:
    from vectorstore.e5_builder import PROMPTS

    times: dict[str, list[float]] = {"fp32": [], "int8": []}
    cosines = []
    for text in questions[:3]:
        fp32.encode([PROMPTS["query"] + text]), int8.encode([PROMPTS["query"] + text])
    for text in questions:
        vectors = []
        for name, encoder in (("fp32", fp32), ("int8", int8)):
            started = time.perf_counter()
            vectors.append(encoder.encode([PROMPTS["query"] + text])[0])
            times[name].append((time.perf_counter() - started) * 1000)
        cosines.append(float(np.dot(vectors[0], vectors[1])))
    ratios = [i / f for i, f in zip(times["int8"], times["fp32"], strict=True)]
    return {
        "questions": len(questions),
        "min_cosine": round(min(cosines), 5),
        "median_cosine": round(median(cosines), 5),
        "fp32_p50_ms": round(median(times["fp32"]), 2),
        "int8_p50_ms": round(median(times["int8"]), 2),
        "int8_vs_fp32": round(median(ratios), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.int8", description=__doc__)
    parser.add_argument("--results", type=Path, default=Path(__file__).resolve().parent / "results")
    args = parser.parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from eval.run import SAMPLE_SETS, assistant_for, dev_sets, load_questions, run
    from settings import load_settings
    from vectorstore.e5_onnx import OnnxEncoder, loaded_encoder
    from vectorstore.factory import open_embedder

    started, load_before = time.perf_counter(), os.getloadavg()
    settings = load_settings()
    embedder: Any = open_embedder(settings)
    embedder.load()
    fp32 = loaded_encoder(embedder)
    if fp32 is None:
        raise SystemExit("the ONNX export is not in use (POLICY_QA_EMBED_BACKEND=torch?)")
    switch = SwitchableQuestions(embedder)
    paths = [p for p in SAMPLE_SETS if p.exists()] + dev_sets()
    with tempfile.TemporaryDirectory(prefix="policyqa-int8-") as tmp:
        int8 = OnnxEncoder(quantize(fp32.onnx_dir, Path(tmp) / "onnx-int8"))
        asked = [q["question"] for p in paths for q in load_questions(p)]
        result: dict[str, Any] = {"vectors": vectors_and_speed(fp32, int8, asked), "sets": {}}
        print(json.dumps(result["vectors"]), file=sys.stderr, flush=True)
        cache: dict[str, Any] = {"embedder": switch}
        for path in paths:
            name = path.parent.name if path.parent.parent.name == "corpus" else path.stem
            assistant, scope = assistant_for(path, cache)
            questions = load_questions(path)
            row: dict[str, Any] = {}
            for label, encoder in (("fp32", None), ("int8", int8)):
                switch.question_encoder = encoder
                _, report = run(assistant, questions, scope)
                row[label] = {k: report["overall"].get(k) for k in FIGURES}
            row["diff"] = {k: _diff(row["int8"][k], row["fp32"][k]) for k in FIGURES}
            result["sets"][name] = row
            print(name, json.dumps(row), file=sys.stderr, flush=True)
    result["adoptable"] = all(
        abs(row["diff"][k] or 0) <= TOLERANCE
        for row in result["sets"].values()
        for k in ("recall@5", "key_coverage")
    )
    result["meta"] = {
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "duration_s": round(time.perf_counter() - started, 1),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }
    args.results.mkdir(parents=True, exist_ok=True)
    out = args.results / f"int8-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


def _diff(a: Any, b: Any) -> float | None:
    return round(a - b, 4) if isinstance(a, int | float) and isinstance(b, int | float) else None


if __name__ == "__main__":
    raise SystemExit(main())
