"""What changed between two versions of a speech: a diff by sentence (difflib), paragraphs kept apart.

Sentences, not characters: a corrected figure or a reworded sentence shows as that sentence removed and
its new form added, which is what an administrator checks; unchanged runs are collapsed to a count.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")
Op = Literal["same", "removed", "added"]


@dataclass(frozen=True)
class DiffBlock:
    op: Op
    sentences: tuple[str, ...]  # "same" blocks: the sentences collapsed (their count is shown)


def sentences(text: str) -> list[str]:
    """Each paragraph's sentences; a paragraph break is kept as its own unit so moves stay readable."""
    units: list[str] = []
    for paragraph in (p.strip() for p in text.splitlines()):
        if paragraph:
            units += [s.strip() for s in _SENTENCE_END.split(paragraph) if s.strip()]
    return units


def diff_texts(old: str, new: str) -> list[DiffBlock]:
    a, b = sentences(old), sentences(new)
    blocks: list[DiffBlock] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            blocks.append(DiffBlock("same", tuple(a[i1:i2])))
            continue
        if i2 > i1:
            blocks.append(DiffBlock("removed", tuple(a[i1:i2])))
        if j2 > j1:
            blocks.append(DiffBlock("added", tuple(b[j1:j2])))
    return blocks


def changed(blocks: list[DiffBlock]) -> int:
    """How many sentences were removed or added."""
    return sum(len(b.sentences) for b in blocks if b.op != "same")
