"""The whole corpus as folded text, asked "does it mention X?" and "how often?" without a scan.

Refusal and rarity checks count a question's words in every speech. At 1,000× the samples a
count was a 30 M-character scan (21 ms), several per question. Here each speech's character
pairs are indexed once per snapshot (sorted arrays: pair → speeches holding it, with counts), so a
two-character word is one lookup, and a longer one is counted only in the speeches holding all of
its pairs. Matches never run across two speeches (a joined text would allow that).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

_BITS = 21  # a code point fits in 21 bits: a pair is one 42-bit key


class CorpusText:
    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = list(texts)
        keys, docs, counts = [], [], []
        for i, text in enumerate(self.texts):
            pairs = _pair_keys(text)
            if pairs.size:
                unique, n = np.unique(pairs, return_counts=True)
                keys.append(unique)
                docs.append(np.full(unique.size, i, dtype=np.uint32))
                counts.append(n.astype(np.uint32))
        if keys:
            all_keys = np.concatenate(keys)
            order = np.argsort(all_keys, kind="stable")  # stable: each pair's speeches stay in order
            self._keys: np.ndarray[Any, Any] = all_keys[order]
            self._docs: np.ndarray[Any, Any] = np.concatenate(docs)[order]
            self._counts: np.ndarray[Any, Any] = np.concatenate(counts)[order]
        else:
            self._keys = self._docs = self._counts = np.zeros(0, dtype=np.uint64)

    def __contains__(self, word: str) -> bool:
        if len(word) < 2:
            return any(word in text for text in self.texts)
        return any(word in self.texts[i] for i in self._holders(word))

    def count(self, word: str) -> int:
        if not word:
            return 0
        if len(word) == 1:
            return sum(text.count(word) for text in self.texts)
        if len(word) == 2:  # one pair: the index holds its count (overlaps: "教教教" counts "教教" twice)
            if word[0] == word[1]:
                return sum(self.texts[i].count(word) for i in self._holders(word))
            start, end = self._span(_key(word))
            return int(self._counts[start:end].sum())
        return sum(self.texts[i].count(word) for i in self._holders(word))

    def search(self, pattern: re.Pattern[str]) -> bool:
        """Whether `pattern` matches in some speech (a regex cannot use the index: a plain scan)."""
        return any(pattern.search(text) for text in self.texts)

    def _holders(self, word: str) -> list[int]:
        """Speeches holding every character pair of `word` (a superset of those holding it)."""
        spans = sorted((self._span(key) for key in set(_pair_keys(word).tolist())), key=lambda s: s[1] - s[0])
        found: np.ndarray[Any, Any] | None = None
        for start, end in spans[:4]:  # the rarest pairs narrow it enough; the count checks the rest
            docs = self._docs[start:end]
            found = docs if found is None else np.intersect1d(found, docs, assume_unique=True)
            if not found.size:
                return []
        return [] if found is None else found.tolist()

    def _span(self, key: int) -> tuple[int, int]:
        # A numpy scalar, not a Python int: with an int numpy casts the whole key array per lookup
        # (11 ms at 1,000× the samples instead of microseconds).
        wanted = np.uint64(key)
        start = int(np.searchsorted(self._keys, wanted, side="left"))
        end = int(np.searchsorted(self._keys, wanted, side="right"))
        return start, end


def _pair_keys(text: str) -> np.ndarray[Any, Any]:
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    return (points[:-1] << np.uint64(_BITS)) | points[1:]


def _key(pair: str) -> int:
    return (ord(pair[0]) << _BITS) | ord(pair[1])
