"""The Chroma implementation of `VectorStore` (embedded `PersistentClient` or a `chroma run` server).

Three collections per prefix:
- `{prefix}_chunks`: one record per chunk, our embeddings, cosine space, `doc_id` in metadata;
- `{prefix}_docs`: one record per document (cleaned text, sections/formulations as JSON), written
  *after* its chunks, so a doc record means "fully written"; never queried by vector;
- `{prefix}_state`: the manifest naming the active documents: a head record and one entry per
  document version (`vectorstore/ledger.py`: its commit and collection rules; `chroma_ledger.py`).
See `core/store.py` for why the manifest is what makes a change atomic.

Embeddings are always computed here and passed explicitly, so Chroma never falls back to its default
embedding function (which would download a model).

Long because the manifest's commit and garbage-collection rules still live in this class (issue 16,
item 4, moves them to a module a writable in-memory test store shares); the rest is one class per store.
"""

from __future__ import annotations

import contextlib
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, cast

import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.api.types import Where
from chromadb.errors import InternalError

from core.records import Chunk, Document
from core.store import DocumentInfo, Hit, Known, Manifest
from errors import DocumentNotFoundError, StoreUnavailableError
from vectorstore import codec
from vectorstore.adapters import ChromaEmbeddingFunction
from vectorstore.chroma_compact import LOG_BOUND, RECORD_LOG_BOUND, Churn, CompactionPolicy, maintain
from vectorstore.chroma_errors import CONNECTION_ERRORS, UNAVAILABLE, guarded
from vectorstore.chroma_ledger import ChromaEntries
from vectorstore.embeddings import Embedder
from vectorstore.ledger import Ledger, orphans

# The docs collection needs some vector; a constant one-dimensional one costs nothing.
_PLACEHOLDER = [1.0]
# Chroma: 3–512 characters of [a-zA-Z0-9._-], starting and ending with a letter or digit.
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,510}[A-Za-z0-9]$")
_REOPEN_LOCK = threading.RLock()  # Chroma's client registry is per process


def collection_names(prefix: str) -> tuple[str, str, str]:
    names = (f"{prefix}_chunks", f"{prefix}_docs", f"{prefix}_state")
    for name in names:
        if not _NAME_RE.match(name) or ".." in name:
            raise ValueError(f"invalid Chroma collection prefix {prefix!r}")
    return names


