"""What churn leaves behind in Chroma, and when to clean it (measured: bench/churn.py).

Two things grow with every add/delete cycle, however few records stay live:
- the HNSW index of the chunks collection: Chroma marks a deleted vector and never reuses its slot, so
  the index files and the memory they load into grow with every passage ever written. The only cure
  is a copy: the live chunks (vectors included: nothing is embedded again) go into a new collection,
  one `layout` record switches readers to it, and the old one is dropped by the *next* garbage
  collection, so a question still reading it meanwhile finishes normally.
- Chroma's write log (SQLite table `embeddings_queue`): every write, its vector and its whole document
  text included (a speech's full text for the docs collection), stays there until the collection's
  HNSW index is next persisted, by default every 1,000 writes. `LOG_BOUND` persists every 100 writes, so
  the log stays a small multiple of one upload. Every write to a collection also costs time in proportion
  to its unpersisted log, inside one Chroma call that holds the GIL (measured: a speech's record upserted
  into a docs collection whose log held ~100 speeches took 0.5–1.8 s, and every thread of the process,
  askers included, stood still meanwhile). The docs and state collections hold one-dimensional placeholder
  vectors, so persisting their index is nearly free: `RECORD_LOG_BOUND` persists them every 2 writes
  (median write 0.49 → 0.08 s, longest 1.8 → 0.2 s at 70 speeches).
- the SQLite file: pages freed by deletions stay in the file until a VACUUM, and the full-text index
  (FTS5) keeps deleted texts' postings in segments until they are merged ('optimize').
- a dropped collection's HNSW folder: Chroma forgets the segment but leaves its files on disk.
Both run under the ingest lock at the end of a garbage collection (a safe moment: no write in flight),
and only when due, so an ordinary ingest pays nothing: a copy when the dead chunks outnumber the live
ones (amortised: each deleted chunk pays for copying at most one live one), a VACUUM when a quarter of
the file is free pages.
"""

from __future__ import annotations

import logging
import re
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection

from vectorstore.chroma_ledger import ChromaEntries, Layout

log = logging.getLogger(__name__)

_FTS = "embedding_fulltext_search"  # Chroma's FTS5 table of document texts
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
LOG_BOUND = {"sync_threshold": 100, "batch_size": 100}  # see above: Chroma's defaults are 1,000 / 100
RECORD_LOG_BOUND = {"sync_threshold": 2, "batch_size": 2}  # docs and state: placeholder vectors (see above)


@dataclass(frozen=True)
class CompactionPolicy:
    dead_ratio: float = 1.0  # copy the chunks when dead ones ≥ this × the live ones …
    min_dead: int = 512  # … and at least this many (a small store is not worth a copy)
    free_ratio: float = 0.25  # VACUUM when this share of the SQLite file's pages is free

    def copy_due(self, dead: int, live: int) -> bool:
        return dead >= max(self.min_dead, self.dead_ratio * live)


@dataclass(frozen=True)
class Churn:
    """The parts of one ChromaStore that compaction works on."""

    client: ClientAPI
    entries: ChromaEntries  # holds the layout record
    chunks: Collection  # the chunks collection in use
    others: tuple[Collection, ...]  # docs and state


