"""The sample corpus indexed with the real model, in its own collection (shared by eval and bench)."""

from __future__ import annotations

from pathlib import Path

from assistant.service import PolicyAssistant
from ingest.pipeline import Ingestor
from settings import Settings, load_settings
from vectorstore.base import VectorStore
from vectorstore.factory import open_embedder, open_store

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "speeches"


def sample_store(settings: Settings | None = None, collection: str = "eval_samples") -> VectorStore:
    settings = (settings or load_settings()).model_copy(
        update={"collection": collection, "chroma_host": None}
    )
    store = open_store(settings, open_embedder(settings))
    report = Ingestor(store, lock_path=settings.data_dir / f"{collection}.lock").ingest_paths([SAMPLES])
    if report.failed:
        raise RuntimeError(f"could not index the samples: {report.to_dict()}")
    return store


def sample_assistant(settings: Settings | None = None) -> PolicyAssistant:
    return PolicyAssistant(sample_store(settings))
