"""Sentences with their offsets, and how well a sentence covers a question's keywords."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from assistant.synonyms import found_in
from ingest.normalize import fold_for_search

_END = re.compile(r"[^。！？；!?;\n]*(?:[。！？；!?;]+[”’\"']?|\n|$)")


@dataclass(frozen=True)
class Sentence:
    text: str  # stripped sentence, as shown
    start: int  # offsets in the document text
    end: int


def split_sentences(text: str, base: int = 0, min_chars: int = 2) -> list[Sentence]:
    """Split at 。！？； and line ends; offsets are relative to the document (base = chunk start)."""
    out: list[Sentence] = []
    for match in _END.finditer(text):
        raw = match.group()
        stripped = raw.strip()
        if len(stripped) < min_chars:
            continue
        lead = len(raw) - len(raw.lstrip())
        start = base + match.start() + lead
        out.append(Sentence(stripped, start, start + len(stripped)))
    return out


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
