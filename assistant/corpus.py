"""A read-only snapshot of the active documents, replaced when the store's generation changes.

Keyword search and the formulation/outline indexes are built from the store itself (not from
local files), so every app process sees what another process (an admin's ingest) committed:
each question costs one cheap generation read, and a change triggers one rebuild. The structures of a
speech (lists, parallel runs, items near a formulation's name) are read as ingest stored them, never
searched for here; only a record stored before ingest found them is given them on read.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field

from assistant.corpustext import CorpusText
from assistant.keyword import KeywordIndex
from assistant.lookup import FormulationIndex, HeadingIndex, TitleIndex
from assistant.memo import SnapshotMemo
from assistant.sentences import Idf
from assistant.terms import implied_definitions
from core.normalize import fold_for_search
from core.records import Chunk, Document, Formulation, ListCandidate, ParallelRun
from core.store import Manifest, VectorStore
from core.tokens import tokenize
from ingest.structures import has_structures, with_structures


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
    # what questions compute from this snapshot's passages, computed once (assistant/memo.py)
    memo: SnapshotMemo = field(default_factory=SnapshotMemo, repr=False, compare=False)

    @property
    def generation(self) -> str:
        return self.manifest.generation

    def idf(self) -> Idf:
        """Token weights over this snapshot's chunks: one Idf per snapshot, so each token's weight is
        read from the keyword index once, not once per candidate sentence of every question."""
        memo = self.memo
        if memo.idf is None:
            keyword = self.keyword

            class _Frequency(dict[str, int]):
                def get(self, token: str, default: int | None = 0) -> int:  # type: ignore[override]
                    return keyword.document_frequency(token)

            memo.idf = Idf(len(keyword), _Frequency())
        return memo.idf

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


@dataclass(frozen=True)
class _Speech:
    """What one speech brings to a snapshot. Doc ids are content hashes, so this never goes stale:
    a commit that changes one speech reads and prepares that speech only."""

    document: Document
    chunks: list[Chunk]  # in position order
    tokens: list[list[str]]  # per chunk
    lists: tuple[ListCandidate, ...]
    runs: tuple[ParallelRun, ...]
    folded: str  # title, speaker, meeting, the page's 来源 body and text, folded for search


class CorpusCache:
    """Hands out the current Corpus; prepares the next one at most once per store generation.

    Why: at 1,000× the samples a rebuild took 37 s under one lock and every asker waited for it. Now a
    writer of this process prepares the next snapshot itself (`refresh()`, via `Ingestor.on_commit`),
    while askers keep answering from the one in use; the prepared one is swapped in whole (one
    reference assignment), and only the speeches that changed are read and prepared. The writer says
    so before it commits (`expect_refresh()`, via `Ingestor.before_commit`): otherwise an asker that read
    the new generation between the commit and the writer's refresh prepared it itself, and every other
    asker waited for that. A change made by another process is prepared by the first asker that sees
    it, and the others wait for it (they must not answer from a version that was already replaced when
    they asked).
    """

    def __init__(self, store: VectorStore) -> None:
        self._store = store
        self._corpus: Corpus | None = None
        self._build_lock = threading.Lock()  # one snapshot prepared at a time
        self._flags = threading.Lock()  # guards the two counts below
        self._expected = 0  # commits announced by writers of this process, not yet refreshed
        self._refreshing = 0  # writers of this process preparing a snapshot now
        self._speeches: dict[str, _Speech] = {}  # doc_id → its prepared parts (the active ones)

    def get(self) -> Corpus:
        corpus = self._corpus
        if corpus is not None and corpus.generation == self._store.generation():
            return corpus
        if corpus is not None and (self._expected or self._refreshing):
            # A writer of this process commits or prepares the next snapshot: its change is complete
            # only once that is swapped in (its request returns after), so this one is still current.
            return corpus
        # A change made elsewhere: the first asker to see it prepares the snapshot (only the speeches
        # that changed); the others wait for it rather than answer from a version already replaced.
        with self._build_lock:
            return self._current()

    def peek(self) -> Corpus | None:
        """The snapshot in use, as it is (None before the first): never builds one."""
        return self._corpus

    def expect_refresh(self) -> None:
        """A writer of this process is about to commit and will call `refresh()` after (even if the
        commit fails): until then askers keep the snapshot in use."""
        with self._flags:
            self._expected += 1

    def refresh(self) -> Corpus:
        """Prepare the snapshot of the store's current generation now (a writer of this process, right
        after its commit); askers keep the current one meanwhile."""
        with self._flags:
            self._refreshing += 1
        try:
            with self._build_lock:
                return self._current()
        finally:
            with self._flags:
                self._refreshing -= 1
                self._expected = max(0, self._expected - 1)  # the announcement this refresh answers

    def _current(self) -> Corpus:
        corpus = self._corpus
        if corpus is None or corpus.generation != self._store.generation():
            corpus = self._corpus = self._build()
        return corpus

    def _build(self) -> Corpus:
        manifest = self._store.manifest()
        active = list(manifest.documents)
        speeches = self._speeches_of(active)
        self._speeches = speeches  # inactive ones are dropped: memory follows the corpus
        documents = {d: s.document for d, s in speeches.items()}
        chunks = [c for s in speeches.values() for c in s.chunks]
        keyword = KeywordIndex([c.chunk_id for c in chunks], [t for s in speeches.values() for t in s.tokens])
        formulations = [(d, f) for d, doc in documents.items() for f in doc.formulations]
        formulations += implied_definitions(formulations, {d: s.runs for d, s in speeches.items()})
        return Corpus(
            manifest=manifest,
            documents=documents,
            chunks={c.chunk_id: c for c in chunks},
            chunks_by_doc={d: s.chunks for d, s in speeches.items() if s.chunks},
            keyword=keyword,
            formulations=formulations,
            lists=[item for s in speeches.values() for item in s.lists],
            search_text=CorpusText([s.folded for s in speeches.values()]),
            naming_text=fold_for_search(
                " ".join(f"{d.title} {d.speaker} {d.meeting}" for d in documents.values())
            ),
            titles=TitleIndex(documents),
            headings=HeadingIndex(documents),
            formulation_index=FormulationIndex(formulations),
        )

    def _speeches_of(self, active: list[str]) -> dict[str, _Speech]:
        """The active speeches in manifest order; only those not prepared before are read."""
        missing = [d for d in active if d not in self._speeches]
        fresh_docs = self._store.get_documents(missing) if missing else {}
        by_doc: dict[str, list[Chunk]] = defaultdict(list)
        for chunk in self._store.chunks_of(list(fresh_docs)) if fresh_docs else []:
            by_doc[chunk.doc_id].append(chunk)
        fresh = {d: _prepare(doc, by_doc.get(d, [])) for d, doc in fresh_docs.items()}
        known = {**self._speeches, **fresh}
        return {d: known[d] for d in active if d in known}


def _prepare(doc: Document, chunks: list[Chunk]) -> _Speech:
    chunks = sorted(chunks, key=lambda c: c.position)
    if not has_structures(doc):  # stored before ingest found them: found now, as ingest would have
        doc = with_structures(doc)
    return _Speech(
        document=doc,
        chunks=chunks,
        tokens=[_tokens_of(c) for c in chunks],
        lists=doc.lists or (),
        runs=doc.runs or (),
        folded=fold_for_search(f"{doc.title} {doc.speaker} {doc.meeting} {doc.publisher}\n{doc.text}"),
    )


def _tokens_of(chunk: Chunk) -> list[str]:
    stored = chunk.metadata.get("tokens")
    if stored:
        return stored.split(" ")
    # Keyword text includes the section path so "第三部分…两个保障" questions match body chunks.
    return tokenize(f"{chunk.section_path} {chunk.text}")
