"""bench.startup's import-time parsing, bench.embedding's ONNX-vs-torch and concurrency probes (on fakes),
and their rendering in the report."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

from bench import report
from bench.embedding import concurrent_questions, onnx_vs_torch
from bench.startup import parse_importtime
from tests.fakes import FakeEmbedder
from vectorstore.microbatch import MicroBatcher

IMPORTTIME = """import time: self [us] | cumulative | imported package
import time:       250 |        250 |   _io
import time:      2000 |       2100 | site
import time:       500 |        500 |     torch._C
import time:      1000 |       1500 |   torch
import time:      3000 |       4500 | sentence_transformers
import time:        50 |        200 | assistant
"""


def test_parse_importtime_sums_self_times_and_names_heavy_imports() -> None:
    parsed = parse_importtime("noise\n" + IMPORTTIME)
    assert parsed["total_ms"] == 6.8  # every module's self time, nested ones included
    assert parsed["heaviest_top_level_ms"] == {"sentence_transformers": 4.5, "site": 2.1, "assistant": 0.2}
    assert parsed["heavy_imported"] == ["sentence_transformers", "torch"]
    assert parsed["modules"] == 6


class Slow(FakeEmbedder):
    def __init__(self, delay_s: float) -> None:
        super().__init__()
        self.delay_s = delay_s

    def embed_query(self, text: str) -> list[float]:
        time.sleep(self.delay_s)
        return super().embed_query(text)


def test_onnx_vs_torch_pairs_the_timings_and_checks_the_vectors() -> None:
    fast, slow = Slow(0.001), Slow(0.01)
    result = onnx_vs_torch(fast, slow, ["两个保障", "教师", "经费"], rounds=2)
    assert result["questions"] == 6
    assert result["onnx_p50_ms"] < result["torch_p50_ms"]
    assert result["onnx_vs_torch"] < 0.5
    assert result["min_cosine"] > 0.9999  # same fake vectors


class Batched(FakeEmbedder):
    """A model that costs 20 ms per batch, whatever its size, behind a MicroBatcher."""

    def __init__(self) -> None:
        super().__init__()
        self._batcher: MicroBatcher[str, list[float]] = MicroBatcher(self._run, window_s=0.002)
        self.sizes: list[int] = []
        self._lock = threading.Lock()

    @property
    def question_batches(self) -> tuple[int, int]:
        return self._batcher.batches, self._batcher.items

    def _run(self, texts: Sequence[str]) -> list[list[float]]:
        time.sleep(0.02)
        with self._lock:
            self.sizes.append(len(texts))
        return [self.vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._batcher.submit(text)


def test_concurrent_questions_counts_batches() -> None:
    model = Batched()
    result = concurrent_questions(model, [f"问题{i}" for i in range(64)], clients=16)
    assert result["questions"] == 64
    assert result["batches"] == len(model.sizes) < 64
    assert result["mean_batch"] > 1
    # 64 questions at 20 ms each one by one would take 1.28 s: batching must beat that clearly.
    assert result["questions_per_s"] > 64 / 1.28 * 1.5


def test_report_renders_startup_backends_and_concurrency() -> None:
    speed = {
        "startup": {
            "cli": {"median_s": 3.2, "runs_s": [3.1, 3.2, 3.5]},
            "imports": {
                "median_ms": 1500.0,
                "runs_ms": [1500.0],
                "heavy_imported": [],
                "heaviest_top_level_ms": {"chromadb": 600.0},
            },
            "app": {
                "ready_median_s": 6.5,
                "ready_runs_s": [6.5],
                "first_answer_median_s": 1.2,
                "first_answer_runs_s": [1.2],
            },
        },
        "embed_backend": "onnx",
        "onnx_vs_torch": {
            "questions": 10,
            "onnx_p50_ms": 12.0,
            "torch_p50_ms": 30.0,
            "onnx_p95_ms": 15.0,
            "torch_p95_ms": 40.0,
            "onnx_vs_torch": 0.4,
            "min_cosine": 0.99999,
        },
        "concurrent_embedding": {
            "onnx": {
                "clients": 16,
                "questions": 64,
                "questions_per_s": 200.0,
                "p50_ms": 40.0,
                "p95_ms": 60.0,
                "mean_batch": 8.0,
            }
        },
    }
    text = report.speed_section(speed)
    assert "embedding backend: onnx" in text and "3.1 / 3.200 / 3.500" not in text
    assert "| `python -m assistant ask` from cold, to exit (s) | 3.200 | 3.100 / 3.200 / 3.500 |" in text
    assert "imported on the question path: none" in text and "chromadb 600.0" in text
    assert "ratio **0.400**" in text
    assert "| onnx | 16 | 64 | 200.0 | 40.0 | 60.0 | 8.000 |" in text


def test_embed_in_context_times_the_onnx_embedder(tmp_path: Path) -> None:
    from bench.speed import embed_in_context
    from tests.support.tiny_onnx import write_export, write_reference
    from vectorstore.e5_onnx import OnnxE5Embedder
    from vectorstore.e5_onnx_build import onnx_dir_for

    reference = write_reference(tmp_path / "e5")
    write_export(onnx_dir_for(reference), reference)
    embedder = OnnxE5Embedder(reference, build=False)

    def ask(question: str) -> None:
        embedder.embed_query(question)
        time.sleep(0.002)  # the rest of an answer: not embedding

    result = embed_in_context({"project": ask}, ["两个 保障", "教师"])
    assert result["project"]["n"] == 2
    assert result["project"]["max_ms"] > 0  # the ONNX embedder's calls were timed (0 if unwrapped)
