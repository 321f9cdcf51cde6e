"""Our `Embedder` seen through Chroma's embedding interface.

The wrapper delegates: the e5 prompts ("passage: " / "query: ") are applied by the Embedder, so documents
and questions are embedded differently, as e5 requires. (LangChain's view of it, used only by the bench's
naive pipeline, is `bench/langchain_embeddings.py`: no store imports `langchain_core`.)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from chromadb.api.types import Embeddable, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function

from vectorstore.embeddings import Embedder

_NAME = "policy_qa_embedder"  # stored in each collection's config: never change it casually


class _UnboundEmbedder:
    """Stands in when Chroma rebuilds the function from a stored config: the real embedder (a loaded model)
    cannot live in a JSON config, so it must be passed in; using this placeholder says so plainly."""

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension

    def embed_passages(self, texts: Any) -> list[list[float]]:
        raise RuntimeError(
            "this Chroma collection was opened without an embedder: pass "
            "embedding_function=ChromaEmbeddingFunction(embedder) when getting it"
        )

    def embed_query(self, text: str) -> list[float]:
        return self.embed_passages([text])[0]


@register_embedding_function
class ChromaEmbeddingFunction(EmbeddingFunction[Embeddable]):
    """chromadb 1.5 `EmbeddingFunction` over any Embedder.

    Implementing name/get_config/build_from_config (and registering the class) makes it a "known" function
    to Chroma: the collection's stored config names it, so Chroma never warns about a legacy function and
    never falls back to its default one (which would try to download an ONNX model).
    """

    NAME = _NAME

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    # Typed over Embeddable (texts or images) because that is what Chroma's client methods accept;
    # EmbeddingFunction[Documents] would need a type: ignore at every call site. Only texts are valid.
    def __call__(self, input: Embeddable) -> Embeddings:
        return _as_arrays(self.embedder.embed_passages(_texts(input)))

    def embed_query(self, input: Embeddable) -> Embeddings:
        return _as_arrays([self.embedder.embed_query(text) for text in _texts(input)])

    @staticmethod
    def name() -> str:
        return _NAME  # a module constant: the registering decorator calls this before the class exists

    def get_config(self) -> dict[str, Any]:
        # Descriptive only (Chroma stores it with the collection): which embedder and how wide its vectors.
        return {"embedder": type(self.embedder).__name__, "dimension": int(self.embedder.dimension)}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaEmbeddingFunction:
        return ChromaEmbeddingFunction(_UnboundEmbedder(int(config.get("dimension", 0))))

    def default_space(self) -> Space:
        return "cosine"  # the vectors are unit length: cosine is what e5 was trained for

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "ip", "l2"]

    def is_legacy(self) -> bool:
        return False


def _texts(input: Embeddable) -> list[str]:
    texts = list(input)
    if not all(isinstance(t, str) for t in texts):
        raise TypeError("ChromaEmbeddingFunction embeds documents (str) only")
    return [str(t) for t in texts]


def _as_arrays(vectors: list[list[float]]) -> Embeddings:
    return [np.asarray(v, dtype=np.float32) for v in vectors]