class ChromaStore:
    """`reopen` (embedded mode only) rebuilds the client when another process committed: an
    embedded client keeps its vector index in memory and does not see other processes' writes.
    `owns_client`: `close()` closes the client (the factory built it; a caller-built one stays open)."""

    def __init__(
        self,
        client: ClientAPI,
        embedder: Embedder,
        prefix: str,
        *,
        batch_size: int = 128,  # chunks embedded + written per call; Chroma costs ~0.1 s per call
        reopen: Callable[[ClientAPI], ClientAPI] | None = None,
        owns_client: bool = False,
        compaction: CompactionPolicy | None = None,
    ) -> None:
        self._names = collection_names(prefix)
        self._compaction = compaction or CompactionPolicy()
        self._client = client
        self._embedder = embedder
        self._reopen = reopen
        self._owns_client = owns_client
        self._open_collections()
        try:
            self._page_size = client.get_max_batch_size()
        except CONNECTION_ERRORS as exc:
            raise StoreUnavailableError(UNAVAILABLE, detail=str(exc)) from exc
        self._write_batch = max(1, min(batch_size, self._page_size))
        # Unknown until the first check: the client may be a cached, already stale, shared system.
        self._seen: tuple[str, int] = ("", -1)
        self._caught_up = _Recent()  # generations this client's index holds (searches given `Known`)
        self._writing = 0  # writes of this process in progress (see _own_write)

    @property
    def embedder(self) -> Embedder:
        """The model that embeds this store's passages (the answerer scores sentences with it too)."""
        return self._embedder

    @guarded
    def _open_collections(self) -> None:
        chunks, docs, state = self._names
        bounded: Any = {"hnsw": dict(RECORD_LOG_BOUND)}  # (an older store's: bounded at the next collection)
        self._docs = self._client.get_or_create_collection(
            docs, configuration=bounded, embedding_function=None
        )
        self._state = self._client.get_or_create_collection(
            state, configuration=bounded, embedding_function=None
        )
        self._entries = ChromaEntries(self._state, self._client.get_max_batch_size())
        ledger: Ledger | None = getattr(self, "_ledger", None)
        if ledger is not None:  # a reopen: the cached view stays, and follows what changed since
            ledger.table = self._entries
        else:
            self._ledger = Ledger(self._entries)
        self._chunks = self._chunk_collection(self._entries.read_layout().chunks or chunks)

    def _chunk_collection(self, name: str) -> Collection:
        # (the ignore: Chroma types EmbeddingFunction invariantly in its input type)
        return self._client.get_or_create_collection(
            name,
            configuration={"hnsw": {"space": "cosine", **LOG_BOUND}},  # type: ignore[arg-type]
            embedding_function=ChromaEmbeddingFunction(self._embedder),  # type: ignore[arg-type]
        )

    def _follow_layout(self, *, read: bool = False) -> None:
        """Use the chunks collection the layout names (a compaction, here or in another process,
        switched it). `read`: read the layout now (writers); readers follow what the head read brought."""
        layout = self._entries.read_layout() if read else self._entries.layout
        name = layout.chunks or self._names[0]
        if name != self._chunks.name:
            self._chunks = self._chunk_collection(name)

    # --- reading -------------------------------------------------------------------------------

    @guarded
    def manifest(self) -> Manifest:
        # Every search reads the active set: the ledger keeps it and reads only what changed
        # since (one small head record when nothing did). Callers treat a Manifest as read-only.
        manifest = self._ledger.manifest()
        self._follow_layout()
        return manifest

    @guarded
    def generation(self) -> str:
        return self._ledger.generation()

    @guarded
    def has_document(self, doc_id: str) -> bool:
        return bool(self._docs.get(ids=[doc_id], include=[])["ids"])

    @guarded
    def get_document(self, doc_id: str) -> Document:
        if doc_id not in self.manifest().documents:
            raise DocumentNotFoundError(doc_id)
        got = self._docs.get(ids=[doc_id], include=["documents", "metadatas"])
        if not got["ids"] or not got["metadatas"]:
            raise DocumentNotFoundError(doc_id)
        return codec.document_from_record(_first(got["documents"]), got["metadatas"][0])

    @guarded
    def get_documents(self, doc_ids: Iterable[str]) -> dict[str, Document]:
        active = self.manifest().documents
        wanted = [d for d in dict.fromkeys(doc_ids) if d in active]
        documents: dict[str, Document] = {}
        for batch in _batched(wanted, self._page_size):
            got = self._docs.get(ids=batch, include=["documents", "metadatas"])
            rows = zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True)
            documents.update({i: codec.document_from_record(text, meta) for i, text, meta in rows})
        return {d: documents[d] for d in wanted if d in documents}

    @guarded
    def chunks_of(self, doc_ids: Iterable[str] | None = None) -> list[Chunk]:
        active = self.manifest().documents
        wanted = list(active) if doc_ids is None else [d for d in dict.fromkeys(doc_ids) if d in active]
        order = {doc_id: i for i, doc_id in enumerate(wanted)}
        # Most of the store wanted (the snapshot build): one unfiltered pass and a set check here.
        # Chroma's `$in` filter over thousands of ids costs far more than reading the few
        # inactive chunks (garbage not yet collected) along with the rest.
        if 2 * len(wanted) > len(active):
            groups: list[Where | None] = [None]
        else:
            groups = [_doc_filter("$in", group) for group in _batched(wanted, 100)]
        chunks: list[Chunk] = []
        for where in groups:
            for ids, texts, metas in self._pages(self._chunks, where, documents=True):
                rows = zip(ids, texts, metas, strict=True)
                chunks.extend(codec.chunk_from_record(*row) for row in rows if row[2]["doc_id"] in order)
        return sorted(chunks, key=lambda c: (order[c.doc_id], c.position))

    @guarded
    def search(
        self, query: str, k: int, doc_ids: Sequence[str] | None = None, known: Known | None = None
    ) -> list[Hit]:
        if known is None:
            self._sync()
        else:
            self._sync_to(known.manifest.generation)
        try:
            return self._search(query, k, doc_ids, known)
        except InternalError:
            # Embedded mode: another process committed between our check and the query, and the
            # filter names chunks our in-memory index lacks ("Error finding id"). Reload once.
            if self._reopen is None:
                raise
            self._sync(force=True)
            return self._search(query, k, doc_ids, known)

    def _search(self, query: str, k: int, doc_ids: Sequence[str] | None, known: Known | None) -> list[Hit]:
        active = self.manifest().documents if known is None else known.manifest.documents
        wanted = list(active) if doc_ids is None else [d for d in dict.fromkeys(doc_ids) if d in active]
        if k <= 0 or not wanted:
            return []
        vector = _vectors([self._embedder.embed_query(query)])
        if 2 * len(wanted) > len(active):
            # Unfiltered: Chroma's `$in` over every active id grows with the corpus (60 ms at 675
            # documents). Over-fetch, because inactive chunks (a replaced version not yet
            # collected, a commit since the manifest read) are dropped here; filter only when
            # that left too few.
            # (Fewer than asked does not mean the collection is exhausted: Chroma's HNSW may
            # return short. A corpus smaller than k pays a second, filtered query; it is tiny.)
            keep = set(wanted)
            hits = [hit for hit in self._query(vector, 2 * k + 8, None, known) if hit.chunk.doc_id in keep]
            if len(hits) >= k:
                return hits[:k]
        hits = self._query(vector, 2 * k, _doc_filter("$in", wanted), known)
        return [hit for hit in hits if hit.chunk.doc_id in active][:k]

    def _query(
        self, vector: np.ndarray[Any, np.dtype[np.float32]], n: int, where: Where | None, known: Known | None
    ) -> list[Hit]:
        if known is not None:  # ids and distances only: the reader's snapshot holds the records
            found = self._chunks.query(
                query_embeddings=vector, n_results=n, where=where, include=["distances"]
            )
            pairs = zip(found["ids"][0], (found["distances"] or [[]])[0], strict=True)
            # (a chunk the snapshot lacks is not active at its generation: garbage, or a later commit)
            return [Hit(known.chunks[i], 1.0 - float(d)) for i, d in pairs if i in known.chunks]
        result = self._chunks.query(
            query_embeddings=vector,
            n_results=n,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        rows = zip(
            result["ids"][0],
            (result["documents"] or [[]])[0],
            (result["metadatas"] or [[]])[0],
            (result["distances"] or [[]])[0],
            strict=True,
        )
        return [
            Hit(chunk=codec.chunk_from_record(chunk_id, text, meta), score=1.0 - float(distance))
            for chunk_id, text, meta, distance in rows
        ]

    def _sync_to(self, generation: str) -> None:
        """A reader whose snapshot is at `generation` (read moments ago): reload only when this client
        has not caught up with it yet. A generation it has caught up with, or checked once (an older
        snapshot still answering while its successor is prepared), needs no read at all; uncommitted
        writes of other processes (the chunk count) matter to writers only (`_own_write`)."""
        self._follow_layout()  # (the layout came with the generation's head read)
        if self._reopen is None or self._writing or generation in self._caught_up:
            return
        self._sync()
        self._caught_up.add(generation)  # state read after `generation` was: this client holds it

    def _sync(self, force: bool = False) -> None:
        """Embedded mode: reload the client when another process changed the store since we last
        looked. A stale in-memory index misses their vectors (Chroma even fails with "Error finding
        id" when a filter names them), and a stale writer would persist an index that lacks them.
        Chunk count catches uncommitted writes; the generation catches commits."""
        if self._reopen is None or (self._writing and not force):
            return
        state = self._state_now()
        if not force and state == self._seen:
            return
        # One thread reopens; the others wait and then see the fresh state (two reopening at once
        # would each drop the shared client the other is building).
        with _REOPEN_LOCK:
            state = self._state_now()
            if force or state != self._seen:
                # The stale client is dropped, not closed: closing it would release the shared
                # system that the fresh client now uses.
                self._client = self._reopen(self._client)
                self._owns_client = True
                self._open_collections()
                self._seen = state
        self._caught_up.add(state[0])

    def _state_now(self) -> tuple[str, int]:
        generation = self.generation()
        self._follow_layout()  # (a collection a compaction replaced may be gone: never count it)
        return generation, self._chunks.count()

    @contextlib.contextmanager
    def _own_write(self) -> Iterator[None]:
        """A write of this process: first catch up with other processes' writes, then write. Meanwhile
        this process's readers skip the reopen that a changed chunk count would otherwise trigger
        (this client already holds these writes; reloading it made every question wait seconds)."""
        self._sync()
        self._follow_layout(read=True)
        self._writing += 1
        try:
            yield
            self._mark_seen()
        finally:
            self._writing -= 1

    def _mark_seen(self) -> None:
        """After our own write: this client's index already has it. (Writers hold the ingest lock.)"""
        if self._reopen is not None:
            self._seen = self._state_now()
            self._caught_up.add(self._seen[0])

    # --- writing ------------------------------------------------------------------------------

    @guarded
    def write_document(self, doc: Document, chunks: Sequence[Chunk]) -> None:
        new_ids = [chunk.chunk_id for chunk in chunks]
        if len(set(new_ids)) != len(new_ids):
            raise ValueError(f"duplicate chunk ids in document {doc.doc_id}")
        if any(chunk.doc_id != doc.doc_id for chunk in chunks):
            raise ValueError(f"chunk of another document passed with {doc.doc_id}")
        with self._own_write():
            for batch in _batched(list(chunks), self._write_batch):
                self._chunks.upsert(
                    ids=[c.chunk_id for c in batch],
                    embeddings=_vectors(
                        self._embedder.embed_passages([codec.passage_text(c) for c in batch])
                    ),
                    documents=[c.text for c in batch],
                    metadatas=[codec.chunk_metadata(c) for c in batch],
                )
            self._delete_stale_chunks(doc.doc_id, set(new_ids))
            # Last: the doc record's existence is what `has_document` trusts.
            self._docs.upsert(
                ids=[doc.doc_id],
                embeddings=_vectors([_PLACEHOLDER]),
                documents=[doc.text],
                metadatas=[codec.document_metadata(doc, len(chunks))],
            )

    def _delete_stale_chunks(self, doc_id: str, keep: set[str]) -> None:
        """Chunks a previous, different write of the same doc left behind (e.g. a changed chunker)."""
        pages = self._pages(self._chunks, {"doc_id": doc_id})
        stale = [chunk_id for ids, _, _ in pages for chunk_id in ids if chunk_id not in keep]
        self._delete_ids(self._chunks, stale)

    @guarded
    def commit(self, add: Iterable[DocumentInfo], remove: Iterable[str]) -> Manifest:
        """`add` inserts or replaces manifest entries (e.g. a document gaining a source name).
        Nothing is written when nothing changes, so the generation only moves on real changes."""
        added = list(add)
        with self._own_write():
            written = {info.doc_id for info in added if self.has_document(info.doc_id)}
            return self._ledger.commit(added, remove, written)

    @guarded
    def collect_garbage(self) -> int:
        """Callers must hold the ingest lock: a document being written is not yet in the manifest."""
        with self._own_write():
            self._ledger.collect()
            active = set(self.manifest().documents)
            # Doc records first: a doc record must never outlive any of its chunks.
            orphan_docs = orphans((i for ids, _, _ in self._pages(self._docs, None) for i in ids), active)
            self._delete_ids(self._docs, orphan_docs)
            where = _doc_filter("$nin", sorted(active)) if active else None
            orphan_chunks = [i for ids, _, _ in self._pages(self._chunks, where) for i in ids]
            self._delete_ids(self._chunks, orphan_chunks)
            self._maintain(len(orphan_chunks))
        return len(orphan_chunks)

    def _maintain(self, deleted: int) -> None:
        """What churn leaves behind (chroma_compact.py); may switch the chunks to a compact copy."""
        self._chunks = maintain(
            Churn(self._client, self._entries, self._chunks, (self._docs, self._state)),
            self._compaction,
            deleted=deleted,
            copy_name=f"{self._names[0]}_{uuid.uuid4().hex[:8]}",
            embedding_function=ChromaEmbeddingFunction(self._embedder),
            page=self._page_size,
        )

    @guarded
    def count_chunks(self) -> int:
        """All chunk records, garbage included (for reports and tests)."""
        self._follow_layout(read=True)
        return self._chunks.count()

    def close(self) -> None:
        close = getattr(self._client, "close", None)  # Client has it; the ClientAPI protocol does not
        if self._owns_client and close is not None:
            close()

    # --- helpers ------------------------------------------------------------------------------

    def _pages(
        self, collection: Collection, where: Where | None, *, documents: bool = False
    ) -> Iterator[tuple[list[str], list[str | None], list[Any]]]:
        """(ids, texts, metadatas) page by page; metadatas only when texts are asked for."""
        include: Any = ["documents", "metadatas"] if documents else []
        offset = 0
        while True:
            got = collection.get(where=where, include=include, limit=self._page_size, offset=offset)
            ids = got["ids"]
            if not ids:
                return
            texts: list[str | None] = [*got["documents"]] if got["documents"] else [None] * len(ids)
            yield ids, texts, list(got["metadatas"] or [{}] * len(ids))
            offset += len(ids)

    def _delete_ids(self, collection: Collection, ids: list[str]) -> None:
        for batch in _batched(ids, self._page_size):
            collection.delete(ids=batch)


class _Recent:
    """A set of the last 64 generations added (they come and go; only a few recent ones matter)."""

    def __init__(self) -> None:
        self._keys: dict[str, None] = {}
        self._lock = threading.Lock()

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def add(self, key: str) -> None:
        with self._lock:
            self._keys.pop(key, None)
            self._keys[key] = None
            while len(self._keys) > 64:
                del self._keys[next(iter(self._keys))]


def _batched(items: Sequence[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _vectors(rows: list[list[float]]) -> np.ndarray[Any, np.dtype[np.float32]]:
    return np.asarray(rows, dtype=np.float32)


def _doc_filter(operator: str, doc_ids: list[str]) -> Where:
    return cast(Where, {"doc_id": {operator: doc_ids}})


def _first(texts: Sequence[str] | None) -> str | None:
    return texts[0] if texts else None
