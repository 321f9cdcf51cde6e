"""Wiring from settings: the only place that builds the real model, store and answerer."""

from __future__ import annotations

from assistant.service import Answerer, PolicyAssistant
from core.store import VectorStore
from settings import Settings


def build_store(settings: Settings) -> VectorStore:
    """The store with the real embedder, whose model starts loading in the background right away: a question
    always needs it, and loading overlaps opening the store and building the corpus snapshot."""
    from vectorstore.factory import open_embedder, open_store

    embedder = open_embedder(settings)
    start = getattr(embedder, "start_loading", None)
    if callable(start):
        start()
    return open_store(settings, embedder)


def build_answerer(settings: Settings) -> Answerer | None:
    """The generative answerer when an OpenAI-compatible server is configured, else None (extractive)."""
    if not (settings.llm_base_url and settings.llm_model):
        return None
    from assistant.generative import GenerativeAnswerer, chat_model_from_settings

    return GenerativeAnswerer(chat_model_from_settings(settings))


def build_assistant(settings: Settings, store: VectorStore | None = None) -> PolicyAssistant:
    from core.tokens import use_dictionary_cache

    use_dictionary_cache(settings.dictionary_cache_dir)
    store = store or build_store(settings)
    # the store's own model: sentence vectors must be of the same model as the passages and questions
    embedder = getattr(store, "embedder", None)
    return PolicyAssistant(store, build_answerer(settings), embedder=embedder)
