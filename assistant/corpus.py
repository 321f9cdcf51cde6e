"""A read-only snapshot of the active documents, rebuilt when the store's generation changes.

Keyword search and the formulation/outline indexes are built from the store itself (not from
local files), so every app process sees what another process (an admin's ingest) committed:
each question costs one cheap generation read, and a change triggers one rebuild.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field

from assistant.corpustext import CorpusText
from assistant.keyword import KeywordIndex
from assistant.lists import ListCandidate, find_lists
from assistant.lookup import FormulationIndex, HeadingIndex, TitleIndex
from assistant.terms import Run, implied_definitions, parallel_runs
from core.normalize import fold_for_search
from core.records import Chunk, Document, Formulation
from core.store import Manifest, VectorStore
from core.tokens import tokenize


@dataclass
class Corpus:
    manifest: Manifest
    documents: dict[str, Document]
    chunks: dict[str, Chunk]
    chunks_by_doc: dict[str, list[Chunk]]
    keyword: KeywordIndex
    formulations: list[tuple[str, Formulation]] = field(default_factory=list)  # (doc_id, formulation)
    lists: list[ListCandidate] = field(default_factory=list)  # every enumerable list in the outlines
    # every speech's title, speaker, meeting and text, folded: "does the corpus mention X?"
    search_text: CorpusText = field(default_factory=lambda: CorpusText([]))
    naming_text: str = ""  # all titles, speakers and meetings, folded: words that only name a speech
    titles: TitleIndex = field(default_factory=lambda: TitleIndex({}))
    headings: HeadingIndex = field(default_factory=lambda: HeadingIndex({}))
    formulation_index: FormulationIndex = field(default_factory=lambda: FormulationIndex([]))

    @property
    def generation(self) -> str:
        return self.manifest.generation

    def chunk_at(self, doc_id: str, offset: int) -> Chunk | None:
        """The body chunk of `doc_id` that contains character `offset`."""
        for chunk in self.chunks_by_doc.get(doc_id, []):
            if chunk.kind == "body" and chunk.start <= offset < chunk.end:
                return chunk
        return None

    def chunks_in(self, doc_id: str, start: int, end: int) -> list[Chunk]:
        """Body chunks of `doc_id` overlapping [start, end), in document order."""
        return [
            c
            for c in self.chunks_by_doc.get(doc_id, [])
            if c.kind == "body" and c.start < end and c.end > start
        ]


class CorpusCache:
    """Hands out the current Corpus; rebuilds it at most once per store generation."""

    def __init__(self, store: VectorStore) -> None:
        self._store = store
        self._corpus: Corpus | None = None
        self._lock = threading.Lock()
        self._tokens: dict[str, list[str]] = {}  # chunk_id → tokens (ids are content hashes)
        self._documents: dict[str, Document] = {}  # doc ids are content hashes: safe to keep
        self._runs: dict[str, list[Run]] = {}  # doc_id → its parallel runs (assistant/terms.py)

    def get(self) -> Corpus:
        generation = self._store.generation()
        corpus = self._corpus
        if corpus is not None and corpus.generation == generation:
            return corpus
        with self._lock:
            if self._corpus is None or self._corpus.generation != generation:
                self._corpus = self._build()
            return self._corpus

    def _build(self) -> Corpus:
        manifest = self._store.manifest()
        active = list(manifest.documents)
        known = {d: self._documents[d] for d in active if d in self._documents}
        fresh = self._store.get_documents(d for d in active if d not in known)
        documents = {d: known.get(d) or fresh[d] for d in active if d in known or d in fresh}
        self._documents = dict(documents)
        chunks = self._store.chunks_of(active)
        by_doc: dict[str, list[Chunk]] = defaultdict(list)
        for chunk in chunks:
            by_doc[chunk.doc_id].append(chunk)
        for doc_chunks in by_doc.values():
            doc_chunks.sort(key=lambda c: c.position)
        tokens = {c.chunk_id: self._tokens_of(c) for c in chunks}
        self._tokens = tokens
        keyword = KeywordIndex(list(tokens), list(tokens.values()))
        formulations = [(d, f) for d, doc in documents.items() for f in doc.formulations]
        self._runs = {d: self._runs.get(d) or parallel_runs(doc) for d, doc in documents.items()}
        formulations += implied_definitions(formulations, self._runs)
        return Corpus(
            manifest=manifest,
            documents=documents,
            chunks={c.chunk_id: c for c in chunks},
            chunks_by_doc=dict(by_doc),
            keyword=keyword,
            formulations=formulations,
            lists=[item for doc in documents.values() for item in find_lists(doc)],
            search_text=CorpusText(
                [fold_for_search(f"{d.title} {d.speaker} {d.meeting}\n{d.text}") for d in documents.values()]
            ),
            naming_text=fold_for_search(
                " ".join(f"{d.title} {d.speaker} {d.meeting}" for d in documents.values())
            ),
            titles=TitleIndex(documents),
            headings=HeadingIndex(documents),
            formulation_index=FormulationIndex(formulations),
        )

    def _tokens_of(self, chunk: Chunk) -> list[str]:
        cached = self._tokens.get(chunk.chunk_id)
        if cached is not None:
            return cached
        stored = chunk.metadata.get("tokens")
        if stored:
            return stored.split(" ")
        # Keyword text includes the section path so "第三部分…两个保障" questions match body chunks.
        return tokenize(f"{chunk.section_path} {chunk.text}")
