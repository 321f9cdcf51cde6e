"""The naive pipeline the project is compared with: what a generic LangChain RAG set-up does.

- the raw speech files (decoded, not cleaned: breadcrumbs, paywall lines and page breaks stay),
  split by LangChain's `RecursiveCharacterTextSplitter` (300 characters, 50 overlap, Chinese separators);
- the same e5 embeddings as the project (our embedder behind `LangChainEmbeddings`) in Chroma through
  `langchain_chroma.Chroma` (its own collection, cosine space);
- "dense": Chroma's top-k; "hybrid": that fused by reciprocal rank with BM25 over plain jieba
  search-mode tokens (no stopword list: a generic set-up has none).

Its answer is the top passage (what a naive extractive pipeline shows) and it never refuses.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SEPARATORS = ["\n\n", "\n", "。", "！", "？", "；", "，", ""]
CHUNK_SIZE = 300
CHUNK_OVERLAP = 50
RRF_K = 60  # the same constant the project's fusion uses
DEPTH = 30  # candidates per ranker before fusion (the project's depth too)
_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class NaiveChunk:
    chunk_id: str
    source: str
    text: str


def split_files(paths: Sequence[Path]) -> list[NaiveChunk]:
    """Raw text of each file (the project's loaders only decode), split the LangChain way."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from ingest.loaders import load

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, separators=SEPARATORS
    )
    chunks: list[NaiveChunk] = []
    for path in paths:
        for i, text in enumerate(splitter.split_text(load(path).text)):
            chunks.append(NaiveChunk(f"{path.stem}-{i:04d}", path.name, text))
    return chunks


def jieba_tokens(text: str) -> list[str]:
    import jieba

    return [t for t in jieba.cut_for_search(text) if _WORD.search(t)]


def rrf(rankings: Sequence[Sequence[str]], k: int = RRF_K) -> list[str]:
    """Reciprocal rank fusion: ids ordered by the sum of 1/(k + rank) over the rankings."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank + 1)
    return sorted(scores, key=lambda item: -scores[item])


class NaivePipeline:
    """`dense(q, k)` / `hybrid(q, k)` return (text, score) pairs, best first."""

    def __init__(self, chunks: Sequence[NaiveChunk], vectorstore: Any, tokenize: Callable[[str], list[str]]):
        import bm25s

        self.chunks = list(chunks)
        self._text = {c.chunk_id: c.text for c in self.chunks}
        self._ids = [c.chunk_id for c in self.chunks]
        self._store = vectorstore
        self._tokenize = tokenize
        self._bm25 = bm25s.BM25()
        self._bm25.index([tokenize(c.text) or ["\u0000"] for c in self.chunks], show_progress=False)
        self._vocab = set(getattr(self._bm25, "vocab_dict", {}) or {})

    @classmethod
    def build(
        cls, paths: Sequence[Path], embeddings: Any, client: Any, collection: str = "bench_naive"
    ) -> NaivePipeline:
        """Index `paths` into a fresh `collection` of `client` (a chromadb client)."""
        from langchain_chroma import Chroma

        chunks = split_files(paths)
        with contextlib.suppress(Exception):  # not there yet: NotFoundError or ValueError by version
            client.delete_collection(collection)
        store = Chroma(
            collection_name=collection,
            embedding_function=embeddings,
            client=client,
            collection_metadata={"hnsw:space": "cosine"},
        )
        store.add_texts([c.text for c in chunks], ids=[c.chunk_id for c in chunks])
        return cls(chunks, store, jieba_tokens)

    def dense(self, question: str, k: int) -> list[tuple[str, float]]:
        hits = self._store.similarity_search_with_score(question, k=k)
        return [(doc.page_content, 1.0 - float(distance)) for doc, distance in hits]

    def keyword(self, question: str, k: int) -> list[str]:
        tokens = [t for t in self._tokenize(question) if t in self._vocab]
        if not tokens:
            return []
        scores = self._bm25.get_scores(tokens)
        order = sorted(range(len(self._ids)), key=lambda i: -scores[i])[:k]
        return [self._ids[i] for i in order if scores[i] > 0]

    def hybrid(self, question: str, k: int) -> list[tuple[str, float]]:
        hits = self._store.similarity_search_with_score(question, k=DEPTH)
        dense_ids = [str(doc.id) for doc, _ in hits]
        cosine = {str(doc.id): 1.0 - float(distance) for doc, distance in hits}
        fused = rrf([dense_ids, self.keyword(question, DEPTH)])[:k]
        return [(self._text[i], cosine.get(i, 0.0)) for i in fused]
