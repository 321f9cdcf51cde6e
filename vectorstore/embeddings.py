"""Kept for compatibility: the Embedder interface moved to `core.embeddings`; this module will be removed."""

from core.embeddings import Embedder

__all__ = ["Embedder"]
