"""BM25 keyword search over pre-tokenised chunks (bm25s: sparse matrices, fast at 100k chunks)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class KeywordIndex:
    """Immutable BM25 index; rebuilt (from stored tokens) when the store's generation changes."""

    def __init__(self, ids: Sequence[str], tokens: Sequence[Sequence[str]]) -> None:
        import bm25s  # deferred: keeps imports light for the CLI's --help

        self.ids = list(ids)
        self._row = {cid: i for i, cid in enumerate(self.ids)}
        self._bm25 = bm25s.BM25()
        # An empty token list would make bm25s drop the row; a sentinel keeps rows aligned with ids.
        corpus = [list(t) or ["\u0000"] for t in tokens]
        if corpus:
            self._bm25.index(corpus, show_progress=False)
        self._vocab: dict[str, int] = dict(getattr(self._bm25, "vocab_dict", {}) or {})

    def __len__(self) -> int:
        return len(self.ids)

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        known = [t for t in query_tokens if t in self._vocab]
        if not known or not self.ids:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)

    def search(
        self, query_tokens: Sequence[str], k: int, allowed: set[str] | None = None
    ) -> list[tuple[str, float]]:
        scores = self.scores(query_tokens)
        if allowed is not None:
            mask = np.zeros(len(self.ids), dtype=bool)
            for cid in allowed:
                row = self._row.get(cid)
                if row is not None:
                    mask[row] = True
            scores = np.where(mask, scores, 0.0)
        positive = int(np.count_nonzero(scores > 0))
        k = min(k, positive)
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in top]

    def document_frequency(self, token: str) -> int:
        """How many chunks contain `token` (0 when unknown): the refusal check uses it."""
        row = self._vocab.get(token)
        if row is None:
            return 0
        matrix = getattr(self._bm25, "scores", None)
        if isinstance(matrix, dict) and "indptr" in matrix:
            indptr = matrix["indptr"]
            return int(indptr[row + 1] - indptr[row])
        return int(np.count_nonzero(self._bm25.get_scores([token]) > 0))
