"""How well a sentence covers a question's keywords (the splitter itself is `core.sentences`)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from assistant.synonyms import forms
from core.normalize import fold_for_search
from core.sentences import Sentence, split_sentences

__all__ = ["Idf", "Keywords", "Sentence", "coverage", "missing", "split_sentences"]


class Idf:
    """Inverse document frequency over chunks, from the keyword index.

    One per snapshot (the service keeps it with the snapshot), so each token's weight is read from
    the index once, not once per candidate sentence: `frequency` must not change after it is built."""

    def __init__(self, total: int, frequency: dict[str, int]) -> None:
        self.total = max(total, 1)
        self.frequency = frequency
        self._weights: dict[str, float] = {}

    def __call__(self, token: str) -> float:
        weight = self._weights.get(token)
        if weight is None:
            df = self.frequency.get(token, 0)
            weight = self._weights[token] = math.log(1.0 + (self.total - df + 0.5) / (df + 0.5))
        return weight


class Keywords:
    """A question's keywords read once for the many sentences they are matched against: each
    distinct token with its weight and the forms a speech may write it in."""

    def __init__(self, tokens: Sequence[str], idf: Idf) -> None:
        self._weighted = [(idf(t), forms(t)) for t in dict.fromkeys(tokens)]
        self._total = sum(weight for weight, _ in self._weighted)

    def cover(self, folded: str) -> float:
        """`coverage` of a text already folded with `fold_for_search`."""
        if not self._weighted:
            return 0.0
        holds = folded.__contains__  # (map over a bound method: no generator per token and sentence)
        found = sum([weight for weight, written in self._weighted if any(map(holds, written))])
        return found / self._total if self._total else 0.0


def coverage(tokens: Sequence[str], text: str, idf: Idf) -> float:
    """IDF-weighted share of the question's keywords that occur in `text` (0..1)."""
    if not tokens:
        return 0.0
    return Keywords(tokens, idf).cover(fold_for_search(text))


def missing(tokens: Iterable[str], text: str) -> list[str]:
    folded = fold_for_search(text)
    return [t for t in dict.fromkeys(tokens) if t not in folded]
