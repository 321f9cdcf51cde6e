"""Ingest throughput, end to end and stage by stage (load, clean, split, outline, chunk, tokenize,
embed, store), timed around the project's own functions.

`timed_build` repeats the steps of `ingest.build.build_documents` with a timer around each, and the
caller checks it produced the very same chunk ids (so the breakdown cannot silently drift from the
real build). The store stage writes precomputed vectors, so it measures Chroma alone.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.stats import Stopwatch
from core.records import Chunk, Document, LoadedText


def timed_build(loaded: LoadedText, watch: Stopwatch) -> list[tuple[Document, list[Chunk]]]:
    from ingest.build import doc_id_for, with_tokens
    from ingest.chunker import chunk_document
    from ingest.clean import clean_text
    from ingest.formulations import find_formulations
    from ingest.outline import parse_outline
    from ingest.speeches import split_speeches

    built: list[tuple[Document, list[Chunk]]] = []
    with watch("clean"):
        cleaned = clean_text(loaded.text)
    with watch("split"):
        speeches = split_speeches(cleaned, raw=loaded.text, source=loaded.source)
    for part, speech in enumerate(speeches):
        with watch("outline"):
            sections = tuple(parse_outline(speech.text))
            doc = Document(
                doc_id=doc_id_for(speech.text),
                source=loaded.source,
                text=speech.text,
                title=speech.title,
                speaker=speech.speaker,
                date=speech.display_date,
                meeting=speech.meeting,
                part=part,
                sections=sections,
                formulations=tuple(find_formulations(speech.text, sections)),
            )
        with watch("chunk"):
            chunks = chunk_document(doc)
        with watch("tokenize"):
            built.append((doc, [with_tokens(chunk) for chunk in chunks]))
    return built


class Precomputed:
    """An Embedder that serves vectors computed beforehand, so the store stage times Chroma alone."""

    def __init__(self, vectors: dict[str, list[float]], dimension: int = 384) -> None:
        self.vectors = vectors
        self.dimension = dimension

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        return [self.vectors[text] for text in texts]

    def embed_query(self, text: str) -> list[float]:
        raise NotImplementedError("the store stage never searches")


def stages(paths: Sequence[Path], embedder: Any, workdir: Path) -> dict[str, Any]:
    """Each stage's seconds over the files in `paths`; `embedder` is the bare model (no cache)."""
    from core.store import DocumentInfo
    from ingest.build import build_documents
    from ingest.loaders import load
    from vectorstore.chroma import ChromaStore
    from vectorstore.codec import passage_text
    from vectorstore.factory import persistent_client

    watch = Stopwatch()
    built: list[tuple[Document, list[Chunk]]] = []
    for path in paths:
        with watch("load"):
            loaded = load(path)
        mine = timed_build(loaded, watch)
        real = build_documents(loaded)
        if [[c.chunk_id for c in cs] for _, cs in mine] != [[c.chunk_id for c in cs] for _, cs in real]:
            raise RuntimeError(f"bench's timed build diverged from ingest.build on {path.name}")
        built.extend(mine)
    texts = [passage_text(c) for _, chunks in built for c in chunks]
    with watch("embed"):
        vectors = embedder.embed_passages(texts)  # one call: the model at its best batching
    store = ChromaStore(
        persistent_client(workdir / "stages"), Precomputed(dict(zip(texts, vectors, strict=True))), "stages"
    )
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with watch("store"):
        for doc, chunks in built:
            store.write_document(doc, chunks)
            info = DocumentInfo(doc.doc_id, (doc.source,), doc.title, doc.speaker, doc.date, len(chunks), now)
            store.commit(add=[info], remove=[])
    chars = sum(len(doc.text) for doc, _ in built)
    embed_s = watch.seconds["embed"]
    return {
        "docs": len(built),
        "chunks": len(texts),
        "chars": chars,
        "seconds": {k: round(v, 3) for k, v in watch.seconds.items()},
        "shares": watch.shares(),
        "model_passages_per_s": round(len(texts) / embed_s, 2),
        "model_chars_per_s": round(sum(map(len, texts)) / embed_s, 1),
    }


def end_to_end(paths: Sequence[Path], embedder: Any, workdir: Path) -> dict[str, Any]:
    """`Ingestor.ingest_paths` into an empty store with an empty embedding cache: the real thing."""
    from ingest.pipeline import Ingestor
    from vectorstore.chroma import ChromaStore
    from vectorstore.embed_cache import CachedEmbedder
    from vectorstore.factory import persistent_client, reopen_persistent

    cached = CachedEmbedder(embedder, workdir / "embed-cache.sqlite")
    store = ChromaStore(
        persistent_client(workdir / "e2e"), cached, "e2e", reopen=reopen_persistent, owns_client=True
    )
    started = time.perf_counter()
    report = Ingestor(store, lock_path=workdir / "ingest.lock").ingest_paths(paths)
    seconds = time.perf_counter() - started
    if report.failed:
        raise RuntimeError(f"ingest failed: {report.to_dict()['totals']}")
    chunks = report.total("chunks_added")
    chars = sum(
        len(store.get_document(d).text) for f in report.files for d in f.doc_ids
    )  # cleaned characters, as in `stages`
    store.close()
    cached.close()
    return {
        "files": len(report.files),
        "chunks": chunks,
        "chars": chars,
        "seconds": round(seconds, 3),
        "chars_per_s": round(chars / seconds, 1),
        "chunks_per_s": round(chunks / seconds, 2),
        "embedded": cached.misses,
    }
