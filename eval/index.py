"""The sample corpus indexed with the real model, in its own collection (shared by eval and bench)."""

from __future__ import annotations

from pathlib import Path

from assistant.service import PolicyAssistant
from core.store import VectorStore
from ingest.pipeline import Ingestor
from settings import Settings, load_settings
from vectorstore.embeddings import Embedder
from vectorstore.factory import open_embedder, open_store

SPEECH_SUFFIXES = {".txt", ".md", ".docx", ".pdf", ".html", ".htm"}
SAMPLES = Path(__file__).resolve().parent.parent / "data" / "speeches"


def sample_store(settings: Settings | None = None, collection: str = "eval_samples") -> VectorStore:
    return corpus_store(SAMPLES, collection, settings)


def corpus_store(
    folder: Path, collection: str, settings: Settings | None = None, embedder: Embedder | None = None
) -> VectorStore:
    """`folder`'s speeches in their own collection (re-ingesting unchanged files costs nothing)."""
    settings = (settings or load_settings()).model_copy(
        update={"collection": collection, "chroma_host": None}
    )
    store = open_store(settings, embedder or open_embedder(settings))
    ingestor = Ingestor(store, lock_path=settings.data_dir / f"{collection}.lock")
    # the speeches only (a set's README and questions stay out), and exactly them: what an earlier
    # version of the parsers stored for the same files is retired
    speeches = [p for p in folder.iterdir() if p.suffix in SPEECH_SUFFIXES and p.name != "README.md"]
    report = ingestor.ingest_paths(sorted(speeches))
    if report.failed:
        raise RuntimeError(f"could not index {folder}: {report.to_dict()}")
    current = {d for f in report.files for d in f.doc_ids}
    for info in ingestor.list_documents():
        if info.doc_id not in current:
            ingestor.delete(info.doc_id)
    return store


def sample_assistant(settings: Settings | None = None) -> PolicyAssistant:
    return PolicyAssistant(sample_store(settings))
