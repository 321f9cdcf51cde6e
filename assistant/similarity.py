"""The dense model's similarity of single sentences to a question (e5 "query:" vs "passage:").

Passages are ranked by the store; within them, the sentence that says what was asked often shares
few characters with the question ("一共投了多少钱" / "累计投入资金1.2亿元"). Sentence vectors go
through the embedder's persistent cache, so a sentence is embedded once; `warm` embeds a speech's
sentences ahead of the first question about it (latency only: answers do not depend on it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from core.embeddings import Embedder

Scorer = Callable[[Sequence[str]], list[float]]


class SentenceSimilarity:
    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder

    def bind(self, question: str) -> Scorer:
        """A scorer for one question: cosine of each sentence to it (vectors are unit length)."""
        asked: list[np.ndarray] = []

        def score(sentences: Sequence[str]) -> list[float]:
            if not sentences:
                return []
            if not asked:  # embedded only when a strategy needs it
                asked.append(np.asarray(self._embedder.embed_query(question), dtype=np.float32))
            vectors = np.asarray(self._embedder.embed_passages(list(sentences)), dtype=np.float32)
            return [float(v) for v in vectors @ asked[0]]

        return score

    def warm(self, sentences: Iterable[str]) -> threading.Thread:
        """Embed sentences into the cache in the background (a speech new to a live snapshot)."""
        texts = list(dict.fromkeys(sentences))

        def run() -> None:
            for start in range(0, len(texts), 32):
                self._embedder.embed_passages(texts[start : start + 32])

        thread = threading.Thread(target=run, name="sentence-warm", daemon=True)
        thread.start()
        return thread
