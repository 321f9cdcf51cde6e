"""Deterministic test doubles shared by the unit tests."""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Sequence
from functools import lru_cache


class FakeEmbedder:
    """Implements `vectorstore.embeddings.Embedder` without a model.

    A text becomes the signed, hashed bag of its character unigrams (weight 0.5) and bigrams (weight 1.0),
    normalised to unit length: texts sharing words get higher cosine similarity, so retrieval tests rank
    sensibly, and the same text always gets the same vector (hashlib, not Python's per-process hash).
    Query and passage vectors are identical; e5's prompt asymmetry is tested on the real model.
    Counters let tests see how much work reached the embedder.
    """

    def __init__(self, dimension: int = 384) -> None:
        self.dimension = dimension
        self.passage_calls = 0
        self.query_calls = 0
        self.passages_embedded = 0

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        self.passage_calls += 1
        self.passages_embedded += len(texts)
        return [self.vector(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        self.query_calls += 1
        return self.vector(text)

    def vector(self, text: str) -> list[float]:
        """The vector for `text` without counting a call."""
        values = [0.0] * self.dimension
        chars = [c for c in text if c.isalnum()]
        features = [(c, 0.5) for c in chars] + [(a + b, 1.0) for a, b in itertools.pairwise(chars)]
        for feature, weight in features:
            index, sign = _slot(feature, self.dimension)
            values[index] += sign * weight
        norm = math.sqrt(sum(v * v for v in values))
        if norm == 0.0:  # no letters at all: still a valid unit vector
            return [1.0] + [0.0] * (self.dimension - 1)
        return [v / norm for v in values]


@lru_cache(maxsize=65536)
def _slot(feature: str, dimension: int) -> tuple[int, float]:
    digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
    number = int.from_bytes(digest, "little")
    return number % dimension, (1.0 if number >> 63 else -1.0)
