"""The ledger's entries and head as records of a ChromaStore's state collection (see ledger.py).

Record ids: `head` (metadata: seq, generation, documents, committed_at, format), `entry:{doc_id}:{since}`
(metadata: kind, doc_id, since, until, rank; the DocumentInfo as JSON in the document), and, in a store
written before entries existed, `manifest` (the whole manifest packed in one record: codec.py).

One more record, `layout`, names the collection that holds the chunks (a compaction copies them into a
new one: chroma_compact.py). It is read in the same call as the head, so following it costs nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import numpy as np
from chromadb.api.models.Collection import Collection
from chromadb.api.types import Where

from core.store import Manifest
from vectorstore import codec
from vectorstore.ledger import Entry, Field, Head

HEAD_ID = "head"
LAYOUT_ID = "layout"
MANIFEST_ID = "manifest"  # the one-record layout (format 1 and 2)
FORMAT = 3
_ENTRY = "entry"
# The state collection needs some vector; a constant one-dimensional one costs nothing.
_PLACEHOLDER = np.asarray([[1.0]], dtype=np.float32)


@dataclass(frozen=True)
class Layout:
    chunks: str  # the collection holding the chunks; "" = the store's first one ({prefix}_chunks)
    retired: str = ""  # the one a compaction replaced: readers may still use it until the next collection
    dead: int = 0  # chunks deleted from `chunks` since it was made (Chroma's HNSW keeps their slots)


class ChromaEntries:
    """Implements `ledger.EntryTable` on one Chroma collection."""

    def __init__(self, collection: Collection, page_size: int) -> None:
        self._state = collection
        self._page_size = page_size
        self._legacy = Manifest("")  # the last legacy manifest read (a 2 MB record at 1,000×)
        self.layout = Layout("")  # as read with the last head

    def head(self) -> Head | None:
        got = self._state.get(ids=[HEAD_ID, LAYOUT_ID], include=["metadatas"])
        found = {i: dict(m) for i, m in zip(got["ids"], got["metadatas"] or [], strict=True)}
        self.layout = _layout(found.get(LAYOUT_ID))
        meta: dict[str, Any] | None = found.get(HEAD_ID)
        if meta is None:
            return None
        return Head(int(meta["seq"]), str(meta["generation"]), int(meta["documents"]))

    def read_layout(self) -> Layout:
        got = self._state.get(ids=[LAYOUT_ID], include=["metadatas"])
        self.layout = _layout(dict(got["metadatas"][0]) if got["ids"] and got["metadatas"] else None)
        return self.layout

    def set_layout(self, layout: Layout) -> None:
        self._state.upsert(
            ids=[LAYOUT_ID],
            embeddings=_PLACEHOLDER,
            metadatas=[
                {"kind": "layout", "chunks": layout.chunks, "retired": layout.retired, "dead": layout.dead}
            ],
        )
        self.layout = layout

    def set_head(self, head: Head) -> None:
        committed_at = datetime.now(UTC).isoformat(timespec="seconds")
        self._state.upsert(
            ids=[HEAD_ID],
            embeddings=_PLACEHOLDER,
            metadatas=[
                {
                    "kind": "head",
                    "seq": head.seq,
                    "generation": head.generation,
                    "documents": head.count,
                    "committed_at": committed_at,
                    "format": FORMAT,
                }
            ],
        )

    def put(self, entries: Sequence[Entry]) -> None:
        for start in range(0, len(entries), self._page_size):
            batch = entries[start : start + self._page_size]
            self._state.upsert(
                ids=[e.entry_id for e in batch],
                embeddings=np.repeat(_PLACEHOLDER, len(batch), axis=0),
                documents=[codec.info_to_record(e.info) for e in batch],
                metadatas=[
                    {
                        "kind": _ENTRY,
                        "doc_id": e.info.doc_id,
                        "since": e.since,
                        "until": e.until,
                        "rank": e.rank,
                    }
                    for e in batch
                ],
            )

    def between(self, field: Field, above: int, at_most: int | None) -> list[Entry]:
        terms: list[dict[str, Any]] = [{"kind": _ENTRY}, {field: {"$gt": above}}]
        if at_most is not None:
            terms.append({field: {"$lte": at_most}})
        where = cast(Where, {"$and": terms})
        entries: list[Entry] = []
        offset = 0
        while True:
            got = self._state.get(
                where=where, include=["documents", "metadatas"], limit=self._page_size, offset=offset
            )
            if not got["ids"]:
                return entries
            for raw, found in zip(got["documents"] or [], got["metadatas"] or [], strict=True):
                meta: dict[str, Any] = dict(found)
                info = codec.info_from_record(raw)
                entries.append(Entry(info, int(meta["since"]), int(meta["until"]), int(meta.get("rank", 0))))
            offset += len(got["ids"])

    def delete(self, entry_ids: Sequence[str]) -> None:
        for start in range(0, len(entry_ids), self._page_size):
            self._state.delete(ids=list(entry_ids[start : start + self._page_size]))

    def legacy(self) -> Manifest | None:
        got = self._state.get(ids=[MANIFEST_ID], include=["metadatas"])
        if not got["ids"]:
            return None
        generation = str((got["metadatas"] or [{}])[0].get("generation", ""))
        if generation != self._legacy.generation or not generation:
            got = self._state.get(ids=[MANIFEST_ID], include=["documents"])
            texts = got["documents"] or []
            self._legacy = codec.manifest_from_record(generation, texts[0] if texts else None)
        return self._legacy

    def drop_legacy(self) -> None:
        if self._state.get(ids=[MANIFEST_ID], include=[])["ids"]:  # a delete is a log entry: only when due
            self._state.delete(ids=[MANIFEST_ID])


def _layout(meta: dict[str, Any] | None) -> Layout:
    if meta is None:
        return Layout("")
    return Layout(str(meta.get("chunks", "")), str(meta.get("retired", "")), int(meta.get("dead", 0)))
