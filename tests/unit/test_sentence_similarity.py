"""Sentence-level similarity: each sentence scored against the question by the dense model, the
question embedded once, vectors through the persistent cache, and the best keyword candidates
reordered by it."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from assistant.service import PolicyAssistant
from assistant.similarity import Scorer, SentenceSimilarity
from assistant.strategies.base import Context, Found
from assistant.strategies.common import candidate_sentences
from assistant.weights import LIMITS, SENTENCE
from core.records import LoadedText
from ingest.build import build_documents
from tests.fakes import FakeEmbedder, MemoryStore
from tests.unit.test_assistant_extractive import prepared
from tests.unit.test_store import info_for
from vectorstore.embed_cache import CachedEmbedder


def test_each_sentence_is_scored_by_its_cosine_to_the_question_embedded_once() -> None:
    model = FakeEmbedder()
    score = SentenceSimilarity(model).bind("两个保障是什么")
    assert score([]) == [] and model.query_calls == 0  # nothing to score: the question is not embedded
    sentences = ["强化两个保障", "完全无关的一句话"]
    got = score(sentences)
    score(sentences[:1])
    expected = [float(np.dot(model.vector("两个保障是什么"), model.vector(s))) for s in sentences]
    assert np.allclose(got, expected, atol=1e-6) and got[0] > got[1]
    assert model.query_calls == 1


def test_warming_puts_sentence_vectors_in_the_cache(tmp_path: Path) -> None:
    model = FakeEmbedder()
    cached = CachedEmbedder(model, tmp_path / "cache.sqlite")
    SentenceSimilarity(cached).warm(["一句", "两句", "一句"]).join(timeout=10)
    assert model.passages_embedded == 2  # each distinct sentence once
    cached.embed_passages(["一句", "两句"])
    assert model.passages_embedded == 2 and cached.hits == 2


def test_the_store_and_the_answerer_share_one_embedding_of_a_question(tmp_path: Path) -> None:
    model = FakeEmbedder()
    cached = CachedEmbedder(model, tmp_path / "cache.sqlite")
    first = cached.embed_query("两个保障是什么")
    assert cached.embed_query("两个保障是什么") == first and model.query_calls == 1
    cached.embed_query("别的问题")
    assert model.query_calls == 2


def _candidates(assistant: PolicyAssistant, store: MemoryStore, similar: Scorer | None) -> list[Found]:
    query, ranked, idf = prepared(assistant, store, "两个保障是什么？")
    return candidate_sentences(Context(query, assistant.corpus(), ranked, idf, similar), ranked, depth=12)


def test_the_sentence_the_model_finds_closest_gains_the_sentence_weight(
    assistant: PolicyAssistant, store: MemoryStore
) -> None:
    plain = _candidates(assistant, store, None)  # without a model: keywords and passages only
    assert len(plain) > LIMITS.dense_sentences  # some candidates lie beyond the measured head
    favourite = plain[3].sentence.text
    lifted = _candidates(assistant, store, lambda texts: [0.9 if t == favourite else 0.8 for t in texts])
    before = {(f.chunk.doc_id, f.sentence.start): f.score for f in plain}
    after = {(f.chunk.doc_id, f.sentence.start): f.score for f in lifted}
    key = (plain[3].chunk.doc_id, plain[3].sentence.start)
    assert after[key] - before[key] == pytest.approx(SENTENCE.sentence_dense)
    assert all(after[k] == before[k] for k in before if k != key)  # the rest keep their keyword score
    assert [f.sentence.text for f in lifted].index(favourite) < 3


def test_a_speech_uploaded_to_a_live_assistant_has_its_sentences_embedded_ahead() -> None:
    first, second = (
        build_documents(LoadedText(name, text))[0]
        for name, text in (
            ("a.txt", "甲县教育工作会议讲话\n（2025年3月1日）\n今年要新建学校三所。全县教师培训全覆盖。\n"),
            (
                "b.txt",
                "乙县职业教育推进会讲话\n（2025年4月2日）\n职业院校要深化产教融合。实训基地新增五个。\n",
            ),
        )
    )
    model = FakeEmbedder()
    store = MemoryStore([first], embedder=model)
    assistant = PolicyAssistant(store, embedder=model)
    assistant.corpus()  # the live snapshot: speeches already there are not embedded again
    before = model.passages_embedded
    store.write_document(*second)
    store.commit([info_for(*second, source="b.txt")], [])
    assistant.refresh()
    deadline = time.monotonic() + 10
    while model.passages_embedded - before < 2 and time.monotonic() < deadline:
        time.sleep(0.01)  # the warm-up runs in the background
    embedded = model.passages_embedded - before - len(second[1])  # the store embedded its passages
    assert embedded >= 2
