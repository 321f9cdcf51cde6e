"""The store interface: what ingest writes and the assistant reads (implemented in `vectorstore/`).

It lives on the ground floor so that ingest can write into a store without importing the store layer.

Atomicity model (why it looks like this): Chroma has no multi-record transactions,
so a document's chunks are written first, under ids that are new because they are
content-derived, and then the *manifest* naming the active documents moves on in one
record write (`vectorstore/ledger.py`: per-document entries behind one head record, so a
commit writes what it changes, not the whole manifest). Readers only trust chunks of
documents in the manifest; chunks of
documents not in it are garbage left by a replaced version or a killed ingest and
are collected by `collect_garbage()`. A crash at any point therefore leaves either
the old or the new version active, never a mix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from core.records import Chunk, Document


@dataclass(frozen=True)
class DocumentInfo:
    """One active document as the manifest lists it (cheap: no text)."""

    doc_id: str
    sources: tuple[str, ...]  # every file name this exact speech was ingested from
    title: str
    speaker: str
    date: str
    chunks: int
    ingested_at: str  # ISO 8601 UTC
    chars: int = 0


@dataclass(frozen=True)
class Manifest:
    generation: str  # changes on every commit; readers cache by it
    documents: dict[str, DocumentInfo] = field(default_factory=dict)

    def doc_ids_for_source(self, source: str) -> list[str]:
        return [d.doc_id for d in self.documents.values() if source in d.sources]


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # higher is better (cosine similarity for dense search)


@dataclass(frozen=True)
class Known:
    """What a reader's snapshot already holds: the active set at one generation, read moments ago, and the
    chunks of those documents by id. A search given it reads no state of its own and decodes no records:
    a question costs the store one vector query (before: three state reads, a count and 2k+8 records)."""

    manifest: Manifest
    chunks: Mapping[str, Chunk]


class VectorStore(Protocol):
    def manifest(self) -> Manifest: ...

    def generation(self) -> str:
        """Cheap read of the manifest's generation token (one small record)."""
        ...

    def has_document(self, doc_id: str) -> bool:
        """True when the document's record and chunks are fully written (active or not)."""
        ...

    def write_document(self, doc: Document, chunks: Sequence[Chunk]) -> None:
        """Write a document record and its chunks (embedding them). Not visible until commit."""
        ...

    def commit(self, add: Iterable[DocumentInfo], remove: Iterable[str]) -> Manifest:
        """Atomically make `add` active and `remove` (doc ids) inactive; returns the new manifest."""
        ...

    def collect_garbage(self) -> int:
        """Delete documents and chunks not in the manifest; returns how many chunks went."""
        ...

    def get_document(self, doc_id: str) -> Document: ...

    def get_documents(self, doc_ids: Iterable[str]) -> dict[str, Document]:
        """The active documents among `doc_ids`, in that order, read in few calls (snapshot builds)."""
        ...

    def chunks_of(self, doc_ids: Iterable[str] | None = None) -> list[Chunk]:
        """All chunks of the given (default: all active) documents, in document order."""
        ...

    def search(
        self, query: str, k: int, doc_ids: Sequence[str] | None = None, known: Known | None = None
    ) -> list[Hit]:
        """Dense search among active documents (optionally only `doc_ids`); with `known`, among the
        documents active at `known.manifest`, hits being `known.chunks` records."""
        ...

    def close(self) -> None: ...
