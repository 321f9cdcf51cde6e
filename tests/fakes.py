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

from core.records import Chunk, Document
from core.store import DocumentInfo, Hit, Known, Manifest
from errors import DocumentNotFoundError
from vectorstore.ledger import Entry, Field, Head, Ledger, orphans

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


class FailingEmbedder(FakeEmbedder):
    """Raises on the n-th call of embed_passages (1-based), like a model crashing mid-document."""

    def __init__(self, fail_on: int) -> None:
        super().__init__()
        self.calls = 0
        self.fail_on = fail_on

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls += 1
        if self.calls == self.fail_on:
            raise RuntimeError("embedding failed")
        return super().embed_passages(texts)


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


class MemoryEntries:
    """`vectorstore.ledger.EntryTable` in a dict: the manifest rules without Chroma."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}
        self.top: Head | None = None
        self.old: Manifest | None = None  # a store of the one-record layout, when a test sets it

    def head(self) -> Head | None:
        return self.top

    def set_head(self, head: Head) -> None:
        self.top = head

    def put(self, entries: Sequence[Entry]) -> None:
        self.entries.update({e.entry_id: e for e in entries})

    def between(self, field: Field, above: int, at_most: int | None) -> list[Entry]:
        return [
            e
            for e in self.entries.values()
            if above < getattr(e, field) and (at_most is None or getattr(e, field) <= at_most)
        ]

    def delete(self, entry_ids: Sequence[str]) -> None:
        for entry_id in entry_ids:
            self.entries.pop(entry_id, None)

    def legacy(self) -> Manifest | None:
        return self.old

    def drop_legacy(self) -> None:
        self.old = None


class MemoryStore:
    """A VectorStore in memory, dense search by FakeEmbedder cosine. Writable: its manifest follows the
    same commit and collection rules as ChromaStore's (`vectorstore.ledger`). Built documents passed
    in are written and committed at once."""

    def __init__(
        self, built: Sequence[tuple[Document, list[Chunk]]] = (), embedder: FakeEmbedder | None = None
    ) -> None:
        self.embedder = embedder or FakeEmbedder()
        self.table = MemoryEntries()
        self._ledger = Ledger(self.table)
        self._documents: dict[str, Document] = {}  # every written document, active or not
        self._chunks: dict[str, Chunk] = {}
        self._vectors: dict[str, list[float]] = {}
        for doc, chunks in built:
            self.write_document(doc, chunks)
        if built:
            self.commit([_info(d, len(cs)) for d, cs in built], [])

    def manifest(self) -> Manifest:
        return self._ledger.manifest()

    def generation(self) -> str:
        return self._ledger.generation()

    def get_document(self, doc_id: str) -> Document:
        if doc_id not in self.manifest().documents:
            raise DocumentNotFoundError(doc_id)
        return self._documents[doc_id]

    def get_documents(self, doc_ids: Iterable[str]) -> dict[str, Document]:
        active = self.manifest().documents
        return {d: self._documents[d] for d in dict.fromkeys(doc_ids) if d in active}

    def chunks_of(self, doc_ids: Iterable[str] | None = None) -> list[Chunk]:
        active = self.manifest().documents
        wanted = list(active) if doc_ids is None else [d for d in dict.fromkeys(doc_ids) if d in active]
        order = {d: i for i, d in enumerate(wanted)}
        chunks = [c for c in self._chunks.values() if c.doc_id in order]
        return sorted(chunks, key=lambda c: (order[c.doc_id], c.position))

    def search(
        self, query: str, k: int, doc_ids: Sequence[str] | None = None, known: Known | None = None
    ) -> list[Hit]:
        """(`known` changes nothing here: this store's records are in memory anyway.)"""
        q = self.embedder.vector(query)
        hits = [
            Hit(c, sum(a * b for a, b in zip(q, self._vectors[c.chunk_id], strict=True)))
            for c in self.chunks_of(doc_ids)
        ]
        return sorted(hits, key=lambda h: h.score, reverse=True)[:k]

    def has_document(self, doc_id: str) -> bool:
        return doc_id in self._documents

    def write_document(self, doc: Document, chunks: Sequence[Chunk]) -> None:
        if any(chunk.doc_id != doc.doc_id for chunk in chunks):
            raise ValueError(f"chunk of another document passed with {doc.doc_id}")
        vectors = self.embedder.embed_passages([c.text for c in chunks])
        for chunk_id in [i for i, c in self._chunks.items() if c.doc_id == doc.doc_id]:
            del self._chunks[chunk_id]  # a rewrite drops chunks of an earlier chunking
        self._chunks.update({c.chunk_id: c for c in chunks})
        self._vectors.update({c.chunk_id: v for c, v in zip(chunks, vectors, strict=True)})
        self._documents[doc.doc_id] = doc  # last: a document record means "fully written"

    def commit(self, add: Iterable[DocumentInfo], remove: Iterable[str]) -> Manifest:
        return self._ledger.commit(add, remove, written=self._documents)

    def collect_garbage(self) -> int:
        self._ledger.collect()
        active = self.manifest().documents
        for doc_id in orphans(list(self._documents), active):
            del self._documents[doc_id]
        gone = [i for i, c in self._chunks.items() if c.doc_id not in active]
        for chunk_id in gone:
            del self._chunks[chunk_id], self._vectors[chunk_id]
        return len(gone)

    def close(self) -> None:
        pass


SPEECH_BODY = (
    "今天我们召开全市职业教育工作会议，主要任务是总结去年工作，部署今年任务。过去一年，全市职业教育"
    "改革发展取得明显成效，办学条件持续改善，人才培养质量稳步提升，服务经济社会发展能力不断增强。"
    "同时也要清醒看到，我们的职业教育还存在一些短板和不足，必须以更大力度加以解决。"
)


def speech_text(title: str, speaker: str, point: str = "") -> str:
    """A small speech the cleaner, splitter and outline parser all recognise: a header, an opening paragraph
    and two parts, the second spelling out “两个保障”. `point` opens part 一 (what tells versions apart)."""
    return (
        f"{title}\n{speaker}\n（2024年3月1日）\n同志们：\n{SPEECH_BODY}\n"
        f"一、深化产教融合\n{point}推动校企合作育人，建设高水平实训基地，培养更多高技能人才。\n"
        "二、强化“两个保障”\n一是经费保障。确保教育经费只增不减。\n二是师资保障。新增教师编制一千二百个。\n"
    )


def built_speech(text: str, source: str = "fixture.txt") -> Document:
    """The first speech ingest builds from `text` (outline, formulations, tokens: the real parsers)."""
    from core.records import LoadedText
    from ingest.build import build_documents

    return build_documents(LoadedText(source, text))[0][0]


def _info(doc: Document, chunks: int) -> DocumentInfo:
    return DocumentInfo(doc.doc_id, (doc.source,), doc.title, doc.speaker, doc.date, chunks, "2024-01-01")


@lru_cache(maxsize=1)
def sample_speeches() -> tuple[tuple[Document, list[Chunk]], ...]:
    """The five sample files of data/speeches built once per test process (six speeches: 002 holds two).

    Building tokenises every chunk with jieba (seconds on a shared machine); the records are frozen,
    so every test module may share them.
    """
    from core.records import LoadedText
    from ingest.build import build_documents

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
