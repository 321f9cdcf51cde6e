"""How well a sentence covers a question's keywords (the splitter itself is `core.sentences`)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from assistant.synonyms import found_in
from core.normalize import fold_for_search
from core.sentences import Sentence, split_sentences

__all__ = ["Idf", "Sentence", "coverage", "missing", "split_sentences"]


class Idf:
    """Inverse document frequency over chunks, from the keyword index."""

    def __init__(self, total: int, frequency: dict[str, int]) -> None:
        self.total = max(total, 1)
        self.frequency = frequency

    def __call__(self, token: str) -> float:
        df = self.frequency.get(token, 0)
        return math.log(1.0 + (self.total - df + 0.5) / (df + 0.5))


def coverage(tokens: Sequence[str], text: str, idf: Idf) -> float:
    """IDF-weighted share of the question's keywords that occur in `text` (0..1)."""
    unique = list(dict.fromkeys(tokens))
    if not unique:
        return 0.0
    folded = fold_for_search(text)
    total = sum(idf(t) for t in unique)
    found = sum(idf(t) for t in unique if found_in(t, folded))
    return found / total if total else 0.0


def missing(tokens: Iterable[str], text: str) -> list[str]:
    folded = fold_for_search(text)
    return [t for t in dict.fromkeys(tokens) if t not in folded]
