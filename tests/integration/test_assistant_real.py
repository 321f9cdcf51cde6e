"""PolicyAssistant on the real e5 model and a real embedded Chroma holding data/speeches (ingested once).

The model folder is shared by test sessions (POLICY_QA_TEST_MODEL_DIR, default var/test-model, as in
test_e5_model.py), and so is a cache of the passages' vectors beside it: embedding the samples takes over a
minute on two cores, and the cache is keyed by the model build, so it only ever serves this model's vectors.
The index lives in a temporary directory: nothing here touches the app's data.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import templates as T
from assistant.corpus import Corpus
from assistant.service import PolicyAssistant
from ingest.pipeline import Ingestor
from tests.fakes import SPEECHES
from tests.fakes import ask_checked as ask
from vectorstore.chroma import ChromaStore
from vectorstore.e5 import E5Embedder
from vectorstore.e5_builder import ensure_model
from vectorstore.embed_cache import CachedEmbedder
from vectorstore.factory import persistent_client

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaStore]:
    model_dir = ensure_model(Path(os.environ.get("POLICY_QA_TEST_MODEL_DIR", ROOT / "var" / "test-model")))
    embedder = CachedEmbedder(E5Embedder(model_dir), model_dir.parent / "test-embed-cache.sqlite")
    root = tmp_path_factory.mktemp("assistant-real")
    store = ChromaStore(persistent_client(root / "chroma"), embedder, "assistantreal")
    report = Ingestor(store, lock_path=root / "ingest.lock").ingest_paths([SPEECHES])
    assert not report.failed and len(store.manifest().documents) == 6
    yield store
    store.close()
    embedder.close()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def assistant(store: ChromaStore) -> PolicyAssistant:
    return PolicyAssistant(store)


@pytest.fixture(scope="module")
def corpus(assistant: PolicyAssistant) -> Corpus:
    return assistant.corpus()


def doc_id(corpus: Corpus, source: str, speaker: str = "") -> str:
    found = [
        d for d, doc in corpus.documents.items() if doc.source.startswith(source) and speaker in doc.speaker
    ]
    assert len(found) == 1
    return found[0]


def test_two_guarantees_are_answered_in_order_and_cited(assistant: PolicyAssistant, corpus: Corpus) -> None:
    answer = ask(assistant, "两个保障是什么？")
    assert answer.answerable and answer.mode == "extractive"
    funds, teachers = answer.answer.find("经费保障"), answer.answer.find("教师保障")
    assert 0 <= funds < teachers
    by_n = {c.n: c for c in answer.citations}
    for item, at in (("经费保障", funds), ("教师保障", teachers)):
        mark = answer.answer.find("[", at)
        citation = by_n[int(answer.answer[mark + 1 : answer.answer.find("]", mark)])]
        assert item in citation.passage.text and citation.passage.doc_id == doc_id(corpus, "000")
        assert citation.passage.source.startswith("000_")


def test_a_formulation_of_two_speeches_is_answered_per_speech(
    assistant: PolicyAssistant, corpus: Corpus
) -> None:
    answer = ask(assistant, "三点意见是什么？")  # 001 lists three; 004 announces three and gives two
    assert answer.answerable and answer.notice == T.NOTICE_INCOMPLETE
    lines = answer.answer.split("\n")
    complete = [line for line in lines if "提高政治站位" in line]
    partial = [line for line in lines if "回望2024" in line]
    assert len(complete) == len(partial) == 1 and complete != partial
    assert complete[0].startswith("《在全市教育工作高质量发展推进会议上的讲话》")
    assert partial[0].startswith("《2024年市教育行政工作会强调讲话》")
    positions = [complete[0].find(p) for p in ("提高政治站位", "聚焦重点任务", "强化保障措施")]
    assert -1 not in positions and positions == sorted(positions)
    assert {c.passage.doc_id for c in answer.citations} <= {doc_id(corpus, "001"), doc_id(corpus, "004")}


@pytest.mark.parametrize(
    "question",
    [
        "郑州市2025年高考录取了多少人？",
        "What is the tuition fee of universities in Canada?",
        "高校学费标准是多少？",
    ],
)
def test_questions_the_speeches_do_not_answer_are_refused(assistant: PolicyAssistant, question: str) -> None:
    answer = ask(assistant, question)
    assert not answer.answerable and answer.notice == T.NOTICE_NOT_FOUND and answer.citations == []


def test_dense_retrieval_finds_a_paraphrased_questions_passage(
    assistant: PolicyAssistant, store: ChromaStore, corpus: Corpus
) -> None:
    """ "学校安全方面要做到哪些到位" shares few words with 003 (九)'s heading; e5 still ranks its passages."""
    question = "学校安全方面要做到哪些到位"
    d003 = doc_id(corpus, "003")
    section = corpus.documents[d003].section("s2.9")
    assert section is not None

    def in_section(chunk_doc: str, start: int) -> bool:
        return chunk_doc == d003 and section.start <= start < section.end

    assert any(in_section(h.chunk.doc_id, h.chunk.start) for h in store.search(question, 5))
    answer = ask(assistant, question)
    assert any(in_section(p.doc_id, p.start) for p in answer.passages[:5])
