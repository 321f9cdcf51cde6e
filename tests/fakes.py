"""Deterministic test doubles shared by the unit tests, the sample corpus, and the answer-contract check."""

from __future__ import annotations

import hashlib
import itertools
import math
import threading
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.records import Chunk, Document
from vectorstore.base import DocumentInfo, Hit, Manifest

if TYPE_CHECKING:  # the assistant layer is imported only by the tests that use it
    from assistant.corpus import Corpus
    from assistant.records import Answer
    from assistant.service import PolicyAssistant

SPEECHES = Path(__file__).resolve().parents[1] / "data" / "speeches"


class FakeEmbedder:
    """Implements `vectorstore.embeddings.Embedder` without a model.

    A text becomes the signed, hashed bag of its character unigrams (weight 0.5) and bigrams (weight 1.0),
    normalised to unit length: texts sharing words get higher cosine similarity, so retrieval tests rank
    sensibly, and the same text always gets the same vector (hashlib, not Python's per-process hash).
    Query and passage vectors are identical; e5's prompt asymmetry is tested on the real model.
    Counters let tests see how much work reached the embedder.
    """

    def __init__(self, dimension: int = 384) -> None:
        self.dimension = dimension
        self.passage_calls = 0
        self.query_calls = 0
        self.passages_embedded = 0

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        self.passage_calls += 1
        self.passages_embedded += len(texts)
        return [self.vector(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        self.query_calls += 1
        return self.vector(text)

    def vector(self, text: str) -> list[float]:
        """The vector for `text` without counting a call."""
        values = [0.0] * self.dimension
        chars = [c for c in text if c.isalnum()]
        features = [(c, 0.5) for c in chars] + [(a + b, 1.0) for a, b in itertools.pairwise(chars)]
        for feature, weight in features:
            index, sign = _slot(feature, self.dimension)
            values[index] += sign * weight
        norm = math.sqrt(sum(v * v for v in values))
        if norm == 0.0:  # no letters at all: still a valid unit vector
            return [1.0] + [0.0] * (self.dimension - 1)
        return [v / norm for v in values]


class GatedEmbedder(FakeEmbedder):
    """Blocks inside embed_passages while `gate` is closed (closed only when a test closes it)."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        self.entered.set()
        assert self.gate.wait(30), "the test never opened the gate"
        return super().embed_passages(texts)


@lru_cache(maxsize=65536)
def _slot(feature: str, dimension: int) -> tuple[int, float]:
    digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
    number = int.from_bytes(digest, "little")
    return number % dimension, (1.0 if number >> 63 else -1.0)


class MemoryStore:
    """A read-only VectorStore over built documents: dense search by FakeEmbedder cosine."""

    def __init__(self, built: Sequence[tuple[Document, list[Chunk]]]) -> None:
        self._embedder = FakeEmbedder()
        self._documents = {doc.doc_id: doc for doc, _ in built}
        self._chunks = [chunk for _, chunks in built for chunk in chunks]
        self._vectors = {c.chunk_id: self._embedder.vector(c.text) for c in self._chunks}
        infos = {
            d.doc_id: DocumentInfo(d.doc_id, (d.source,), d.title, d.speaker, d.date, len(cs), "2024-01-01")
            for d, cs in built
        }
        self._manifest = Manifest("g1", infos)

    def manifest(self) -> Manifest:
        return self._manifest

    def generation(self) -> str:
        return self._manifest.generation

    def get_document(self, doc_id: str) -> Document:
        return self._documents[doc_id]

    def get_documents(self, doc_ids: Iterable[str]) -> dict[str, Document]:
        return {d: self._documents[d] for d in doc_ids if d in self._documents}

    def chunks_of(self, doc_ids: Iterable[str] | None = None) -> list[Chunk]:
        wanted = set(doc_ids) if doc_ids is not None else set(self._documents)
        return [c for c in self._chunks if c.doc_id in wanted]

    def search(self, query: str, k: int, doc_ids: Sequence[str] | None = None) -> list[Hit]:
        q = self._embedder.vector(query)
        hits = [
            Hit(c, sum(a * b for a, b in zip(q, self._vectors[c.chunk_id], strict=True)))
            for c in self.chunks_of(doc_ids)
        ]
        return sorted(hits, key=lambda h: h.score, reverse=True)[:k]

    def has_document(self, doc_id: str) -> bool:
        return doc_id in self._documents

    def write_document(self, doc: Document, chunks: Sequence[Chunk]) -> None:
        raise NotImplementedError("read-only")

    def commit(self, add: Iterable[DocumentInfo], remove: Iterable[str]) -> Manifest:
        raise NotImplementedError("read-only")

    def collect_garbage(self) -> int:
        return 0

    def close(self) -> None:
        pass


@lru_cache(maxsize=1)
def sample_speeches() -> tuple[tuple[Document, list[Chunk]], ...]:
    """The five sample files of data/speeches built once per test process (six speeches: 002 holds two).

    Building tokenises every chunk with jieba (seconds on a shared machine); the records are frozen,
    so every test module may share them.
    """
    from ingest.build import build_documents
    from ingest.records import LoadedText

    built: list[tuple[Document, list[Chunk]]] = []
    for path in sorted(SPEECHES.glob("*.txt")):
        built += build_documents(LoadedText(path.name, path.read_text(encoding="utf-8")))
    return tuple(built)


# The JSON contract of DESIGN.md: answer fields (+ mode, notice), citation and passage fields.
ANSWER_FIELDS = {"question", "answer", "answerable", "citations", "passages", "mode", "notice"}
PASSAGE_FIELDS = {"doc_id", "source", "title", "speaker", "date", "section", "text", "start", "end", "score"}
CITATION_FIELDS = (PASSAGE_FIELDS - {"score"}) | {"n", "sentence"}  # sentence: what the UI highlights


def ask_checked(assistant: PolicyAssistant, question: str) -> Answer:
    """Ask, and assert the answer keeps the contract (check_answer)."""
    answer = assistant.ask(question)
    check_answer(answer, assistant.corpus())
    return answer


def check_answer(answer: Answer, corpus: Corpus) -> None:
    """Assert what every answer owes its reader, whatever the strategy that wrote it.

    The JSON has exactly the contract's fields; every [n] has a citation and every citation is
    used, numbered 1..m in order of first use; a cited passage is a body chunk whose `start`/`end`
    locate its text in the speech, and it supports the sentence its mark closes; an answerable
    answer cites something and a refusal says why (`notice`).
    """
    from assistant.verify import MARK_RE, supports

    data = answer.to_dict()
    assert set(data) == ANSWER_FIELDS
    assert all(set(c) == CITATION_FIELDS for c in data["citations"])
    assert all(set(p) == PASSAGE_FIELDS for p in data["passages"])
    marks = [int(n) for n in MARK_RE.findall(answer.answer)]
    assert (
        list(dict.fromkeys(marks))
        == [c.n for c in answer.citations]
        == list(range(1, len(answer.citations) + 1))
    )
    for citation in answer.citations:
        p = citation.passage
        chunk = corpus.chunks[p.chunk_id]
        doc = corpus.documents[p.doc_id]
        assert chunk.kind == "body" and doc.text[p.start : p.end] == p.text == chunk.text
        assert (p.title, p.speaker, p.date, p.section) == (
            doc.title,
            doc.speaker,
            doc.date,
            chunk.section_path,
        )
    for claim, n in marked_claims(answer.answer):
        assert supports(answer.citations[n - 1].passage.text, claim), (claim, n)
    passage_ids = [p.chunk_id for p in answer.passages]
    assert len(set(passage_ids)) == len(passage_ids)
    assert passage_ids[: len(answer.citations)] == [c.passage.chunk_id for c in answer.citations]
    for p in answer.passages:
        chunk = corpus.chunks[p.chunk_id]
        assert (p.start, p.end) == (chunk.start, chunk.end)
        if chunk.kind == "body":
            assert corpus.documents[p.doc_id].text[p.start : p.end] == p.text
    if answer.answerable:
        assert answer.citations, answer.answer
    else:
        assert answer.notice, answer.answer


def marked_claims(text: str) -> list[tuple[str, int]]:
    """(the words a mark closes, its number), cut exactly as the citation check cuts them."""
    from assistant.verify import marked_claims as claims

    return claims(text)