def maintain(
    store: Churn,
    policy: CompactionPolicy,
    *,
    deleted: int,
    copy_name: str,
    embedding_function: Any,
    page: int,
) -> Collection:
    """Run at the end of a garbage collection (under the ingest lock) that deleted `deleted` chunks: drop
    the collection the last copy replaced, copy the chunks when dead ones dominate, merge and VACUUM the
    SQLite file when due. Returns the chunks collection to use from now on."""
    chunks = store.chunks
    bound_log(chunks)
    for collection in store.others:
        bound_log(collection, RECORD_LOG_BOUND)
    layout = store.entries.layout
    freed = bool(layout.retired)
    if layout.retired:
        store.client.delete_collection(layout.retired)
    layout = Layout(chunks=chunks.name, dead=layout.dead + deleted)
    if policy.copy_due(layout.dead, chunks.count()):
        base = copy_name.rsplit("_", 1)[0]
        drop_stale_copies(store.client, base, keep={chunks.name})
        copy = copy_chunks(store.client, chunks, copy_name, page, embedding_function)
        store.entries.set_layout(Layout(chunks=copy_name, retired=chunks.name))  # readers follow it from here
        chunks = copy
    elif layout != store.entries.layout:
        store.entries.set_layout(layout)
    path = Path(str(getattr(store.client, "_identifier", ""))) / "chroma.sqlite3"  # embedded mode only
    if freed:
        drop_orphan_folders(path)
    if freed or deleted:
        vacuum_if_due(path, policy.free_ratio, force=freed)
    return chunks


def copy_chunks(
    client: ClientAPI, source: Collection, name: str, page: int, embedding_function: Any
) -> Collection:
    """A new collection holding `source`'s records, vectors included."""
    target = client.create_collection(
        name,
        configuration={"hnsw": {"space": "cosine", **LOG_BOUND}},  # type: ignore[arg-type]
        embedding_function=embedding_function,
    )
    offset = 0
    while True:
        got = source.get(include=["embeddings", "documents", "metadatas"], limit=page, offset=offset)
        if not got["ids"]:
            return target
        target.add(
            ids=got["ids"],
            embeddings=got["embeddings"],
            documents=got["documents"],
            metadatas=got["metadatas"],
        )
        offset += len(got["ids"])


def bound_log(collection: Collection, bound: dict[str, int] = LOG_BOUND) -> None:
    """Give a collection made before its bound existed that bound (only when it differs: a write)."""
    hnsw = dict(collection.configuration.get("hnsw") or {})
    if any(hnsw.get(key) != value for key, value in bound.items()):
        collection.modify(configuration={"hnsw": dict(bound)})  # type: ignore[arg-type]


def drop_stale_copies(client: ClientAPI, base: str, keep: set[str]) -> None:
    """Copies a killed compaction left half-made (named `{base}_…`, named by no layout)."""
    for found in client.list_collections():
        name = getattr(found, "name", found)
        if isinstance(name, str) and name.startswith(f"{base}_") and name not in keep:
            client.delete_collection(name)


def vacuum_if_due(path: Path, free_ratio: float, *, force: bool = False) -> bool:
    """Merge the full-text index and VACUUM an embedded store's SQLite file when enough of it is free
    pages (or `force`: after a collection was dropped); True when it ran. Best effort: a database
    another process keeps busy is left for the next time."""
    if not path.is_file():
        return False
    try:
        conn = sqlite3.connect(path, timeout=5.0, isolation_level=None)
        try:
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            free = conn.execute("PRAGMA freelist_count").fetchone()[0]
            if not force and (not pages or free / pages < free_ratio):
                return False
            conn.execute(f"INSERT INTO {_FTS}({_FTS}) VALUES('optimize')")
            conn.execute("VACUUM")
        finally:
            conn.close()
        return True
    except sqlite3.Error as exc:
        log.warning("VACUUM of %s skipped: %s", path, exc)
        return False


def drop_orphan_folders(path: Path) -> int:
    """Delete HNSW folders of segments the SQLite file no longer knows (dropped collections)."""
    if not path.is_file():
        return 0
    try:
        conn = sqlite3.connect(path, timeout=5.0)
        try:
            known = {str(row[0]) for row in conn.execute("SELECT id FROM segments")}
        finally:
            conn.close()
    except sqlite3.Error as exc:
        log.warning("segments of %s unreadable: %s", path, exc)
        return 0
    orphans = [
        d for d in path.parent.iterdir() if d.is_dir() and _UUID.fullmatch(d.name) and d.name not in known
    ]
    for folder in orphans:
        shutil.rmtree(folder, ignore_errors=True)
    return len(orphans)
