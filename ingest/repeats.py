"""Collapse runs of a repeated sentence (or a repeated group of sentences) before a file is parsed.

Why: 19 MB of one sentence repeated became 13,952 passages, and answers that repeated it (issue 13,
finding 7). A broken export or a paste gone wrong repeats a sentence back to back; a speech does not.
But speeches do repeat short phrases on purpose ("干！干！干！", "学习、学习、再学习", a slogan said
twice), so only a *run* is collapsed, and only when it cannot be rhetoric:

- a unit of 1–`MAX_UNIT_SENTENCES` consecutive sentences repeated back to back at least
  `MIN_REPEATS` times, the unit at least `MIN_UNIT_CHARS` characters long, or
- any unit repeated back to back at least `MIN_REPEATS_SHORT` times, however short.

A run keeps its first copy. Sentences count as the same when equal after NFKC and without whitespace
and punctuation (the copies of a broken export differ in spacing and full-/half-width forms). Nothing
else is touched, so a file without such runs yields exactly the text it had (and its doc id).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_UNIT_SENTENCES = 4
MIN_REPEATS = 3
MIN_UNIT_CHARS = 10
MIN_REPEATS_SHORT = 20

# A sentence: up to and including its end mark(s), closing quotes and the whitespace after, or a line.
_SENTENCE = re.compile(r"[^。！？!?\n]*(?:[。！？!?]+[”’\"」』）)]*\s*|\n\s*|$)")
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Collapsed:
    text: str
    removed: int  # repeated sentences dropped


def split_sentences(text: str) -> list[str]:
    """Pieces that join back to exactly `text`."""
    return [m.group(0) for m in _SENTENCE.finditer(text) if m.group(0)]


def _key(sentence: str) -> str:
    return _NOISE.sub("", unicodedata.normalize("NFKC", sentence)).lower()


def collapse_repeats(text: str) -> Collapsed:
    pieces = split_sentences(text)
    keys = [_key(p) for p in pieces]
    kept: list[str] = []
    removed = 0
    i = 0
    while i < len(pieces):
        if not keys[i]:  # a blank line: kept, never the start of a run
            kept.append(pieces[i])
            i += 1
            continue
        run = _run_at(keys, i)
        if run is None:
            kept.append(pieces[i])
            i += 1
            continue
        size, end = run
        kept.extend(pieces[i : i + size])
        removed += sum(1 for k in keys[i + size : end] if k)
        i = end
    if not removed:
        return Collapsed(text, 0)
    return Collapsed("".join(kept), removed)


def _run_at(keys: list[str], i: int) -> tuple[int, int] | None:
    """(unit size, end of the run) of the shortest unit starting at i that forms a collapsible run."""
    for size in range(1, MAX_UNIT_SENTENCES + 1):
        unit = _content(keys, i, size)
        if unit is None or keys[i + size : i + 2 * size] != keys[i : i + size]:
            continue
        end = i + size
        while keys[end : end + size] == keys[i : i + size] and end + size <= len(keys):
            end += size
        repeats = (end - i) // size
        chars = sum(len(k) for k in unit)
        if repeats >= MIN_REPEATS_SHORT or (repeats >= MIN_REPEATS and chars >= MIN_UNIT_CHARS):
            return size, end
    return None


def _content(keys: list[str], i: int, size: int) -> list[str] | None:
    unit = keys[i : i + size]
    if len(unit) < size or not all(unit):  # a unit never spans a blank line
        return None
    return unit
