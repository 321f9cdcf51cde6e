"""Embedder interface (the ground floor: ingest reports embedding progress through it). Implementations:
vectorstore/e5.py and e5_onnx.py (the real model), tests' FakeEmbedder."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Embedder(Protocol):
    dimension: int

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        """Unit-length vectors for passages (e5 prompt "passage: ")."""
        ...

    def embed_query(self, text: str) -> list[float]:
        """Unit-length vector for a question (e5 prompt "query: ")."""
        ...
