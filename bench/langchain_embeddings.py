"""Our `Embedder` seen through LangChain's embedding interface, for the naive LangChain pipeline the bench
compares with. It lives here, where it is used, so that opening a store never imports `langchain_core`.

It delegates: the e5 prompts ("passage: " / "query: ") are applied by the Embedder, so documents and
questions are embedded differently, as e5 requires.
"""

from __future__ import annotations

from langchain_core.embeddings import Embeddings as LangChainEmbeddingsBase

from vectorstore.embeddings import Embedder


class LangChainEmbeddings(LangChainEmbeddingsBase):
    """`langchain_core.embeddings.Embeddings` over any Embedder."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_passages(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_query(text)
