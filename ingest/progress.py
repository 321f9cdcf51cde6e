"""Progress and cancellation of one file's ingest, seen from inside the store's embedding loop.

The store embeds a document's passages itself (`write_document` calls the embedder batch by batch), so
the only place that sees "passages embedded n/m" — and the only place a long embedding can be stopped —
is the embedder. `ProgressEmbedder` wraps the real one; the thread that ingests a file installs an
`IngestObserver` for the duration (`observing(...)`), and every passage batch reports to it and asks
it whether to go on. Questions (`embed_query`) and ingests of other threads are not observed.

Cancelling raises `IngestCancelledError` out of `write_document`: nothing is committed, so the previous
index stays active, and what was written is garbage that the ingest's garbage collection removes.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from typing import Protocol

from core.embeddings import Embedder
from errors import IngestCancelledError


class IngestObserver(Protocol):
    def stage(self, stage: str) -> None:
        """ "parsing", "embedding", "committing" (for the progress display)."""
        ...

    def parsed(self, docs: int, to_embed: int, collapsed: int) -> None:
        """The file is parsed: `docs` speeches, `to_embed` passages still to embed (unchanged ones are
        not embedded again), `collapsed` repeated sentences dropped."""
        ...

    def embedded(self, count: int) -> None:
        """`count` more passages embedded."""
        ...

    def check(self) -> None:
        """Raise IngestCancelledError when the file's job was cancelled."""
        ...


class NullObserver:
    def stage(self, stage: str) -> None:
        pass

    def parsed(self, docs: int, to_embed: int, collapsed: int) -> None:
        pass

    def embedded(self, count: int) -> None:
        pass

    def check(self) -> None:
        pass


class CancelFlag:
    """Set by whoever cancels (a request thread); read by the ingesting thread."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def __bool__(self) -> bool:
        return self._event.is_set()

    def raise_if_set(self) -> None:
        if self._event.is_set():
            raise IngestCancelledError()


_current = threading.local()


@contextlib.contextmanager
def observing(observer: IngestObserver) -> Iterator[None]:
    """Passage batches embedded by this thread report to `observer` until the block ends."""
    previous = getattr(_current, "observer", None)
    _current.observer = observer
    try:
        yield
    finally:
        _current.observer = previous


def current_observer() -> IngestObserver | None:
    return getattr(_current, "observer", None)


class ProgressEmbedder:
    """An Embedder that reports passages to the current thread's observer (if any) and stops a
    cancelled ingest between steps of `step` passages. Otherwise exactly the wrapped embedder.

    Why steps: the store hands over 128 passages at a time, which on two busy cores is a minute of
    embedding (measured in the soak: a cancel waited over 60 s); the model embeds one text per run
    anyway, so smaller steps cost nothing and a cancel or the progress display waits seconds."""

    def __init__(self, inner: Embedder, *, step: int = 16) -> None:
        self.inner = inner
        self.dimension = inner.dimension
        self._step = step

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        observer = current_observer()
        if observer is None:
            return self.inner.embed_passages(texts)
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self._step):
            observer.check()
            part = texts[start : start + self._step]
            vectors += self.inner.embed_passages(part)
            observer.check()  # a step that finished after the cancel is not written
            observer.embedded(len(part))
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)

    def __getattr__(self, name: str) -> object:
        # load(), start_loading(), loaded … of the real model stay reachable through the wrapper
        if name == "inner":  # not set yet (a copy made without __init__): no endless recursion
            raise AttributeError(name)
        return getattr(self.inner, name)
