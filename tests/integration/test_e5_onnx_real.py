"""The ONNX Runtime export of the real e5 model against the reference (sentence-transformers on torch).

The export is made once per machine beside the shared test model (POLICY_QA_TEST_MODEL_DIR, default
var/test-model → var/test-model-onnx) and reused; a stale one is re-exported by ensure_onnx.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from vectorstore.e5 import E5Embedder
from vectorstore.e5_builder import BUILD_INFO
from vectorstore.e5_onnx import OnnxE5Embedder
from vectorstore.e5_onnx_build import MIN_COSINE, check_onnx, ensure_onnx

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "speeches"
QUESTION_SETS = [
    ROOT / "eval" / name for name in ("questions.jsonl", "questions_b.jsonl", "questions_c.jsonl")
]


@pytest.fixture(scope="module")
def model_dir() -> Path:
    from tests.support.model import shared_model_dir

    return shared_model_dir()


@pytest.fixture(scope="module")
def onnx_dir(model_dir: Path) -> Path:
    return ensure_onnx(model_dir)


@pytest.fixture(scope="module")
def reference(model_dir: Path) -> E5Embedder:
    embedder = E5Embedder(model_dir, build=False)
    embedder.load()
    return embedder


@pytest.fixture(scope="module")
def onnx(model_dir: Path, onnx_dir: Path) -> OnnxE5Embedder:
    embedder = OnnxE5Embedder(model_dir, build=False)
    embedder.load()
    assert embedder.backend == "onnx"
    return embedder


def sample_passages() -> list[str]:
    """Exactly what ingest embeds for the sample corpus: every chunk's passage text."""
    from ingest.build import build_documents
    from ingest.loaders import load
    from vectorstore.codec import passage_text

    passages = []
    for path in sorted(p for p in SAMPLES.iterdir() if p.is_file()):
        for _, chunks in build_documents(load(path)):
            passages += [passage_text(chunk) for chunk in chunks]
    return passages


def sample_questions() -> list[str]:
    questions = []
    for path in QUESTION_SETS:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                questions.append(json.loads(line)["question"])
    return questions


def _min_cosine(a: list[list[float]], b: list[list[float]]) -> float:
    x, y = np.asarray(a), np.asarray(b)
    assert x.shape == y.shape
    return float(np.min(np.sum(x * y, axis=1) / (np.linalg.norm(x, axis=1) * np.linalg.norm(y, axis=1))))


def test_the_export_records_its_agreement_and_passes_the_full_check(model_dir: Path, onnx_dir: Path) -> None:
    info = json.loads((onnx_dir / BUILD_INFO).read_text(encoding="utf-8"))
    assert info["min_cosine_to_reference"] >= MIN_COSINE
    assert check_onnx(onnx_dir, model_dir, full=True) is None


def test_passage_vectors_equal_the_reference_on_the_sample_corpus(
    reference: E5Embedder, onnx: OnnxE5Embedder
) -> None:
    passages = sample_passages()
    assert len(passages) > 100
    got, expected = onnx.embed_passages(passages), reference.embed_passages(passages)
    assert _min_cosine(got, expected) >= 0.9999
    assert onnx.encoder is not None
    padded = onnx.encoder.encode([f"passage: {p}" for p in passages[:32]], batch_size=16)
    assert _min_cosine(padded.tolist(), expected[:32]) >= 0.9999


def test_question_vectors_equal_the_reference_on_every_eval_question(
    reference: E5Embedder, onnx: OnnxE5Embedder
) -> None:
    questions = sample_questions()
    assert len(questions) >= 200
    one_by_one = [onnx.embed_query(q) for q in questions]
    expected = [reference.embed_query(q) for q in questions]
    assert _min_cosine(one_by_one, expected) >= 0.9999
    batched = onnx.embed_queries(questions)  # padded batches (the `ask --batch` path)
    assert _min_cosine(batched, expected) >= 0.9999


@pytest.mark.parametrize("max_batch", [1, 32])
def test_concurrent_questions_get_the_reference_vectors(
    reference: E5Embedder, model_dir: Path, onnx_dir: Path, max_batch: int
) -> None:
    onnx = OnnxE5Embedder(model_dir, build=False, max_question_batch=max_batch)
    questions = sample_questions()[:48]
    results: dict[int, list[float]] = {}
    start = threading.Barrier(16)

    def client(k: int) -> None:
        start.wait()
        for i in range(k, len(questions), 16):
            results[i] = onnx.embed_query(questions[i])

    batches_before = onnx.question_batches
    threads = [threading.Thread(target=client, args=(k,)) for k in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    got = [results[i] for i in range(len(questions))]
    assert _min_cosine(got, [reference.embed_query(q) for q in questions]) >= 0.9999
    batches = onnx.question_batches[0] - batches_before[0]
    if max_batch > 1:
        assert batches < len(questions)  # 16 clients at once: questions shared (padded) batches


def test_long_passages_are_truncated_like_the_reference(reference: E5Embedder, onnx: OnnxE5Embedder) -> None:
    texts = ["教育" * 1500, "两个保障", "Education " * 600]  # far beyond 512 tokens
    assert _min_cosine(onnx.embed_passages(texts), reference.embed_passages(texts)) >= 0.9999


def test_cli_question_answers_without_importing_torch(
    tmp_path: Path, model_dir: Path, onnx_dir: Path
) -> None:
    """`python -m assistant ask` on an index of one sample speech: answered, and neither torch nor
    sentence-transformers nor transformers is imported on the way (python -X importtime)."""
    env = {
        **os.environ,
        "POLICY_QA_DATA_DIR": str(tmp_path),
        "POLICY_QA_CHROMA_HOST": "",
        "POLICY_QA_COLLECTION": "onnx_cli",
    }
    link = tmp_path / "models" / "multilingual-e5-small"
    link.parent.mkdir(parents=True)
    link.symlink_to(model_dir.resolve(), target_is_directory=True)
    speech = sorted(SAMPLES.glob("000_*.txt"))[0]

    def importing(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-X", "importtime", "-m", *args]
        return subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
        )

    ingest = importing("ingest", str(speech))
    assert ingest.returncode == 0, ingest.stderr[-3000:]
    ask = importing("assistant", "ask", "两个保障是什么？")
    assert ask.returncode == 0, ask.stderr[-3000:]
    assert "经费保障" in ask.stdout and "教师保障" in ask.stdout
    for run in (ingest, ask):
        imported = {line.split("|")[-1].strip() for line in run.stderr.splitlines() if "import time:" in line}
        assert "onnxruntime" in imported
        assert not imported & {"torch", "sentence_transformers", "transformers"}
