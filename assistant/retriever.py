"""Hybrid retrieval: dense (e5 via the store) + BM25 keywords, fused by reciprocal rank."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.corpus import Corpus
from assistant.query import Query
from core.records import Chunk
from core.store import Known, VectorStore
from core.tokens import tokenize_query

RRF_K = 60  # the usual constant: damps the head so neither ranker dominates


@dataclass(frozen=True)
class Ranked:
    chunk: Chunk
    score: float  # fused score (higher is better)
    dense: float = 0.0  # cosine similarity when the dense ranker found it
    keyword: float = 0.0


class HybridRetriever:
    def __init__(self, store: VectorStore, *, depth: int = 30) -> None:
        self._store = store
        self._depth = depth

    def retrieve(
        self, query: Query, corpus: Corpus, k: int, doc_ids: Sequence[str] | None = None
    ) -> list[Ranked]:
        allowed_docs = list(doc_ids) if doc_ids else None
        dense = self._dense(query.text, corpus, allowed_docs)
        allowed_chunks = (
            {c.chunk_id for d in allowed_docs for c in corpus.chunks_by_doc.get(d, [])}
            if allowed_docs
            else None
        )
        keyword = corpus.keyword.search(tokenize_query(query.text), self._depth, allowed_chunks)
        return fuse(corpus, dense, keyword)[:k]

    def _dense(self, text: str, corpus: Corpus, doc_ids: list[str] | None) -> list[tuple[str, float]]:
        # The snapshot is the truth: a hit from a document committed after it was taken waits a turn.
        # It also holds the active set and the chunk records, so the store reads neither.
        hits = self._store.search(text, self._depth, doc_ids, known=Known(corpus.manifest, corpus.chunks))
        return [(h.chunk.chunk_id, h.score) for h in hits if h.chunk.chunk_id in corpus.chunks]


def fuse(corpus: Corpus, dense: list[tuple[str, float]], keyword: list[tuple[str, float]]) -> list[Ranked]:
    scores: dict[str, float] = {}
    dense_score = dict(dense)
    keyword_score = dict(keyword)
    for ranking in (dense, keyword):
        for rank, (chunk_id, _) in enumerate(ranking):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank + 1)
    ordered = sorted(scores, key=lambda cid: scores[cid], reverse=True)
    return [
        Ranked(corpus.chunks[cid], scores[cid], dense_score.get(cid, 0.0), keyword_score.get(cid, 0.0))
        for cid in ordered
    ]
