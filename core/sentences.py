"""The sentence splitter: sentences of a text with their offsets in it.

A sentence ends at 。！？； (and their ASCII forms), with any closing quote after them, or at a line end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SENTENCE_STOPS = "。！？；!?;"  # what ends a sentence (full-width and ASCII)
_MARK = re.compile(r"\s*#{1,6}\s+")
_END = re.compile(rf"[^{SENTENCE_STOPS}\n]*(?:[{SENTENCE_STOPS}]+[”’\"']?|\n|$)")


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
        # a Word heading's markdown mark ("## （二）…") is layout, never shown as words
        mark = _MARK.match(raw)
        lead = mark.end() if mark else len(raw) - len(raw.lstrip())
        stripped = raw[lead:].strip()
        if len(stripped) < min_chars:
            continue
        start = base + match.start() + lead
        out.append(Sentence(stripped, start, start + len(stripped)))
    return out
