"""What every question of one snapshot would compute again from the same passages, kept with the snapshot.

A snapshot never changes (a commit brings a new one), so a sentence split, a fold or a token's weight
read once stays right for every later question of that snapshot. Filled lazily by the functions that
compute the values (`assistant.strategies.common`, `assistant.service`); the tables of passages are
bounded so a very large corpus cannot make them grow without end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from assistant.sentences import Idf
from core.normalize import fold_for_search
from core.records import Chunk
from core.sentences import Sentence

MEMO_CHUNKS = 20_000  # chunks whose sentences are kept per table (≈ every chunk up to ≈ 150× the samples)
MEMO_SPEECHES = 2_000  # speeches whose folded text is kept (≈ 4,500 characters each in the samples)

Value = TypeVar("Value")


@dataclass(frozen=True)
class SentenceFacts:
    """A candidate sentence with what scoring it needs that depends on the speech only."""

    sentence: Sentence
    chunk: Chunk  # the body chunk that holds it
    quotable: bool  # long enough, not the title, not above the speech's body
    heading: bool  # reads as a heading ("（九）突出安全稳定…")
    text: str  # the sentence plus the relative years its years are for the speech's date
    label: str  # the heading right above it
    folded_label: str  # `label`, folded for search
    folded: str  # `text`, folded for search
    framed: str  # `text`, the chunk's section path and `label`, folded for search


class SnapshotMemo:
    """Per-snapshot tables; a race between two askers computes a value twice, never a different one."""

    def __init__(self) -> None:
        self.idf: Idf | None = None
        self.sentences: dict[str, tuple[Chunk, tuple[tuple[Sentence, Chunk], ...]]] = {}
        self.facts: dict[str, tuple[Chunk, tuple[SentenceFacts, ...]]] = {}
        self.chunk_texts: dict[str, tuple[Chunk, str]] = {}  # chunk id → its text folded for search
        self._folded: dict[str, str] = {}  # doc_id → the speech's text folded for search

    def folded_text(self, doc_id: str, text: str) -> str:
        """`fold_for_search(text)` of the speech `doc_id`, once per snapshot."""
        folded = self._folded.get(doc_id)
        if folded is None:
            if len(self._folded) >= MEMO_SPEECHES:
                self._folded.clear()
            folded = self._folded[doc_id] = fold_for_search(text)
        return folded


def kept(table: dict[str, tuple[Chunk, Value]], chunk: Chunk, make: Callable[[Chunk], Value]) -> Value:
    """`make(chunk)`, computed once per chunk of the snapshot. A chunk that is not the snapshot's own
    (same id, another object) is computed and not kept."""
    entry = table.get(chunk.chunk_id)
    if entry is not None and entry[0] is chunk:
        return entry[1]
    value = make(chunk)
    if entry is None:
        if len(table) >= MEMO_CHUNKS:
            table.clear()
        table[chunk.chunk_id] = (chunk, value)
    return value
