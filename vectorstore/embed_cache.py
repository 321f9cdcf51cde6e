"""A persistent cache of passage vectors in front of any Embedder.

Embedding is by far the slowest step of ingestion (a few passages per second on 2 cores), and re-ingesting
a corrected speech, rebuilding an index or the 1000x benchmark corpus embed mostly the same passages again.
Vectors are stored in SQLite keyed by (model namespace, sha256 of the text); the namespace identifies the
model build, so a different model never serves another model's vectors. Questions are kept only in memory,
for the few most recent: the store's search and the answerer's sentence scoring ask for the same one.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from vectorstore.embeddings import Embedder

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    namespace TEXT NOT NULL,
    key BLOB NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (namespace, key)
) WITHOUT ROWID
"""
_RECENT_QUERIES = 256
_LOOKUP_CHUNK = 500  # stay well under SQLite's bound-parameter limit


class CachedEmbedder:
    """Implements `Embedder`; `hits`/`misses` count passages served from / added to the cache."""

    def __init__(self, inner: Embedder, path: Path, *, namespace: str | None = None) -> None:
        """`namespace` defaults to the inner embedder's `cache_namespace` (asked lazily: for the real model
        that means the built folder), else its class name and dimension."""
        self.inner = inner
        self.path = Path(path)
        self.dimension = inner.dimension
        self.hits = 0
        self.misses = 0
        self._namespace = namespace
        self._lock = threading.Lock()
        self._queries: OrderedDict[str, list[float]] = OrderedDict()
        self._conn: sqlite3.Connection | None = None
        try:
            self._conn = _connect(self.path)
        except (sqlite3.OperationalError, OSError) as exc:  # read-only or full data dir
            log.warning("embedding cache %s unavailable (%s); embedding without it", self.path, exc)

    @property
    def namespace(self) -> str:
        if self._namespace is None:
            fallback = f"{type(self.inner).__name__}:{self.inner.dimension}"
            self._namespace = str(getattr(self.inner, "cache_namespace", fallback))
        return self._namespace

    def load(self) -> None:
        """Warm the inner embedder up if it can (E5Embedder.load), so wrapping it changes nothing."""
        load = getattr(self.inner, "load", None)
        if callable(load):
            load()

    def start_loading(self) -> None:
        """Start loading the inner embedder in the background if it can (OnnxE5Embedder.start_loading)."""
        start = getattr(self.inner, "start_loading", None)
        if callable(start):
            start()

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            vector = self._queries.get(text)
            if vector is not None:
                self._queries.move_to_end(text)
                return vector
        vector = self.inner.embed_query(text)
        with self._lock:
            self._queries[text] = vector
            if len(self._queries) > _RECENT_QUERIES:
                self._queries.popitem(last=False)
        return vector

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        texts = list(texts)
        keys = [hashlib.sha256(t.encode("utf-8")).digest() for t in texts]
        found = self._lookup(set(keys))
        missing = {key: text for key, text in zip(keys, texts, strict=True) if key not in found}
        if missing:
            computed = self.inner.embed_passages(list(missing.values()))
            if len(computed) != len(missing):
                raise ValueError(f"inner embedder returned {len(computed)} vectors for {len(missing)} texts")
            # Rounded to float32 as stored, so a text gets the same vector from the cache as without it.
            fresh = {k: np.asarray(v, dtype="<f4") for k, v in zip(missing, computed, strict=True)}
            self._store(fresh)
            found.update({key: vector.tolist() for key, vector in fresh.items()})
        with self._lock:
            self.misses += len(missing)
            self.hits += len(texts) - len(missing)
        return [found[key] for key in keys]

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()

    def __enter__(self) -> CachedEmbedder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _lookup(self, keys: set[bytes]) -> dict[bytes, list[float]]:
        found: dict[bytes, list[float]] = {}
        if self._conn is None:
            return found
        namespace = self.namespace
        with self._lock:
            for chunk in _chunks(sorted(keys), _LOOKUP_CHUNK):
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    f"SELECT key, vector FROM vectors WHERE namespace = ? AND key IN ({marks})",
                    [namespace, *chunk],
                )
                for key, blob in rows:
                    vector = np.frombuffer(blob, dtype="<f4")
                    if vector.shape[0] == self.dimension:  # a short row (torn write) is just a miss
                        found[key] = vector.tolist()
        return found

    def _store(self, vectors: dict[bytes, np.ndarray]) -> None:
        namespace = self.namespace
        rows = [(namespace, key, vector.tobytes()) for key, vector in vectors.items()]
        if self._conn is None:
            return
        try:
            with self._lock, self._conn:  # one transaction per batch
                self._conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)
        except sqlite3.OperationalError as exc:  # disk full, read-only: the vectors are still good
            log.warning("embedding cache not updated (%s); continuing without caching", exc)


def _connect(path: Path) -> sqlite3.Connection:
    """Open (creating) the cache; a file that is not a usable database is moved aside, not fatal."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return _open(path)
    except sqlite3.OperationalError:
        raise  # read-only, locked or full: not corruption; the caller runs without the cache
    except sqlite3.DatabaseError as exc:
        aside = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
        log.warning("embedding cache %s is unusable (%s); moved to %s and starting empty", path, exc, aside)
        path.replace(aside)
        return _open(path)


def _open(path: Path) -> sqlite3.Connection:
    # One connection shared by threads under our lock; WAL lets an ingest CLI and the app use it together.
    conn = sqlite3.connect(path, timeout=30, check_same_thread=False)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")  # a lost last transaction only costs re-embedding
        conn.execute(_SCHEMA)
        conn.commit()
    except sqlite3.DatabaseError:
        conn.close()
        raise
    return conn


def _chunks(items: list[bytes], size: int) -> Iterator[list[bytes]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
